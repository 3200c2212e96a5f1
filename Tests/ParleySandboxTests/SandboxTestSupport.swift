import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import ParleySandbox

/// A response as the tests read it: status, headers, body text, and the body parsed as JSON.
struct HTTPResult: Sendable {
    var status: Int
    var headers: HTTPFields
    var text: String

    /// The body as a JSON object (empty when it is not one).
    var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
    /// The body as a JSON array (empty when it is not one).
    var array: [[String: Any]] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? [] }
    /// Each NDJSON line as an object.
    var lines: [[String: Any]] {
        text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
    /// The raw NDJSON lines.
    var rawLines: [String] { text.split(separator: "\n").map(String.init) }

    func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { headers[$0] } }

    /// `detail` of a FastAPI error body.
    var detail: String? { object["detail"] as? String }
}

/// A plain HTTP client against a running sandbox on loopback.
struct SandboxClient: Sendable {
    let client: TestClient

    func send(_ method: HTTPRequest.Method, _ path: String, headers: [String: String] = [:], body: String? = nil)
        async throws -> HTTPResult
    {
        var fields = HTTPFields()
        for (name, value) in headers {
            guard let fieldName = HTTPField.Name(name) else { continue }
            fields[fieldName] = value
        }
        if body != nil, fields[.contentType] == nil { fields[.contentType] = "application/json" }
        let response = try await client.execute(
            TestClient.Request(
                path, method: method, headers: fields,
                body: body.map { ByteBuffer(string: $0) }))
        let text = response.body.map { String(buffer: $0) } ?? ""
        return HTTPResult(status: Int(response.status.code), headers: response.headers, text: text)
    }
}

/// Starts a sandbox, connects a client, runs `body`, then stops the sandbox. The client gives up on a
/// response after `readTimeout` without a byte.
func withSandbox(
    _ configuration: SandboxConfiguration = SandboxConfiguration(),
    readTimeout: Duration = .seconds(15),
    _ body: @escaping @Sendable (SandboxServer, SandboxClient) async throws -> Void
) async throws {
    let server = try await SandboxServer.start(configuration)
    do {
        try await TestClient.withClient(
            host: "127.0.0.1", port: server.port, configuration: .init(timeout: readTimeout)
        ) { client in
            try await body(server, SandboxClient(client: client))
        }
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

/// Builds `multipart/form-data` bodies the way the SDKs do.
struct MultipartBody {
    let boundary = "parley-test-boundary-7d3f"
    private var parts: [String] = []

    /// A plain field, as the TypeScript SDK sends `recorded_message`.
    mutating func field(_ name: String, _ value: String) {
        parts.append("Content-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)")
    }

    /// A file part, as the Python SDK sends `recorded_message` (`message.txt`).
    mutating func file(_ name: String, filename: String, _ value: String) {
        parts.append(
            "Content-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n\r\n\(value)")
    }

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    var text: String {
        parts.map { "--\(boundary)\r\n\($0)\r\n" }.joined() + "--\(boundary)--\r\n"
    }
}

/// Amigo calls with the default sandbox credentials.
struct AmigoTestClient: Sendable {
    let http: SandboxClient
    var credentials = SandboxCredentials.default
    var org: String { credentials.amigoOrganization }

    func signIn() async throws -> String {
        let result = try await http.send(
            .post, "/v1/\(org)/user/signin_with_api_key",
            headers: [
                "x-api-key": credentials.amigoAPIKey, "x-api-key-id": credentials.amigoAPIKeyID,
                "x-user-id": credentials.amigoUserID,
            ])
        try #require(result.status == 200, "sign-in failed: \(result.status) \(result.text)")
        return try #require(result.object["id_token"] as? String)
    }

    func create(
        _ token: String, initialMessage: String? = nil, type: String? = nil, tags: [String: String]? = nil,
        query: String = "response_format=text"
    ) async throws -> HTTPResult {
        var body: [String: Any] = ["service_id": credentials.amigoServiceID, "service_version_set_name": "release"]
        if let initialMessage { body["initial_message"] = initialMessage }
        if let type { body["initial_message_type"] = type }
        if let tags { body["tags"] = tags }
        let data = try JSONSerialization.data(withJSONObject: body)
        return try await http.send(
            .post, "/v1/\(org)/conversation/?\(query)",
            headers: auth(token).merging(["Accept": "application/x-ndjson"]) { $1 },
            body: String(decoding: data, as: UTF8.self))
    }

    func interact(
        _ token: String, _ conversation: String, _ text: String, asFile: Bool = false, type: String = "user-message",
        events: [(String, String)] = [], query: String = ""
    ) async throws -> HTTPResult {
        var form = MultipartBody()
        if asFile {
            form.file("recorded_message", filename: "message.txt", text)
        } else {
            form.field("recorded_message", text)
        }
        form.field("initial_message_type", type)
        for (content, timestamp) in events {
            form.field("external_event_message_content", content)
            form.field("external_event_message_timestamp", timestamp)
        }
        return try await http.send(
            .post, "/v1/\(org)/conversation/\(conversation)/interact?request_format=text&response_format=text\(query)",
            headers: auth(token).merging(["Content-Type": form.contentType]) { $1 }, body: form.text)
    }

    func auth(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)"] }

    func get(_ token: String, _ path: String) async throws -> HTTPResult {
        try await http.send(.get, "/v1/\(org)/\(path)", headers: auth(token))
    }

    func post(_ token: String, _ path: String, body: String? = nil) async throws -> HTTPResult {
        try await http.send(.post, "/v1/\(org)/\(path)", headers: auth(token), body: body)
    }
}

extension HTTPResult {
    /// The `interaction-complete` event of an Amigo stream.
    var completion: [String: Any]? { lines.last { $0["type"] as? String == "interaction-complete" } }
    /// The agent's full message in an Amigo stream.
    var fullMessage: String { completion?["full_message"] as? String ?? "" }
    var interactionID: String { completion?["interaction_id"] as? String ?? "" }
    var conversationID: String { lines.first?["conversation_id"] as? String ?? "" }
}
