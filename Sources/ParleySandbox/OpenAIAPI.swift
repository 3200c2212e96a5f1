import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ParleyDemoAgent
import ParleyFlow
import ParleyJSON

/// An OpenAI-compatible chat-completions endpoint (`/openai/v1/chat/completions`), plain JSON or
/// server-sent events, with deterministic "models" backed by the demo agent:
///
/// - `parley-simulated-user` plays the customer. The system message carries the persona and
///   scenario (`PERSONA: … --- SCENARIO: …`); the conversation comes with roles reversed (the
///   agent's words as `user`, the customer's own as `assistant`). The sandbox replays the customer's
///   messages into a fresh demo conversation to learn what the agent last asked, and answers as the
///   recommender would. `n` returns several candidates.
/// - `parley-support-desk` plays the agent: the `user` messages are replayed into a demo
///   conversation and the agent's reply to the last one is the answer; the tools the agent called
///   on that turn come as `tool_calls` (streamed as deltas: id and name, then the arguments in pieces).
/// - `parley-judge` grades conversations by the rules of ``SandboxJudge`` and answers Parley's judge
///   prompt with its verdicts as JSON.
/// - `parley-generator` answers `parley generate`'s prompt with a suite of personas, scenarios and
///   flows, by the rules of ``SandboxGenerator``.
struct OpenAIAPI: Sendable {
    static let prefix = "/openai/v1/"
    static let simulatedUserModel = "parley-simulated-user"
    static let agentModel = "parley-support-desk"
    static let judgeModel = SandboxJudge.model
    static let generatorModel = SandboxGenerator.model

    let configuration: SandboxConfiguration
    let ids: IdentifierFactory
    let counter: RequestCounter
    let timing: ReplyTiming
    let faults: FaultInjector

    func handle(_ request: SandboxRequest) async -> Response {
        guard request.segments == ["chat", "completions"] else {
            counter.record(.openAIUnknown)
            return Self.error(
                .notFound, "Unknown request URL: \(request.method) \(request.path).", type: "invalid_request_error")
        }
        counter.record(.openAIChat)
        guard request.method == .post else {
            return Self.error(.methodNotAllowed, "Method not allowed.", type: "invalid_request_error")
        }
        let authorization = request.header("authorization") ?? ""
        guard authorization == "Bearer \(configuration.credentials.openAIAPIKey)" else {
            return Self.error(
                .unauthorized, "Incorrect API key provided.", type: "invalid_request_error", code: "invalid_api_key")
        }
        let injected = faults.draw(.openAIChat)
        switch injected.refusal {
        case .rateLimited(let retryAfter)?:
            var response = Self.error(
                .tooManyRequests, "Rate limit reached.", type: "requests", code: "rate_limit_exceeded")
            response.headers[.retryAfter] = String(retryAfter)
            return response
        case .some:
            return Self.error(.serviceUnavailable, "The server is overloaded.", type: "server_error")
        case nil:
            break
        }
        guard let body = try? RequestJSON.parse(request.body) else {
            return Self.error(
                .badRequest, "We could not parse the JSON body of your request.", type: "invalid_request_error")
        }
        guard let model = body["model"]?.stringValue else {
            return Self.error(.badRequest, "you must provide a model parameter", type: "invalid_request_error")
        }
        guard let messages = body["messages"]?.arrayValue, !messages.isEmpty else {
            return Self.error(
                .badRequest, "'messages' must contain at least one message", type: "invalid_request_error")
        }
        var parsed: [(role: String, content: String)] = []
        for message in messages {
            guard let role = message["role"]?.stringValue, ["system", "developer", "user", "assistant"].contains(role),
                let content = message["content"]?.stringValue
            else {
                return Self.error(
                    .badRequest, "Each message needs a role (system, user, assistant) and text content.",
                    type: "invalid_request_error")
            }
            parsed.append((role, content))
        }
        let choices = max(1, min(body["n"]?.intValue ?? 1, 8))
        let texts: [String]
        var toolCalls: [DemoToolCall] = []
        switch model {
        case Self.simulatedUserModel: texts = Array(simulatedUser(parsed).prefix(choices))
        case Self.agentModel:
            let turn = agent(parsed)
            texts = [turn.text]
            toolCalls = turn.toolCalls
        case Self.judgeModel, Self.generatorModel:
            guard body["response_format"]?["type"]?.stringValue == "json_schema" else {
                return Self.error(
                    .badRequest,
                    "`\(model)` answers structured output only: set `response_format` to "
                        + "`{\"type\": \"json_schema\", ...}`.",
                    type: "invalid_request_error", code: "response_format_required")
            }
            if model == Self.generatorModel {
                guard let suite = SandboxGenerator.answer(parsed) else {
                    return Self.error(
                        .badRequest,
                        "`\(Self.generatorModel)` answers Parley's generation prompt: the last user message needs "
                            + "`ABOUT THE AGENT:` and `COUNT:` sections.",
                        type: "invalid_request_error")
                }
                texts = [suite]
                break
            }
            guard let verdicts = SandboxJudge.answer(parsed) else {
                return Self.error(
                    .badRequest,
                    "`\(Self.judgeModel)` grades Parley's judge prompt: the last user message needs a "
                        + "`CRITERIA:` section.",
                    type: "invalid_request_error")
            }
            texts = [verdicts]
        default:
            return Self.error(
                .notFound,
                "The model `\(model)` does not exist or you do not have access to it. "
                    + "This sandbox serves `\(Self.simulatedUserModel)`, `\(Self.agentModel)`, "
                    + "`\(Self.judgeModel)` and `\(Self.generatorModel)`.",
                type: "invalid_request_error", code: "model_not_found")
        }
        let delay = timing.firstDelay() + injected.firstByteDelay
        let id = "chatcmpl-" + ids.objectID()
        let created = Int(Date().timeIntervalSince1970)
        let prompt = parsed.reduce(0) { $0 + Self.tokens($1.content) }
        if body["stream"] == .bool(true) {
            // Like OpenAI, a streamed answer reports its tokens only when `stream_options` asks.
            var usage: JSON?
            if case .bool(true)? = body["stream_options"]?["include_usage"] {
                usage = Self.usage(prompt: prompt, completion: texts.reduce(0) { $0 + Self.tokens($1) })
            }
            return stream(
                texts, toolCalls: toolCalls, id: id, created: created, model: model, delay: delay, usage: usage,
                faults: injected)
        }
        if delay > .zero { try? await Task.sleep(for: delay) }
        let choiceList = texts.enumerated().map { index, text in
            var message: [(String, JSON)] = [("role", "assistant"), ("content", .string(text)), ("refusal", .null)]
            if index == 0, !toolCalls.isEmpty { message.append(("tool_calls", .array(toolCalls.map(Self.toolCall)))) }
            return JSON.object([
                ("index", .int(index)), ("message", .object(message)),
                ("logprobs", .null), ("finish_reason", toolCalls.isEmpty ? "stop" : "tool_calls"),
            ])
        }
        let completion = texts.reduce(0) { $0 + Self.tokens($1) }
        return HTTPReply.json(
            .ok,
            .object([
                ("id", .string(id)), ("object", "chat.completion"), ("created", .int(created)),
                ("model", .string(model)),
                ("choices", .array(choiceList)),
                ("usage", Self.usage(prompt: prompt, completion: completion)),
            ]))
    }

