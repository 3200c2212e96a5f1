import Foundation
import ParleyJSON
import ParleyTestSupport

/// The kinds of YAML file Parley reads, each with its schema.
enum SchemaKind: String, CaseIterable, Sendable {
    case flow, persona, scenario, steps, parley

    var fileName: String { rawValue + ".schema.json" }

    /// The schema no file kind uses directly: the definitions several kinds share.
    static let commonFileName = "common.schema.json"
    /// Every file of `schema/`.
    static let schemaFileNames = allCases.map(\.fileName) + [commonFileName]

    static let root = SchemaValidator.repositoryRoot

    /// The schema file `fileName` of the repository's `schema/` folder, parsed.
    static func schema(_ fileName: String) throws -> JSONValue {
        try JSONValue(parsing: String(contentsOfFile: root + "/schema/" + fileName, encoding: .utf8))
    }

    /// A file under `flows/` is a persona in `_personas/`, a scenario in `_scenarios/`, an include file
    /// in `_steps/`, otherwise a flow.
    static func ofFlowFolderFile(_ relativePath: String) -> SchemaKind {
        let parts = relativePath.split(separator: "/")
        if parts.contains("_personas") { return .persona }
        if parts.contains("_scenarios") { return .scenario }
        if parts.contains("_steps") { return .steps }
        return .flow
    }

    /// `.yaml` files under `folder` (relative to the repository), as repository-relative paths, sorted.
    static func yamlFiles(under folder: String) -> [String] {
        let base = root + "/" + folder
        guard let enumerator = FileManager.default.enumerator(atPath: base) else { return [] }
        var found: [String] = []
        while let entry = enumerator.nextObject() as? String {
            if entry.hasSuffix(".yaml") || entry.hasSuffix(".yml") { found.append(folder + "/" + entry) }
        }
        return found.sorted()
    }

    /// The example project configurations: `examples/*.yaml` and any `parley*.yaml` below examples/
    /// (agent scripts under examples/agents are another format).
    static func exampleConfigs() -> [String] {
        yamlFiles(under: "examples").filter { path in
            let name = (path as NSString).lastPathComponent
            let depth = path.split(separator: "/").count
            return !path.hasPrefix("examples/agents/") && (depth == 2 || name.hasPrefix("parley"))
        }
    }

    /// `relative` (a modeline's path) resolved against the folder of `file`, both relative to the
    /// repository, with `.` and `..` worked out.
    static func resolve(_ relative: String, from file: String) -> String {
        var parts = file.split(separator: "/").dropLast().map(String.init)
        for part in relative.split(separator: "/").map(String.init) {
            switch part {
            case ".": continue
            case "..": if parts.popLast() == nil { parts.append("..") }
            default: parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }

    /// The fenced ```yaml blocks of a Markdown file.
    static func yamlBlocks(inMarkdown relativePath: String) -> [String] {
        guard let text = try? String(contentsOfFile: root + "/" + relativePath, encoding: .utf8) else { return [] }
        var blocks: [String] = []
        var current: [Substring]?
        // A block inside a list item is indented like its fence; its lines lose that indentation.
        var indent = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line.trimmingCharacters(in: .whitespaces) == "```yaml" {
                current = []
                indent = line.prefix { $0 == " " }.count
            } else if let lines = current, line.trimmingCharacters(in: .whitespaces) == "```" {
                blocks.append(lines.joined(separator: "\n") + "\n")
                current = nil
            } else {
                current?.append(line.prefix(indent).allSatisfy { $0 == " " } ? line.dropFirst(indent) : line)
            }
        }
        return blocks
    }
}
