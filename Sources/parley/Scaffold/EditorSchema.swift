import Foundation

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

extension EditorSchema {
    /// The schema folder (`schema/` in the current folder, as `parley init` makes it) relative to the
    /// folder of a file about to be written at `path`; `nil` when there is no such folder.
    static func folder(relativeTo path: String) -> String? {
        let fm = FileManager.default
        guard fm.fileExists(atPath: "schema/flow.schema.json") else { return nil }
        let base = URL(fileURLWithPath: fm.currentDirectoryPath).standardizedFileURL.pathComponents
        let target = URL(fileURLWithPath: (path as NSString).deletingLastPathComponent, isDirectory: true)
            .standardizedFileURL.pathComponents
        var common = 0
        while common < min(base.count, target.count), base[common] == target[common] { common += 1 }
        let up = Array(repeating: "..", count: target.count - common)
        let down = Array(base[common...]) + ["schema"]
        return (up + down).joined(separator: "/")
    }
}
