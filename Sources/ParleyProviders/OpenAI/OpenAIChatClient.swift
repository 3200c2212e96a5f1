import Foundation
import ParleyHTTP
import ParleyJSON
import ParleyFlow
import ParleyRun

/// A message of a chat-completions request.
struct ChatMessage: Sendable {
    var role: String
    var content: String
}

/// What a chat-completions call returned.
struct ChatCompletion: Sendable {
    /// One text per choice.
    var texts: [String]
    var sentAt: Date
    /// Time to the first content token, when streamed.
    var timeToFirstToken: Duration?
    var latency: Duration
    var id: String?
    /// The tokens the endpoint reported (`usage`), under the configured model's name, which is the
    /// name `pricing:` knows it by.
    var usage: ModelUsage?
    /// The first choice's tool calls, in order (streamed deltas assembled).
    var toolCalls: [AgentAction] = []
    /// Token counts the endpoint reported (`usage`), when it did.
    var promptTokens = 0
    var completionTokens = 0
}

/// Calls an OpenAI-compatible `/chat/completions` endpoint, streamed (server-sent events, so the
/// first token's latency is known) or as one JSON answer.
public struct OpenAIChatClient: Sendable {
    public let settings: OpenAISettings
    let http: ProviderHTTP

    public init(settings: OpenAISettings, client: HTTPClient, service: String = "the OpenAI-compatible endpoint") {
        self.settings = settings
        self.http = ProviderHTTP(
            client: client, service: "\(service) `\(settings.name)`", verifyTLS: settings.verifyTLS,
            connectTimeout: settings.connectTimeout, replyLimit: settings.replyLimit)
    }

    func complete(
        _ messages: [ChatMessage], choices: Int = 1, stream: Bool, timeout: Duration, seed: Int? = nil,
        responseFormat: JSONValue? = nil
    ) async throws(ProviderError) -> ChatCompletion {
        var body: [(String, JSONValue)] = [
            ("model", .string(settings.model)),
            (
                "messages",
                .array(messages.map { .object([("role", .string($0.role)), ("content", .string($0.content))]) })
            ),
        ]
        if let t = settings.temperature { body.append(("temperature", .double(t))) }
        if let m = settings.maxTokens { body.append(("max_tokens", .int(m))) }
        if choices > 1 { body.append(("n", .int(choices))) }
        if let seed = seed ?? settings.seed { body.append(("seed", .int(seed))) }
        if let responseFormat { body.append(("response_format", responseFormat)) }
        if stream { body.append(("stream", true)) }
        // Streamed answers report tokens only when asked, in a last chunk without choices.
        if stream, settings.streamUsage { body.append(("stream_options", .object([("include_usage", true)]))) }
        var request = http.request(
            .post, settings.completionsURL, body: .json(JSONValue.object(body).bytes), timeout: timeout)
        if let key = settings.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        for (name, value) in settings.headers { request.headers.replaceOrAdd(name: name, value: value) }
        if stream { request.headers.add(name: "Accept", value: "text/event-stream") }

        let sentAt = Date()
        let clock = ContinuousClock()
        let started = clock.now
        if !stream {
            let response = try await http.send(request, endpoint: "chat", idempotent: false)
            try check(response.status, body: response.body)
            let json = try http.json(response.body, doing: "completing a chat")
            guard let choiceList = json["choices"]?.array, !choiceList.isEmpty else {
                throw ProviderError(
                    .protocolViolation,
                    "\(http.service) answered without `choices`: \(String(json.serialized.prefix(200)))")
            }
            let texts = choiceList.map { $0["message"]?["content"]?.string ?? "" }
            if settings.replyLimit.isExceeded(byCount: texts.reduce(0) { $0 + $1.utf8.count }) {
                throw settings.replyLimit.exceeded
            }
            var completion = ChatCompletion(
                texts: texts, sentAt: sentAt, latency: clock.now - started, id: json["id"]?.string)
            var calls = ToolCallAssembler()
            for (index, call) in (choiceList[0]["message"]?["tool_calls"]?.array ?? []).enumerated() {
                calls.add(call, index: index)
            }
            completion.toolCalls = calls.actions
            completion.promptTokens = json["usage"]?["prompt_tokens"]?.int ?? 0
            completion.completionTokens = json["usage"]?["completion_tokens"]?.int ?? 0
            completion.usage = usage(json["usage"])
            return completion
        }
        let response = try await http.stream(request, endpoint: "chat", idempotent: false)
        guard (200..<300).contains(response.status) else {
            let body = (try? await response.collectBody()) ?? []
            try check(response.status, body: body)
            throw http.statusError(response.status, body: body, doing: "completing a chat")
        }
        var reader = ServerSentEventReader()
        var text = ""
        var firstToken: Duration?
        var id: String?
        var done = false
        var calls = ToolCallAssembler()
        var callBytes = 0
        var usage: JSONValue?
        do {
            for try await line in response.lines {
                guard let data = reader.consume(line)?.data, !data.isEmpty else { continue }
                if data == Array("[DONE]".utf8) {
                    done = true
                    break
                }
                let chunk: JSONValue
                do {
                    chunk = try JSONValue(parsing: data)
                } catch {
                    throw ProviderError(
                        .protocolViolation,
                        "\(http.service) sent an event that is not JSON (\(error)): "
                            + "\(String(decoding: data.prefix(120), as: UTF8.self))"
                    )
                }
                if let message = chunk["error"]?["message"]?.string {
                    throw ProviderError(.server, "\(http.service) reported an error mid-stream: \(message)")
                }
                id = id ?? chunk["id"]?.string
                if let piece = chunk["choices"]?[0]?["delta"]?["content"]?.string, !piece.isEmpty {
                    if firstToken == nil { firstToken = clock.now - started }
                    text += piece
                }
                for (position, delta) in (chunk["choices"]?[0]?["delta"]?["tool_calls"]?.array ?? []).enumerated() {
                    if firstToken == nil { firstToken = clock.now - started }
                    calls.add(delta, index: delta["index"]?.int ?? position)
                    callBytes += delta["function"]?["arguments"]?.string?.utf8.count ?? 0
                }
                // Text and tool-call arguments alike count towards the reply's limit.
                if settings.replyLimit.isExceeded(byCount: text.utf8.count + callBytes) {
                    throw settings.replyLimit.exceeded
                }
                if let reported = chunk["usage"], !reported.isNull { usage = reported }
                if let finish = chunk["choices"]?[0]?["finish_reason"], !finish.isNull { done = true }
            }
        } catch let error as ProviderError {
            throw error
        } catch let error as HTTPError {
            throw http.providerError(error)
        } catch {
            throw ProviderError(.protocolViolation, "\(http.service): \(error)")
        }
        guard done else {
            throw ProviderError(.connectionDropped, "\(http.service)'s stream ended before the answer was finished")
        }
        var completion = ChatCompletion(
            texts: [text], sentAt: sentAt, timeToFirstToken: firstToken, latency: clock.now - started, id: id)
        completion.toolCalls = calls.actions
        completion.promptTokens = usage?["prompt_tokens"]?.int ?? 0
        completion.completionTokens = usage?["completion_tokens"]?.int ?? 0
        completion.usage = self.usage(usage)
        return completion
    }

