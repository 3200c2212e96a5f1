import ParleyFlow
import ParleyJSON
import ParleyRun

/// An OpenAI-compatible chat-completions endpoint as configured in parley.yaml (a `simulators:`
/// entry or a `provider: openai` target).
///
/// Keys: `base_url` (default https://api.openai.com/v1; the path `/chat/completions` is appended),
/// `model` (required), `api_key` (default: the environment variable named by `api_key_env`, else
/// OPENAI_API_KEY), `temperature`, `max_tokens`, `stream` (default true), `stream_usage` (default true: ask a
/// streamed answer to report its tokens), `headers`, `insecure`,
/// `connect_timeout`, `system_prompt`, for simulators `candidates` (how many choices to ask for,
/// default 3; the system prompt is put before the persona and scenario), and for targets
/// `greeting` (the agent's opening words, which let flows start agent-first; see ``OpenAIProvider``).
public struct OpenAISettings: Sendable {
    public var name: String
    public var baseURL: String
    public var apiKey: String?
    public var model: String
    public var temperature: Double?
    public var maxTokens: Int?
    public var stream: Bool
    /// Ask a streamed answer to report its tokens (`stream_options.include_usage`); off for servers
    /// that refuse the option.
    public var streamUsage: Bool
    public var headers: [(String, String)]
    public var verifyTLS: Bool
    public var connectTimeout: Duration
    public var candidates: Int
    public var systemPrompt: String?
    public var greeting: String?
    /// The largest reply accepted.
    public var replyLimit: ReplyLimit
    /// Sent with every request when set; judges default to 0 so verdicts repeat.
    public var seed: Int?
    /// How long one request may take (judges; default 60s).
    public var timeout: Duration?

    public static let keys = [
        "provider", "base_url", "model", "api_key", "api_key_env", "temperature", "max_tokens", "stream",
        "stream_usage", "headers", "insecure", "connect_timeout", "candidates", "system_prompt",
        ReplyLimit.settingKey,
    ]
    /// A target's keys: no `candidates` (it answers as the agent), and its `greeting`.
    public static let targetKeys = keys.filter { $0 != "candidates" } + ["greeting"]
    /// A judge's keys: it answers in a structured format, never streamed, pinned by `seed`.
    public static let judgeKeys = [
        "provider", "base_url", "model", "api_key", "api_key_env", "temperature", "seed", "max_tokens", "headers",
        "insecure", "connect_timeout", "timeout",
    ]

    public init?(_ entry: NamedSettings, values: ConfigValues, what: String, keys: [String] = Self.keys) {
        guard let map = values.reader.mapping(entry.node, for: "\(what) `\(entry.name)`", keys: keys) else {
            return nil
        }
        name = entry.name
        let base = values.string(map, "base_url") ?? "https://api.openai.com/v1"
        baseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
        guard let model = map.require("model").flatMap({ values.resolve($0, for: "model") }) else { return nil }
        self.model = model
        if map.has("api_key") {
            apiKey = values.string(map, "api_key", secret: true)
        } else {
            let variable = map.string("api_key_env") ?? "OPENAI_API_KEY"
            apiKey = values.environment[variable]
            if let apiKey { values.noteSecret(apiKey) }
            if apiKey == nil, map.has("api_key_env"), let node = map["api_key_env"] {
                values.sink.error(
                    "environment variable `\(variable)` (named by `api_key_env`) is not set", at: node.location)
                return nil
            }
        }
        temperature = map.double("temperature", in: 0...2)
        maxTokens = map.int("max_tokens", in: 1...1_000_000)
        stream = map.bool("stream") ?? true
        streamUsage = map.bool("stream_usage") ?? true
        headers = values.stringMap(map, "headers", secretValues: true) ?? []
        verifyTLS = !(map.bool("insecure") ?? false)
        connectTimeout = map.duration("connect_timeout") ?? .seconds(10)
        candidates = map.int("candidates", in: 1...8) ?? 3
        systemPrompt = map.string("system_prompt")
        greeting = map.nonEmptyString("greeting")
        seed = map.int("seed", in: 0...Int(Int32.max))
        timeout = map.duration("timeout")
        guard let replyLimit = ReplyLimitSetting.read(map, values: values) else { return nil }
        self.replyLimit = replyLimit
    }

    public init(name: String, baseURL: String, apiKey: String?, model: String, stream: Bool = true, candidates: Int = 3)
    {
        self.name = name
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.model = model
        self.stream = stream
        self.streamUsage = true
        self.headers = []
        self.verifyTLS = true
        self.connectTimeout = .seconds(10)
        self.candidates = candidates
        self.replyLimit = .default
    }

    public var completionsURL: String { baseURL + "/chat/completions" }
}
