extension EditorSchema {
    /// The JSON Schemas of the repository's `schema/` folder, built into the binary as package
    /// resources, as `parley init` writes them into a project: all of them, since the others refer
    /// to definitions in `common.schema.json`, `steps.schema.json`, `persona.schema.json` and
    /// `scenario.schema.json`.
    public static let all: [EditorSchema] = [
        EditorSchema(fileName: "flow.schema.json", bytes: PackageResources.flow_schema_json),
        EditorSchema(fileName: "persona.schema.json", bytes: PackageResources.persona_schema_json),
        EditorSchema(fileName: "scenario.schema.json", bytes: PackageResources.scenario_schema_json),
        EditorSchema(fileName: "steps.schema.json", bytes: PackageResources.steps_schema_json),
        EditorSchema(fileName: "parley.schema.json", bytes: PackageResources.parley_schema_json),
        EditorSchema(fileName: "common.schema.json", bytes: PackageResources.common_schema_json),
    ]
}

extension EditorSchema {
    init(fileName: String, bytes: [UInt8]) {
        self.init(fileName: fileName, text: String(decoding: bytes, as: UTF8.self))
    }
}