    /// OpenAI's `usage` object (`prompt_tokens`, `completion_tokens`); `nil` when absent or not numbers.
    private func usage(_ value: JSONValue?) -> ModelUsage? {
        guard let value, let input = value["prompt_tokens"]?.int, let output = value["completion_tokens"]?.int
        else { return nil }
        return ModelUsage(model: settings.model, inputTokens: input, outputTokens: output)
    }

    /// One non-streamed completion whose answer must follow `schema` (`response_format:
    /// json_schema`, strict), with the settings' temperature and the given seed: what a judge asks.
    public func structuredCompletion(
        _ messages: [(role: String, content: String)], schemaName: String, schema: JSONValue, seed: Int?,
        timeout: Duration
    ) async throws(ProviderError) -> (text: String, promptTokens: Int, completionTokens: Int) {
        let format = JSONValue.object([
            ("type", "json_schema"),
            ("json_schema", .object([("name", .string(schemaName)), ("strict", true), ("schema", schema)])),
        ])
        let completion = try await complete(
            messages.map { ChatMessage(role: $0.role, content: $0.content) }, stream: false, timeout: timeout,
            seed: seed, responseFormat: format)
        return (completion.texts.first ?? "", completion.promptTokens, completion.completionTokens)
    }

    private func check(_ status: Int, body: [UInt8]) throws(ProviderError) {
        guard !(200..<300).contains(status) else { return }
        if status == 401 || status == 403 {
            throw ProviderError(
                .authRefused, "\(http.service) refused the API key (\(status)): \(ProviderHTTP.errorText(body))",
                status: status)
        }
        if status == 404, ProviderHTTP.errorText(body).contains("model") {
            throw ProviderError(
                .configuration,
                "\(http.service) does not serve model `\(settings.model)` (404): \(ProviderHTTP.errorText(body))",
                status: 404)
        }
        throw http.statusError(status, body: body, doing: "completing a chat")
    }
}
