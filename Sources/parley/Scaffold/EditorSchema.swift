/// One of the JSON Schemas that give editors completion, hover help and checks for Parley's YAML files.
///
/// Editors with the YAML language server (VS Code's YAML extension, Neovim, Helix, JetBrains IDEs)
/// pick a schema from a first-line comment: `# yaml-language-server: $schema=../schema/flow.schema.json`.
/// The schemas share definitions through relative references (`common.schema.json#/$defs/text`),
/// which editors resolve against the schema file's own location, so they belong in one folder.
public struct EditorSchema: Sendable, Hashable {
    /// `flow.schema.json`, `persona.schema.json`, `steps.schema.json` or `parley.schema.json`, or
    /// `common.schema.json`, which holds the definitions several of them use.
    public var fileName: String
    /// The schema, as in the repository's `schema/` folder.
    public var text: String

    public init(fileName: String, text: String) {
        self.fileName = fileName
        self.text = text
    }

    /// The comment that points an editor at the schema `fileName`, found in folder `schemaFolder`
    /// relative to the file that carries it.
    public static func modeline(_ fileName: String, in schemaFolder: String) -> String {
        "# yaml-language-server: $schema=\(schemaFolder)/\(fileName)"
    }
}
