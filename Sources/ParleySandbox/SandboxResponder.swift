import Hummingbird
import NIOCore

/// Sends each request to the protocol its path belongs to; never throws, so no request ends in a bare 500.
struct SandboxResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let amigo: AmigoAPI
    let amelia: AmeliaAPI
    let agentHuman: AgentHumanAPI
    let openAI: OpenAIAPI
    let helpdesk: HelpdeskAPI
    let webchat: WebchatAPI
    let counter: RequestCounter
    let maxBodySize: Int
    let requestLog: SandboxRequestLog?

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        let protocolPrefix: String? = [
            OpenAIAPI.prefix, AmigoAPI.prefix, AmeliaAPI.prefix, AgentHumanAPI.prefix, HelpdeskAPI.prefix,
            WebchatAPI.prefix,
        ].first { path.hasPrefix($0) }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxBodySize)
        } catch is NIOTooManyBytesError {
            return tooLarge(prefix: protocolPrefix)
        } catch {
            // The client went away (or sent a broken body) before the body was complete.
            return HTTPReply.json(.badRequest, .object([("error", "Incomplete request body")]))
        }
        requestLog?.append(
            SandboxRequestLog.Entry(
                method: request.method.rawValue, path: path, query: request.uri.query,
                headers: request.headers.map { ($0.name.rawName, $0.value) }, body: Array(body.readableBytesView)))
        guard let protocolPrefix else {
            counter.record(.unknown)
            return HTTPReply.json(.notFound, .object([("error", "Not Found"), ("path", .string(path))]))
        }
        let sandboxRequest = SandboxRequest(
            method: request.method, path: path, prefix: protocolPrefix, rawQuery: request.uri.query,
            headers: request.headers, body: Array(body.readableBytesView))
        switch protocolPrefix {
        case AmigoAPI.prefix: return await amigo.handle(sandboxRequest)
        case AmeliaAPI.prefix: return await amelia.handle(sandboxRequest)
        case OpenAIAPI.prefix: return await openAI.handle(sandboxRequest)
        case HelpdeskAPI.prefix: return await helpdesk.handle(sandboxRequest)
        case WebchatAPI.prefix: return await webchat.handle(sandboxRequest)
        default: return await agentHuman.handle(sandboxRequest)
        }
    }

    /// 413 in the error shape of the protocol the request was for.
    private func tooLarge(prefix: String?) -> Response {
        let message = "Request body is larger than \(maxBodySize) bytes."
        switch prefix {
        case AmigoAPI.prefix: return AmigoAPI.error(.contentTooLarge, message)
        case AmeliaAPI.prefix: return AmeliaAPI.error(.contentTooLarge, message, path: "")
        case AgentHumanAPI.prefix: return AgentHumanAPI.error(.contentTooLarge, message)
        case OpenAIAPI.prefix: return OpenAIAPI.error(.contentTooLarge, message, type: "invalid_request_error")
        case HelpdeskAPI.prefix: return HelpdeskAPI.error(.contentTooLarge, "body_too_large", message)
        case WebchatAPI.prefix: return WebchatAPI.error(.contentTooLarge, message)
        default: return HTTPReply.json(.contentTooLarge, .object([("error", .string(message))]))
        }
    }
}
