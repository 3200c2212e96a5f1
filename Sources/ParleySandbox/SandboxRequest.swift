import Foundation
import HTTPTypes
import Hummingbird
import ParleyJSON

/// A request with its body collected and its path and query decoded, as the protocol handlers see it.
struct SandboxRequest: Sendable {
    var method: HTTPRequest.Method
    /// The path as sent, for error bodies that echo it.
    var path: String
    /// Decoded path segments after the protocol's prefix; a trailing slash leaves no empty segment.
    var segments: [String]
    var query: [(name: String, value: String)]
    var headers: HTTPFields
    var body: [UInt8]
    var receivedAt: Date
    /// Faults injected into this request's answer.
    var faults: [SandboxFault.Kind] = []

    init(
        method: HTTPRequest.Method, path: String, prefix: String, rawQuery: String?, headers: HTTPFields, body: [UInt8]
    ) {
        self.method = method
        self.path = path
        let rest = path.dropFirst(prefix.count)
        self.segments = rest.split(separator: "/", omittingEmptySubsequences: true).map {
            $0.contains("%") ? (String($0).removingPercentEncoding ?? String($0)) : String($0)
        }
        self.query = Self.parseQuery(rawQuery)
        self.headers = headers
        self.body = body
        self.receivedAt = Date()
    }

    /// `a=1&b=x+y&a=2` into ordered pairs, `+` and percent escapes decoded.
    static func parseQuery(_ raw: String?) -> [(name: String, value: String)] {
        guard let raw, !raw.isEmpty else { return [] }
        return raw.split(separator: "&", omittingEmptySubsequences: true).map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                guard text.contains("+") || text.contains("%") else { return String(text) }
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// The first value of a query parameter.
    func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// Every value of a repeated query parameter, in order.
    func queryValues(_ name: String) -> [String] {
        query.filter { $0.name == name }.map(\.value)
    }

    /// A header's value (names are case-insensitive).
    func header(_ name: String) -> String? {
        guard let fieldName = HTTPField.Name(name) else { return nil }
        return headers[fieldName]
    }

    var isEmptyBody: Bool { body.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 } }
}
