import Foundation

/// Reads `parley.yaml` into a ``ProjectConfig`` with located diagnostics.
public enum ConfigLoader {
    public static let fileNames = ["parley.yaml", "parley.yml"]
    static let keys = [
        "default_target", "targets", "simulator", "simulators", "judges", "default_judge", "concurrency", "rate_limits",
        "coverage", "generators", "pricing", "budget", "history",
    ]

    /// `parley.yaml` in `directory`, if there is one.
    public static func find(in directory: String) -> String? {
        for name in fileNames {
            let path = directory == "." ? name : (directory as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }

    /// Loads and checks the common part of a config; provider-specific settings are checked by providers.
    public static func load(path: String, sink: DiagnosticSink) -> ProjectConfig? {
        let start = SourceLocation(file: path, line: 1, column: 1)
        guard let data = FileManager.default.contents(atPath: path) else {
            sink.error("cannot read the configuration file", at: start)
            return nil
        }
        return load(bytes: [UInt8](data), file: path, sink: sink)
    }

    public static func load(bytes: [UInt8], file: String, sink: DiagnosticSink) -> ProjectConfig? {
        sink.register(file: file, text: String(decoding: bytes, as: UTF8.self))
        let reader = NodeReader(sink: sink)
        let root: YAMLNode
        do {
            guard let parsed = try YAMLParser.parse(bytes: bytes, file: file) else {
                return ProjectConfig(file: file)
            }
            root = parsed
        } catch {
            sink.add(error)
            return nil
        }
        let before = sink.diagnostics.count
        guard let map = reader.mapping(root, for: "parley.yaml", keys: keys) else { return nil }
        var config = ProjectConfig(file: file)
        config.defaultTarget = map.nonEmptyString("default_target")
        config.concurrency = map.int("concurrency", in: 1...100_000)
        config.rateLimits = map["rate_limits"]
        if let node = map["targets"] {
            config.targets = namedEntries(node, what: "targets", kindKey: "provider", defaultKind: nil, reader: reader)
        }
        if let node = map["simulators"] {
            config.simulators = modelEntries(
                node, what: "simulators", one: "simulator", sandbox: "the built-in sandbox's", reader: reader)
        }
        if let node = map["judges"] {
            config.judges = modelEntries(
                node, what: "judges", one: "judge", sandbox: "the built-in sandbox's rule-based model", reader: reader)
        }
        if let node = map["coverage"] { config.coverage = coverage(node, file: file, reader: reader) }
        if let node = map["generators"] {
            config.generators = modelEntries(
                node, what: "generators", one: "generator", sandbox: "the built-in sandbox's generation model",
                reader: reader)
        }
        if let node = map["default_judge"], let name = reader.nonEmptyString(node, for: "default_judge") {
            config.defaultJudge = name
            if name != ProjectConfig.builtInJudge, config.judgeSettings(named: name) == nil {
                let known = config.judges.map(\.name) + [ProjectConfig.builtInJudge]
                sink.error(
                    "`default_judge` names `\(name)`, which is not under `judges:`"
                        + Suggestion.hint(for: name, in: known),
                    at: node.location)
            }
        }
        if let node = map["simulator"] {
            var valueNode = node
            if node.mapping != nil, let m = reader.mapping(node, for: "`simulator`", keys: ["from"]),
                let from = m.require("from")
            {
                valueNode = from
            }
            if let name = reader.nonEmptyString(valueNode, for: "simulator") {
                config.simulator = SimulatorChoice(name: name)
                check(config.simulator, config: config, at: valueNode.location, sink: sink)
            }
        }
        if let node = map["pricing"] { config.pricing = pricing(node, reader: reader) }
        if let node = map["budget"], let m = reader.mapping(node, for: "`budget`", keys: ["max_tokens", "max_cost"]) {
            config.budget = Budget(
                maxTokens: m.int("max_tokens", in: 1...Int.max), maxCost: m.double("max_cost", in: 0...1e15))
        }
        if let node = map["history"] {
            config.history = history(node, reader: reader)
        }
        if let name = config.defaultTarget, config.target(named: name) == nil,
            let location = map["default_target"]?.location
        {
            sink.error(
                "`default_target` names `\(name)`, which is not under "
                    + "`targets:`\(Suggestion.hint(for: name, in: config.targets.map(\.name)))",
                at: location)
        }
        return sink.diagnostics.count == before ? config : nil
    }

    /// `coverage: { states: [...], tools: [...], intents: [...] }`: names, each once.
    private static func coverage(_ node: YAMLNode, file: String, reader: NodeReader) -> CoverageInventory? {
        guard let map = reader.mapping(node, for: "`coverage`", keys: CoverageInventory.keys) else { return nil }
        var inventory = CoverageInventory(source: file)
        var ok = true
        for key in CoverageInventory.keys {
            guard let list = map[key] else { continue }
            guard let items = list.sequence else {
                reader.mismatch(list, for: "coverage.\(key)", expected: "a list of names")
                ok = false
                continue
            }
            var names: [String] = []
            for item in items {
                guard let name = reader.nonEmptyString(item, for: "a name in coverage.\(key)") else {
                    ok = false
                    continue
                }
                if names.contains(name) {
                    reader.error("`\(name)` is listed twice in coverage.\(key)", at: item.location)
                    ok = false
                    continue
                }
                names.append(name)
            }
            switch key {
            case "states": inventory.states = names
            case "tools": inventory.tools = names
            default: inventory.intents = names
            }
        }
        return ok ? inventory : nil
    }

    /// Reports a simulator name that is neither `target`, `script`, a simulator nor a target.
    public static func check(
        _ choice: SimulatorChoice, config: ProjectConfig, at location: SourceLocation, sink: DiagnosticSink
    ) {
        guard case .named(let name) = choice else { return }
        if config.simulatorSettings(named: name) == nil, config.target(named: name) == nil {
            let known = ["target", "script"] + config.simulators.map(\.name) + config.targets.map(\.name)
            sink.error(
                "unknown simulator `\(name)`: use `target`, `script`, a name under `simulators:` or a target "
                    + "name\(Suggestion.hint(for: name, in: known))",
                at: location)
        }
    }

    /// `pricing: {model: {input: 2.5, output: 10}}`, prices per million tokens.
    private static func pricing(_ node: YAMLNode, reader: NodeReader) -> Pricing {
        guard let pairs = node.mapping else {
            reader.mismatch(node, for: "pricing", expected: "a mapping of model names to {input, output}")
            return Pricing()
        }
        var pricing = Pricing()
        for pair in pairs {
            guard let model = pair.key.string,
                let m = reader.mapping(pair.value, for: "pricing.\(model)", keys: ["input", "output"]),
                let input = m.require("input").flatMap({ reader.double($0, for: "input", in: 0...1e9) }),
                let output = m.require("output").flatMap({ reader.double($0, for: "output", in: 0...1e9) })
            else { continue }
            pricing.models[model] = Pricing.Price(inputPerMillion: input, outputPerMillion: output)
        }
        return pricing
    }

    /// `history: {url: …, enabled: false}`; the URL may hold `${env.…}` (a password), resolved later.
    private static func history(_ node: YAMLNode, reader: NodeReader) -> HistorySettings {
        guard let m = reader.mapping(node, for: "`history`", keys: ["url", "enabled"]) else { return HistorySettings() }
        var settings = HistorySettings(enabled: m.bool("enabled") ?? true)
        if let urlNode = m["url"], reader.nonEmptyString(urlNode, for: "url") != nil { settings.urlNode = urlNode }
        return settings
    }

    /// Entries naming models (`simulators:`, `judges:`): OpenAI-compatible endpoints by default, or
    /// the built-in sandbox's model.
    private static func modelEntries(
        _ node: YAMLNode, what: String, one: String, sandbox: String, reader: NodeReader
    ) -> [NamedSettings] {
        let entries = namedEntries(node, what: what, kindKey: "provider", defaultKind: "openai", reader: reader)
        for entry in entries where entry.kind != "openai" && entry.kind != "sandbox" {
            reader.error(
                "\(one) `\(entry.name)` has provider `\(entry.kind)`; \(what) are OpenAI-compatible endpoints "
                    + "(`provider: openai`) or \(sandbox) (`provider: sandbox`)",
                at: entry.location)
        }
        return entries
    }

    private static func namedEntries(
        _ node: YAMLNode, what: String, kindKey: String, defaultKind: String?, reader: NodeReader
    ) -> [NamedSettings] {
        guard let pairs = node.mapping else {
            reader.mismatch(node, for: what, expected: "a mapping of names to settings")
            return []
        }
        var result: [NamedSettings] = []
        for pair in pairs {
            guard let name = pair.key.string else { continue }
            guard pair.value.mapping != nil else {
                reader.mismatch(pair.value, for: "\(what).\(name)", expected: "a mapping with `\(kindKey):`")
                continue
            }
            var kind = defaultKind
            if let kindNode = pair.value[kindKey] {
                kind = reader.nonEmptyString(kindNode, for: kindKey)
            } else if defaultKind == nil {
                reader.error(
                    "target `\(name)` is missing `\(kindKey):` (amigo, amelia, agenthuman, http, openai, sandbox or "
                        + "local)",
                    at: pair.key.location)
            }
            if let kind {
                result.append(NamedSettings(name: name, kind: kind, node: pair.value, location: pair.key.location))
            }
        }
        return result
    }
}
