import Foundation

/// The flows found under some paths, and every problem found in them.
public struct FlowLoadResult: Sendable {
    public var flows: [Flow]
    public var diagnostics: [Diagnostic]

    public var hasErrors: Bool { diagnostics.hasErrors }
}

/// Loads flow files (or folders of them) into validated ``Flow`` values with located diagnostics.
///
/// Folders are searched recursively for `.yaml`/`.yml` files; names starting with `_` or `.` are
/// skipped, which is where shared step files and persona files live (`flows/_personas/dana.yaml`).
/// A file named explicitly is always read as a flow.
public struct FlowLoader: Sendable {
    /// Values for `${env.NAME}`.
    public var environment: [String: String]
    public var limits: YAMLLimits

    public init(environment: [String: String], limits: YAMLLimits = .default) {
        self.environment = environment
        self.limits = limits
    }

    /// Loads every flow under `paths`; the result holds the flows that are valid and all diagnostics.
    public func load(paths: [String]) -> FlowLoadResult {
        let session = FlowLoadSession(environment: environment, limits: limits)
        return session.load(paths: paths)
    }

    /// Loads one flow from text (for tests and tools); `file` names it in diagnostics.
    public func load(text: String, file: String) -> FlowLoadResult {
        let session = FlowLoadSession(environment: environment, limits: limits)
        let flow = session.loadFlow(text: Array(text.utf8), file: file)
        return FlowLoadResult(flows: flow.map { [$0] } ?? [], diagnostics: session.sink.sorted)
    }

    /// The flow files a set of paths names, in a stable order.
    public static func flowFiles(in paths: [String]) -> (files: [String], missing: [String]) {
        var files: [String] = []
        var missing: [String] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                missing.append(path)
                continue
            }
            if !isDirectory.boolValue {
                files.append(path)
                continue
            }
            var found: [String] = []
            collect(directory: path, into: &found)
            files += found.sorted()
        }
        var seen = Set<String>()
        return (files.filter { seen.insert($0).inserted }, missing)
    }

    private static func collect(directory: String, into files: inout [String]) {
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: directory) else { return }
        for entry in entries where !entry.hasPrefix("_") && !entry.hasPrefix(".") {
            let path = directory.hasSuffix("/") ? directory + entry : directory + "/" + entry
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                collect(directory: path, into: &files)
            } else if (entry.hasSuffix(".yaml") || entry.hasSuffix(".yml")) && entry != "parley.yaml"
                && entry != "parley.yml"
            {
                files.append(path)
            }
        }
    }
}

/// The mutable state of one load: the diagnostics, and caches of included and persona files.
final class FlowLoadSession {
    let sink = DiagnosticSink()
    let environment: [String: String]
    let limits: YAMLLimits
    var reader: NodeReader { NodeReader(sink: sink) }
    /// Parsed step files by path, so a file included by many flows is read once.
    var includeCache: [String: [Step]?] = [:]
    /// Parsed persona files by path.
    var personaCache: [String: Persona?] = [:]
    /// Read tables (`cases:`, persona and scenario tables) by path.
    var tableCache: [String: DelimitedTable?] = [:]
    /// The flow being loaded names `cases:` that could not be read.
    var casesUnreadable = false

    static let flowKeys = [
        "flow", "description", "tags", "persona", "personas", "scenario", "scenarios", "cases", "turn_timeout",
        "timeout", "target", "simulator", "replies", "steps", "judge", "public_env", "min_pass_rate",
    ]

    init(environment: [String: String], limits: YAMLLimits) {
        self.environment = environment
        self.limits = limits
    }

    func load(paths: [String]) -> FlowLoadResult {
        let (files, missing) = FlowLoader.flowFiles(in: paths)
        for path in missing {
            sink.error("no such file or folder", at: SourceLocation(file: path, line: 1, column: 1))
        }
        var flows: [Flow] = []
        var names: [String: SourceLocation] = [:]
        for file in files {
            guard let bytes = readFile(file, at: nil), let flow = loadFlow(text: bytes, file: file) else { continue }
            if let first = names[flow.name] {
                sink.error("flow name `\(flow.name)` is already used by \(first.file):\(first.line)", at: flow.location)
                continue
            }
            names[flow.name] = flow.location
            flows.append(flow)
        }
        return FlowLoadResult(flows: flows, diagnostics: sink.sorted)
    }

