/// Reads provider settings from a config mapping, resolving `${env.NAME}` and remembering secrets.
///
/// Providers use it to read their own keys, so every target reports wrong types, unknown keys and
/// unset environment variables the same way.
public final class ConfigValues {
    public let reader: NodeReader
    public let environment: [String: String]
    /// Values that must never be printed: credentials, and anything taken from the environment.
    public private(set) var secrets: Set<String> = []

    /// Values taken from the environment are secrets from this length on; shorter ones (`1`, `true`,
    /// `eu`) would blank out ordinary text. Values under credential keys count from 4 characters.
    public static let minimumEnvironmentSecretLength = 6

    /// Setting names whose values are credentials even when written literally.
    public static let secretKeys: Set<String> = [
        "api_key", "password", "token", "secret", "client_secret", "api_key_id",
    ]

    /// Names whose values are credentials: headers, fields and variables holding keys, tokens,
    /// passwords — in configuration, in what a provider extracts, and in a flow's variables.
    public static func isSecretName(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return [
            "password", "passwd", "secret", "token", "api_key", "api-key", "apikey", "authorization", "credential",
            "cookie",
        ]
        .contains { lowered.contains($0) }
    }

    public init(reader: NodeReader, environment: [String: String]) {
        self.reader = reader
        self.environment = environment
    }

    public var sink: DiagnosticSink { reader.sink }

    /// Marks a value as a secret (for values a provider takes from the environment itself).
    public func noteSecret(_ value: String) {
        if value.count >= 4 { secrets.insert(value) }
    }

    /// Opens a target's mapping, reporting keys outside `keys`.
    public func mapping(_ settings: NamedSettings, keys: [String]) -> MappingReader? {
        reader.mapping(settings.node, for: "target `\(settings.name)`", keys: keys)
    }

    /// A string setting with `${env.NAME}` resolved; `secret` also marks literal values as secrets.
    public func string(_ map: MappingReader, _ key: String, required: Bool = false, secret: Bool? = nil) -> String? {
        guard let node = required ? map.require(key) : map[key] else { return nil }
        return resolve(node, for: key, secret: secret ?? Self.secretKeys.contains(key))
    }

    /// Resolves `${env.NAME}` (and `$$`) in one scalar.
    public func resolve(_ node: YAMLNode, for key: String, secret: Bool = false) -> String? {
        guard let text = reader.string(node, for: key) else { return nil }
        guard let template = Template.parse(text, at: node.location, columnOffset: nil, sink: reader.sink) else {
            return nil
        }
        var ok = true
        var fromEnvironment = false
        for (reference, location) in template.references {
            switch reference {
            case .env(let name):
                fromEnvironment = true
                if environment[name] == nil {
                    reader.error(
                        "environment variable `\(name)` is not set (for `\(key)`; set it or add it to .env)",
                        at: location)
                    ok = false
                }
            default:
                reader.error("only `${env.NAME}` can be used in parley.yaml, not \(reference)", at: location)
                ok = false
            }
        }
        guard ok, let value = try? template.render(VariableScope(persona: nil, scenario: nil, environment: environment))
        else { return nil }
        if (secret && value.count >= 4) || (fromEnvironment && value.count >= Self.minimumEnvironmentSecretLength) {
            secrets.insert(value)
        }
        return value
    }

    public func int(_ map: MappingReader, _ key: String, in range: ClosedRange<Int>? = nil) -> Int? {
        guard let node = map[key], let text = resolve(node, for: key) else { return nil }
        guard let value = Int(text), range.map({ $0.contains(value) }) ?? true else {
            reader.error(
                "`\(key)` must be a whole "
                    + "number\(range.map { " between \($0.lowerBound) and \($0.upperBound)" } ?? ""), not `\(text)`",
                at: node.location)
            return nil
        }
        return value
    }

    public func bool(_ map: MappingReader, _ key: String) -> Bool? { map.bool(key) }
    public func duration(_ map: MappingReader, _ key: String) -> Duration? { map.duration(key) }

    /// A mapping of strings (headers, metadata) with `${env.NAME}` resolved in values.
    public func stringMap(_ map: MappingReader, _ key: String, secretValues: Bool = false) -> [(String, String)]? {
        guard let node = map[key] else { return nil }
        guard let pairs = node.mapping else {
            reader.mismatch(node, for: key, expected: "a mapping of names to values")
            return nil
        }
        var result: [(String, String)] = []
        for pair in pairs {
            guard let name = pair.key.string,
                let value = resolve(pair.value, for: "\(key).\(name)", secret: secretValues)
            else { continue }
            result.append((name, value))
        }
        return result
    }
}
