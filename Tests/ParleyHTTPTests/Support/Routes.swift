import Foundation
import Hummingbird

/// What the server saw of a request, sent back as JSON by the `/inspect` route.
struct InspectedRequest: Codable, Sendable {
    var method: String
    var path: String
    var query: String?
    /// Lowercased header names to their values, in arrival order.
    var headers: [String: [String]]
    var body: String
    var remotePort: Int?
}

extension HTTPFields.Element.Name {
    static let replyMarker = Self("X-Reply-Marker")!
}

extension Router<TestContext> {
    /// `/inspect` (any common method): echoes the request as JSON, and sends two
    /// `X-Reply-Marker` fields so that repeated response headers can be checked.
    func addInspectRoute() {
        for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch] {
            on("inspect", method: method) { request, context -> Response in
                var request = request
                let body = try await request.collectBody(upTo: 4 * 1024 * 1024)
                var headers: [String: [String]] = [:]
                for field in request.headers {
                    headers[field.name.canonicalName, default: []].append(field.value)
                }
                let inspected = InspectedRequest(
                    method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
                    headers: headers, body: String(buffer: body), remotePort: context.remotePort)
                var fields: HTTPFields = [.contentType: "application/json"]
                fields.append(HTTPFields.Element(name: .replyMarker, value: "one"))
                fields.append(HTTPFields.Element(name: .replyMarker, value: "two"))
                let data = try JSONEncoder().encode(inspected)
                return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
            }
        }
    }
}

extension InspectedRequest {
    static func decode(_ bytes: [UInt8]) throws -> InspectedRequest {
        try JSONDecoder().decode(InspectedRequest.self, from: Data(bytes))
    }
}
