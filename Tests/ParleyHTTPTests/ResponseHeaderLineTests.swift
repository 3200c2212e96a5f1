@testable import ParleyHTTP
import Testing

/// How a response's header lines become fields: names as the server wrote them, values trimmed.
@Suite("Response header lines")
struct ResponseHeaderLineTests {
    static func name(_ text: String) -> String {
        Array(text.utf8).withUnsafeBytes { Transfer.fieldName($0) }
    }

    @Test(
        "Every name reads back as written, common long ones among them",
        arguments: [
            "X-RateLimit-Remaining", "x-ratelimit-remaining", "X-RATELIMIT-REMAINING", "transfer-encoding",
            "Transfer-Encodinh", "Date", "", "X-RateLimit-Remaining-Extra", "Access-Control-Allow-Origin",
            "strict-transport-security",
        ])
    func namesReadBack(text: String) {
        #expect(Self.name(text) == text)
    }

    @Test("Lookups by name ignore case, and names of other lengths never match")
    func lookups() {
        var headers = HTTPHeaders(reservingCapacity: Transfer.expectedFieldCount)
        headers.add(name: Self.name("X-RateLimit-Remaining"), value: "14")
        headers.add(name: Self.name("X-RateLimit-Reset"), value: "60")
        #expect(headers["x-ratelimit-remaining"] == "14")
        #expect(headers["x-ratelimit-reset"] == "60")
        #expect(headers["x-ratelimit-rese"] == nil)
        #expect(headers["x-ratelimit-resets"] == nil)
    }
}