    /// OpenAI's `usage` object.
    static func usage(prompt: Int, completion: Int) -> JSON {
        .object([
            ("prompt_tokens", .int(prompt)), ("completion_tokens", .int(completion)),
            ("total_tokens", .int(prompt + completion)),
        ])
    }

    /// Candidate customer messages, as the recommender would give them at this point.
    func simulatedUser(_ messages: [(role: String, content: String)]) -> [String] {
        let context = messages.filter { $0.role == "system" || $0.role == "developer" }.map(\.content).joined(
            separator: "\n")
        var demo = DemoConversation(script: configuration.script, seed: configuration.seed)
        var opened = false
        for message in messages where message.role == "user" || message.role == "assistant" {
            if !opened {
                // The agent's words come as `user`: a first `user` message means the agent spoke first.
                _ = demo.open(message.role == "user" ? .agentFirst : .userMessage(message.content))
                opened = true
            } else if message.role == "assistant" {
                _ = demo.reply(to: message.content)
            }
        }
        if !opened { _ = demo.open(.agentFirst) }
        let candidates = demo.recommendations(context: context.isEmpty ? nil : context)
        return candidates.isEmpty ? ["Thanks, that's all. Bye!"] : candidates
    }

    /// The demo agent's turn answering the last `user` message (its greeting when there is none).
    func agent(_ messages: [(role: String, content: String)]) -> DemoTurn {
        var demo = DemoConversation(script: configuration.script, seed: configuration.seed)
        let users = messages.filter { $0.role == "user" }.map(\.content)
        let agentFirst = messages.first { $0.role == "user" || $0.role == "assistant" }?.role == "assistant"
        guard let first = users.first else { return demo.open(.agentFirst) }
        var turn =
            agentFirst
            ? {
                _ = demo.open(.agentFirst)
                return demo.reply(to: first)
            }() : demo.open(.userMessage(first))
        for message in users.dropFirst() { turn = demo.reply(to: message) }
        return turn
    }

    /// A chat-completion tool call: `{id, type: function, function: {name, arguments}}`, the
    /// arguments a JSON text as OpenAI sends them.
    static func toolCall(_ call: DemoToolCall) -> JSON {
        .object([
            ("id", .string(toolCallID(call))), ("type", "function"),
            ("function", .object([("name", .string(call.id)), ("arguments", .string(arguments(call)))])),
        ])
    }

