import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ParleyDemoAgent
import ParleyJSON

/// An OpenAI-compatible chat-completions endpoint (`/openai/v1/chat/completions`), plain JSON or
/// server-sent events, with two deterministic "models" backed by the demo agent:
///
/// - `parley-simulated-user` plays the customer. The system message carries the persona and
///   scenario (`PERSONA: … --- SCENARIO: …`); the conversation comes with roles reversed (the
///   agent's words as `user`, the customer's own as `assistant`). The sandbox replays the customer's
///   messages into a fresh demo conversation to learn what the agent last asked, and answers as the
///   recommender would. `n` returns several candidates.
/// - `parley-support-desk` plays the agent: the `user` messages are replayed into a demo
///   conversation and the agent's reply to the last one is the answer.
struct OpenAIAPI: Sendable {
    static let prefix = "/openai/v1/"
    static let simulatedUserModel = "parley-simulated-user"
    static let agentModel = "parley-support-desk"

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
        switch model {
        case Self.simulatedUserModel: texts = Array(simulatedUser(parsed).prefix(choices))
        case Self.agentModel: texts = [agent(parsed)]
        default:
            return Self.error(
                .notFound,
                "The model `\(model)` does not exist or you do not have access to it. "
                    + "This sandbox serves `\(Self.simulatedUserModel)` and `\(Self.agentModel)`.",
                type: "invalid_request_error", code: "model_not_found")
        }
        let delay = timing.firstDelay() + injected.firstByteDelay
        let id = "chatcmpl-" + ids.objectID()
        let created = Int(Date().timeIntervalSince1970)
        let prompt = parsed.reduce(0) { $0 + Self.tokens($1.content) }
        if body["stream"] == .bool(true) {
            // Like OpenAI, a streamed answer reports its tokens only when `stream_options` asks.
            let usage =
                body["stream_options"]?["include_usage"] == .bool(true)
                ? Self.usage(prompt: prompt, completion: Self.tokens(texts[0])) : nil
            return stream(
                texts[0], id: id, created: created, model: model, delay: delay, usage: usage, faults: injected)
        }
        if delay > .zero { try? await Task.sleep(for: delay) }
        let choiceList = texts.enumerated().map { index, text in
            JSON.object([
                ("index", .int(index)),
                ("message", .object([("role", "assistant"), ("content", .string(text)), ("refusal", .null)])),
                ("logprobs", .null), ("finish_reason", "stop"),
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

    /// The demo agent's reply to the last `user` message (its greeting when there is none).
    func agent(_ messages: [(role: String, content: String)]) -> String {
        var demo = DemoConversation(script: configuration.script, seed: configuration.seed)
        let users = messages.filter { $0.role == "user" }.map(\.content)
        let agentFirst = messages.first { $0.role == "user" || $0.role == "assistant" }?.role == "assistant"
        guard let first = users.first else { return demo.open(.agentFirst).messages.joined(separator: " ") }
        var turn =
            agentFirst
            ? {
                _ = demo.open(.agentFirst)
                return demo.reply(to: first)
            }() : demo.open(.userMessage(first))
        for message in users.dropFirst() { turn = demo.reply(to: message) }
        return turn.messages.joined(separator: " ")
    }

    /// `text/event-stream`: a role chunk, the text in pieces, a stop chunk, a usage chunk when asked,
    /// `[DONE]`.
    private func stream(
        _ text: String, id: String, created: Int, model: String, delay: Duration, usage: JSON?,
        faults: [SandboxFault.Kind]
    ) -> Response {
        func chunk(_ delta: JSON, finish: JSON = .null) -> String {
            let value = JSON.object([
                ("id", .string(id)), ("object", "chat.completion.chunk"), ("created", .int(created)),
                ("model", .string(model)),
                (
                    "choices",
                    .array([.object([("index", 0), ("delta", delta), ("logprobs", .null), ("finish_reason", finish)])])
                ),
            ])
            return "data: \(value.text)\n\n"
        }
        var events = [chunk(.object([("role", "assistant"), ("content", "")]))]
        let words = text.split(separator: " ", omittingEmptySubsequences: false)
        let size = max(1, configuration.wordsPerChunk)
        for start in stride(from: 0, to: words.count, by: size) {
            let piece =
                words[start..<min(start + size, words.count)].joined(separator: " ")
                + (start + size < words.count ? " " : "")
            events.append(chunk(.object([("content", .string(piece))])))
        }
        events.append(chunk(.object([]), finish: "stop"))
        if let usage {
            let last = JSON.object([
                ("id", .string(id)), ("object", "chat.completion.chunk"), ("created", .int(created)),
                ("model", .string(model)), ("choices", .array([])), ("usage", usage),
            ])
            events.append("data: \(last.text)\n\n")
        }
        events.append("data: [DONE]\n\n")
        if faults.malformsStream { events.insert("data: {\"id\":\n\n", at: 1) }
        let dropAfter = faults.dropsMidStream ? 2 : Int.max
        let chunkDelay = timing.chunkDelay
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { [events] writer in
                if delay > .zero { try await Task.sleep(for: delay) }
                for (index, event) in events.enumerated() {
                    if index == dropAfter { throw InjectedDisconnect() }
                    if index > 1, chunkDelay > .zero { try await Task.sleep(for: chunkDelay) }
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