    /// Reads a file's bytes, reporting a located error (at `location`, or the file itself) when it cannot.
    func readFile(_ path: String, at location: SourceLocation?) -> [UInt8]? {
        let at = location ?? SourceLocation(file: path, line: 1, column: 1)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            sink.error(location == nil ? "no such file" : "no such file: \(path)", at: at)
            return nil
        }
        if isDirectory.boolValue {
            sink.error("\(path) is a folder, not a file", at: at)
            return nil
        }
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? Int, size > limits.maxBytes
        {
            sink.error("\(path) is \(size) bytes; the limit is \(limits.maxBytes) bytes", at: at)
            return nil
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            sink.error("cannot read \(path)", at: at)
            return nil
        }
        return [UInt8](data)
    }

    /// Parses YAML, registering the text for source excerpts; `nil` (with a diagnostic) on syntax errors.
    func parseYAML(_ bytes: [UInt8], file: String) -> YAMLNode?? {
        sink.register(file: file, text: String(decoding: bytes, as: UTF8.self))
        do {
            return .some(try YAMLParser.parse(bytes: bytes, file: file, limits: limits))
        } catch {
            sink.add(error)
            return nil
        }
    }

    func loadFlow(text bytes: [UInt8], file: String) -> Flow? {
        guard let parsed = parseYAML(bytes, file: file) else { return nil }
        let errorsBefore = sink.diagnostics.filter { $0.severity == .error }.count
        let fileStart = SourceLocation(file: file, line: 1, column: 1)
        guard let root = parsed else {
            sink.error("the file is empty; a flow needs at least `steps:`", at: fileStart)
            return nil
        }
        guard root.mapping != nil else {
            sink.error("a flow file must be a mapping with `steps:`, not \(root.kindDescription)", at: root.location)
            return nil
        }
        guard let map = reader.mapping(root, for: "a flow", keys: Self.flowKeys) else { return nil }

        var name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        if let n = map.nonEmptyString("flow") { name = n }
        let description = map.string("description")
        let tags = map.stringList("tags") ?? []

        var personas: [Persona] = []
        if let node = map["persona"] {
            if map.has("personas") {
                sink.error(
                    "use either `persona` or `personas`, not both", at: map.keyLocation("personas") ?? node.location)
            }
            if let persona = self.persona(node, relativeTo: file) { personas = [persona] }
        } else if let node = map["personas"] {
            personas = personaList(node, relativeTo: file)
        }
        var scenarios: [Scenario] = []
        if let node = map["scenario"] {
            if map.has("scenarios") {
                sink.error(
                    "use either `scenario` or `scenarios`, not both", at: map.keyLocation("scenarios") ?? node.location)
            }
            if let scenario = self.scenario(node, relativeTo: file) { scenarios = [scenario] }
        } else if let node = map["scenarios"] {
            scenarios = scenarioList(node, relativeTo: file)
        }
        let turnTimeout = positiveDuration(map, "turn_timeout") ?? Flow.defaultTurnTimeout
        let timeout = positiveDuration(map, "timeout")
        let target = map.nonEmptyString("target")
        let simulator = map["simulator"].flatMap { simulatorChoice($0) }

        var steps: [Step] = []
        if let node = map.require("steps") {
            steps = stepList(node, file: file, includeStack: [file])
            if node.sequence?.isEmpty == true {
                sink.error("a flow needs at least one step", at: node.location)
            }
        }

        var flow = Flow(
            name: name, description: description, tags: tags, file: file, location: root.location,
            personas: personas, turnTimeout: turnTimeout, timeout: timeout,
            target: target, simulator: simulator, steps: steps)
        flow.scenarios = scenarios
        flow.scenarioMatrix = map.has("scenarios")
        if let node = map["cases"] {
            flow.cases = caseTable(node, relativeTo: file, at: map.keyLocation("cases") ?? node.location)
        }
        // A table that could not be read has said so; its columns are not checked again.
        casesUnreadable = map.has("cases") && flow.cases == nil
        if let location = map.keyLocation("flow") { flow.location = location }
        if let node = map["replies"], let replies = scriptedReplies(node) { flow.replies = replies }
        if let node = map["public_env"], let names = reader.stringList(node, for: "public_env") {
            flow.publicEnvironment = Set(names)
            checkPublicEnvironment(flow, node: node)
        }
        flow.minPassRate = map.double("min_pass_rate", in: 0...1)
        if let node = map["judge"] {
            flow.judge = judgeSpec(node, at: map.keyLocation("judge") ?? node.location)
        }
        checkStepOrder(flow)
        checkTagCount(flow)
        checkVariables(flow)
        let errorsAfter = sink.diagnostics.filter { $0.severity == .error }.count
        return errorsAfter == errorsBefore ? flow : nil
    }

    private func positiveDuration(_ map: MappingReader, _ key: String) -> Duration? {
        guard let node = map[key], let d = reader.duration(node, for: key) else { return nil }
        if d <= .zero {
            sink.error("`\(key)` must be longer than zero", at: node.location)
            return nil
        }
        return d
    }

    /// Paths in flows are relative to the file that names them.
    func resolve(_ path: String, relativeTo file: String) -> String {
        if path.hasPrefix("/") { return path }
        let dir = (file as NSString).deletingLastPathComponent
        let joined = dir.isEmpty ? path : dir + "/" + path
        return (joined as NSString).standardizingPath
    }

    /// A conversation holds at most 20 tags: count what the flow's `tag` steps leave set.
    private func checkTagCount(_ flow: Flow) {
        var keys = Set<String>()
        for step in flow.steps {
            guard case .tag(let change) = step.action else { continue }
            keys.formUnion(change.set.map(\.key))
            keys.subtract(change.remove)
            if keys.count > ConversationTags.maxTags {
                sink.error(
                    "after this step the conversation would hold \(keys.count) tags; the limit is "
                        + "\(ConversationTags.maxTags)",
                    at: step.location)
                return
            }
        }
    }

    /// A name under `public_env:` that no `${env.…}` of the flow uses is most likely misspelt.
    private func checkPublicEnvironment(_ flow: Flow, node: YAMLNode) {
        var used: Set<String> = []
        for template in flow.templates {
            for case (.env(let name), _) in template.references { used.insert(name) }
        }
        for item in node.sequence ?? [node] {
            guard let name = item.string, !used.contains(name) else { continue }
            sink.warning(
                "`public_env` lists `\(name)`, but the flow uses no `${env.\(name)}`"
                    + Suggestion.hint(for: name, in: used),
                at: item.location)
        }
    }

    /// Steps that talk to the agent after an `end` can never run; judges and assertions on the
    /// agent's actions look back at the conversation, so they may follow it.
    private func checkStepOrder(_ flow: Flow) {
        guard let endIndex = flow.steps.firstIndex(where: { $0.kind == .end }) else { return }
        if let late = flow.steps[(endIndex + 1)...].first(where: { $0.kind != .judge && !$0.action.assertsActions }) {
            sink.error("this step comes after `end` and would never run", at: late.location)
        }
    }
}