    static func arguments(_ call: DemoToolCall) -> String {
        JSON.object(call.input.map { ($0.name, .string($0.value)) }).text
    }

    /// A stable id per call (the same conversation gives the same ids).
    static func toolCallID(_ call: DemoToolCall) -> String {
        "call_" + String(StableHash.fnv1a(call.id + "\u{1F}" + arguments(call)), radix: 36)
    }

    /// `text/event-stream`: for every choice a role chunk, then the choices' texts in pieces,
    /// taking turns as OpenAI's streams do (each chunk carries one choice, named by `index`), then
    /// a stop chunk for every choice, a usage chunk when asked, and `[DONE]`.
    private func stream(
        _ texts: [String], toolCalls: [DemoToolCall] = [], id: String, created: Int, model: String, delay: Duration,
        usage: JSON? = nil,
        faults: [SandboxFault.Kind]
    ) -> Response {
        func chunk(_ index: Int, _ delta: JSON, finish: JSON = .null) -> String {
            let value = JSON.object([
                ("id", .string(id)), ("object", "chat.completion.chunk"), ("created", .int(created)),
                ("model", .string(model)),
                (
                    "choices",
                    .array([
                        .object([
                            ("index", .int(index)), ("delta", delta), ("logprobs", .null), ("finish_reason", finish),
                        ])
                    ])
                ),
            ])
            return "data: \(value.text)\n\n"
        }
        var events = texts.indices.map { chunk($0, .object([("role", "assistant"), ("content", "")])) }
        let size = max(1, configuration.wordsPerChunk)
        let pieces = texts.map { text -> [String] in
            let words = text.split(separator: " ", omittingEmptySubsequences: false)
            return stride(from: 0, to: words.count, by: size).map { start in
                words[start..<min(start + size, words.count)].joined(separator: " ")
                    + (start + size < words.count ? " " : "")
            }
        }
        for round in 0..<(pieces.map(\.count).max() ?? 0) {
            for (index, choice) in pieces.enumerated() where round < choice.count {
                events.append(chunk(index, .object([("content", .string(choice[round]))])))
            }
        }
        // Tool calls are the first choice's (the agent model answers with one choice).
        for (index, call) in toolCalls.enumerated() {
            let opening = JSON.object([
                ("index", .int(index)), ("id", .string(Self.toolCallID(call))), ("type", "function"),
                ("function", .object([("name", .string(call.id)), ("arguments", "")])),
            ])
            events.append(chunk(0, .object([("tool_calls", .array([opening]))])))
            let arguments = Array(Self.arguments(call))
            let middle = arguments.count / 2
            for piece in [arguments[..<middle], arguments[middle...]] where !piece.isEmpty {
                let delta = JSON.object([
                    ("index", .int(index)), ("function", .object([("arguments", .string(String(piece)))])),
                ])
                events.append(chunk(0, .object([("tool_calls", .array([delta]))])))
            }
        }
        events += texts.indices.map {
            chunk($0, .object([]), finish: $0 == 0 && !toolCalls.isEmpty ? "tool_calls" : "stop")
        }
        if let usage {
            let last = JSON.object([
                ("id", .string(id)), ("object", "chat.completion.chunk"), ("created", .int(created)),
                ("model", .string(model)), ("choices", .array([])), ("usage", usage),
            ])
            events.append("data: \(last.text)\n\n")
        }
        events.append("data: [DONE]\n\n")
        if faults.malformsStream { events.insert("data: {\"id\":\n\n", at: 1) }
        let dropAfter = faults.dropsMidStream ? texts.count + 1 : Int.max
        let chunkDelay = timing.chunkDelay
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { [events] writer in
                if delay > .zero { try await Task.sleep(for: delay) }
                for (index, event) in events.enumerated() {
                    if index == dropAfter { throw InjectedDisconnect() }
                    if index > texts.count, chunkDelay > .zero { try await Task.sleep(for: chunkDelay) }
                    try await writer.write(ByteBuffer(string: event))
                }
                try await writer.finish(nil)
            })
    }

    /// A rough token count for `usage` (words, like a tokenizer would roughly count).
    static func tokens(_ text: String) -> Int {
        max(1, text.split(whereSeparator: \.isWhitespace).count * 4 / 3)
    }

    /// OpenAI's error body: `{"error": {"message", "type", "param", "code"}}`.
    static func error(_ status: HTTPResponse.Status, _ message: String, type: String, code: String? = nil) -> Response {
        HTTPReply.json(
            status,
            .object([
                (
                    "error",
                    .object([
                        ("message", .string(message)), ("type", .string(type)),
                        ("param", .null), ("code", code.map(JSON.string) ?? .null),
                    ])
                )
            ]))
    }
}
