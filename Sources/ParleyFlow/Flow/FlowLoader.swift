import Foundation
import Synchronization

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

    /// Loads every flow under `paths` one file at a time, handing each valid flow to `body` and
    /// keeping none, so memory does not grow with the suite; returns every diagnostic.
    ///
    /// `body` is called in file order and never twice at once, but not always on the calling
    /// thread: a thread that reads files hands some of them on. Every call ends before this returns.
    public func load(paths: [String], each body: (Flow) -> Void) -> [Diagnostic] {
        let session = FlowLoadSession(environment: environment, limits: limits)
        return session.load(paths: paths, each: body)
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
        // readdir's entry types spare a stat per file; links and unknown types are looked up.
        guard let dir = opendir(directory) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard !name.hasPrefix("_"), !name.hasPrefix(".") else { continue }
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var isDirectory: Bool
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_DIR): isDirectory = true
            case Int32(DT_REG): isDirectory = false
            default:
                var info = stat()
                guard stat(path, &info) == 0 else { continue }
                isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
            }
            if isDirectory {
                collect(directory: path, into: &files)
            } else if (name.hasSuffix(".yaml") || name.hasSuffix(".yml")) && name != "parley.yaml"
                && name != "parley.yml"
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
    /// Standardized paths of included and persona files, by the path as joined to its folder.
    var resolvedPaths: [String: String] = [:]

    static let flowKeys = [
        "flow", "description", "tags", "persona", "personas", "scenario", "scenarios", "cases", "turn_timeout",
        "timeout", "target", "simulator", "replies", "steps", "judge", "public_env", "min_pass_rate",
    ]

    init(environment: [String: String], limits: YAMLLimits) {
        self.environment = environment
        self.limits = limits
    }

    func load(paths: [String]) -> FlowLoadResult {
        var flows: [Flow] = []
        let diagnostics = load(paths: paths) { flows.append($0) }
        return FlowLoadResult(flows: flows, diagnostics: diagnostics)
    }

    /// Files per worker and batch: enough to keep the workers busy, few enough that a batch of
    /// loaded flows waiting for the caller stays small.
    static let filesPerWorker = 32

    /// Loads the flow files under `paths`, handing valid flows to `body` in file order.
    ///
    /// Large suites are read by one session per core, a batch of files at a time; each session
    /// keeps its own diagnostics and caches. `body` runs on one thread at a time, in file order, so a
    /// duplicate flow name is reported at the same file as with one reader. While a batch is read,
    /// the first worker free hands the batch before it to `body`, so the other cores are not left
    /// waiting while it runs.
    func load(paths: [String], each body: (Flow) -> Void) -> [Diagnostic] {
        withoutActuallyEscaping(body) { body in load(paths: paths, handOff: HandOff(body: body)) }
    }

    private func load(paths: [String], handOff: HandOff) -> [Diagnostic] {
        let (files, missing) = FlowLoader.flowFiles(in: paths)
        for path in missing {
            sink.error("no such file or folder", at: SourceLocation(file: path, line: 1, column: 1))
        }
        let cores = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let workers = files.count >= 2 * Self.filesPerWorker ? cores : 1
        let sessions = [self] + (1..<workers).map { _ in FlowLoadSession(environment: environment, limits: limits) }
        let batchSize = workers * Self.filesPerWorker
        let capacity = min(batchSize, max(files.count, 1))
        // Two batches' slots: the one being read and the one being handed on.
        let slots = UnsafeMutableBufferPointer<LoadedFile>.allocate(capacity: 2 * capacity)
        defer { slots.deallocate() }
        var pending: UnsafeMutableBufferPointer<LoadedFile>? = nil
        var start = 0
        var parity = 0
        while start < files.count {
            let batch = files[start..<min(start + batchSize, files.count)]
            let base = batch.startIndex
            let loaded = UnsafeMutableBufferPointer(
                rebasing: slots[(parity * capacity)..<(parity * capacity + batch.count)])
            if workers == 1 {
                for index in batch.indices {
                    (loaded.baseAddress! + index - base).initialize(to: loadFile(files[index]))
                }
                handOff.take(loaded)
            } else {
                // Each worker takes the batch's next unread file, with its own session, until none
                // is left, and writes only the slots of the files it took: a worker whose files were
                // quick is not left waiting for the other's. The worker that comes first hands the
                // previous batch on before it reads.
                let shared = WorkerShare(sessions: sessions, slots: loaded)
                let previous = PendingBatch(slots: pending, handOff: handOff)
                let count = loaded.count
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    if shared.handsOn.exchange(false, ordering: .acquiringAndReleasing) { previous.run() }
                    while case let offset = shared.next.add(1, ordering: .relaxed).oldValue, offset < count {
                        shared.store(shared.sessions[worker].loadFile(files[base + offset]), at: offset)
                    }
                }
                pending = loaded
            }
            parity = 1 - parity
            start = batch.endIndex
        }
        if let pending { handOff.take(pending) }
        return DiagnosticSink.sorted(sessions.flatMap(\.sink.diagnostics) + handOff.diagnostics)
    }

    /// Hands loaded flows to the caller's `body` in file order, refusing a flow name already used.
    /// One thread at a time uses it: the caller, or the one worker that hands a batch on.
    private final class HandOff {
        let body: (Flow) -> Void
        var names: [String: SourceLocation] = [:]
        var diagnostics: [Diagnostic] = []

        init(body: @escaping (Flow) -> Void) {
            self.body = body
        }

        /// Moves every file out of `loaded`, leaving its slots uninitialized.
        func take(_ loaded: UnsafeMutableBufferPointer<LoadedFile>) {
            for offset in loaded.indices {
                let result = (loaded.baseAddress! + offset).move()
                guard let flow = result.flow else { continue }
                if let first = names[flow.name] {
                    diagnostics.append(
                        Diagnostic(
                            .error, at: flow.location,
                            "flow name `\(flow.name)` is already used by \(first.file):\(first.line)",
                            sourceLine: result.nameLine))
                    continue
                }
                names[flow.name] = flow.location
                body(flow)
            }
        }
    }

    /// The batch read before the one being read, for the worker that comes first to hand on. Only
    /// that worker runs it, and the caller waits for every worker to finish before it goes on.
    private struct PendingBatch: @unchecked Sendable {
        let slots: UnsafeMutableBufferPointer<LoadedFile>?
        let handOff: HandOff

        func run() {
            if let slots { handOff.take(slots) }
        }
    }

    /// What the workers of a batch share. Worker `i` uses only `sessions[i]` and the slots of the
    /// files it takes, and the caller reads the slots only after every worker has finished.
    private final class WorkerShare: @unchecked Sendable {
        let sessions: [FlowLoadSession]
        let slots: UnsafeMutableBufferPointer<LoadedFile>
        /// The offset in the batch of the next file to read.
        let next = Atomic<Int>(0)
        /// Whether the previous batch is still to be handed on.
        let handsOn = Atomic<Bool>(true)

        init(sessions: [FlowLoadSession], slots: UnsafeMutableBufferPointer<LoadedFile>) {
            self.sessions = sessions
            self.slots = slots
        }

        func store(_ file: LoadedFile, at slot: Int) {
            (slots.baseAddress! + slot).initialize(to: file)
        }
    }

    /// One flow file read and checked; the line its name is on, should the name turn out to be taken.
    struct LoadedFile {
        var flow: Flow?
        var nameLine: String?
    }

    func loadFile(_ file: String) -> LoadedFile {
        // Nothing more is reported about the file once it is read: its text can go.
        defer { sink.forget(file: file) }
        guard let bytes = readFile(file, at: nil), let flow = loadFlow(text: bytes, file: file) else {
            return LoadedFile()
        }
        return LoadedFile(flow: flow, nameLine: sink.lineText(file: flow.location.file, line: flow.location.line))
    }

    /// Reads a file's bytes, reporting a located error (at `location`, or the file itself) when it cannot.
    ///
    /// One `open`, `fstat` and `read` per file: large suites read thousands of files.
    func readFile(_ path: String, at location: SourceLocation?) -> [UInt8]? {
        let at = location ?? SourceLocation(file: path, line: 1, column: 1)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ENOTDIR {
                sink.error(location == nil ? "no such file" : "no such file: \(path)", at: at)
            } else {
                sink.error("cannot read \(path)", at: at)
            }
            return nil
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            sink.error("cannot read \(path)", at: at)
            return nil
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            sink.error("\(path) is a folder, not a file", at: at)
            return nil
        }
        let size = Int(info.st_size)
        if size > limits.maxBytes {
            sink.error("\(path) is \(size) bytes; the limit is \(limits.maxBytes) bytes", at: at)
            return nil
        }
        // Read to the end: the size is a hint (a file may change, or be a pipe), the limit is not.
        var bytes = [UInt8](repeating: 0, count: size + 1)
        var count = 0
        while true {
            if count == bytes.count {
                guard count <= limits.maxBytes else {
                    sink.error("\(path) is over \(limits.maxBytes) bytes; that is the limit", at: at)
                    return nil
                }
                bytes.append(contentsOf: repeatElement(0, count: max(4096, count)))
            }
            let n = bytes.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress! + count, buffer.count - count)
            }
            if n < 0 {
                if errno == EINTR { continue }
                sink.error("cannot read \(path)", at: at)
                return nil
            }
            if n == 0 { break }
            count += n
            // A regular file that gave less than was asked for is at its end: no second read to see it.
            if (info.st_mode & S_IFMT) == S_IFREG, count < bytes.count { break }
        }
        if count > limits.maxBytes {
            sink.error("\(path) is \(count) bytes; the limit is \(limits.maxBytes) bytes", at: at)
            return nil
        }
        bytes.removeSubrange(count...)
        return bytes
    }

    /// Parses YAML, registering the text for source excerpts; `nil` (with a diagnostic) on syntax errors.
    func parseYAML(_ bytes: [UInt8], file: String) -> YAMLNode?? {
        sink.register(file: file, bytes: bytes)
        do {
            return .some(try YAMLParser.parse(bytes: bytes, file: file, limits: limits))
        } catch {
            sink.add(error)
            return nil
        }
    }

    func loadFlow(text bytes: [UInt8], file: String) -> Flow? {
        guard let parsed = parseYAML(bytes, file: file) else { return nil }
        let errorsBefore = sink.errorCount
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

        let name = map.nonEmptyString("flow") ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
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
        let errorsAfter = sink.errorCount
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
        // The file's folder: what comes before its last `/` (flow files are never folders).
        let joined: String
        if let slash = file.utf8.lastIndex(of: UInt8(ascii: "/")) {
            joined = String(file[..<slash]) + "/" + path
        } else {
            joined = path
        }
        // Standardizing looks at the file system; many flows of a folder name the same shared files.
        if let known = resolvedPaths[joined] { return known }
        let resolved = (joined as NSString).standardizingPath
        resolvedPaths[joined] = resolved
        return resolved
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
        flow.forEachTemplate { template in
            for case .variable(.env(let name), _) in template.segments { used.insert(name) }
        }
        for item in node.asList {
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
