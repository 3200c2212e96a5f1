import Foundation
import Hummingbird
import ParleyHTTP
import Testing

@Suite("Errors never reveal credentials")
struct HTTPErrorRedactionTests {
    static let secrets = [
        "parley-user", "hunter2-password", "sk-live-query-secret", "fragment-secret", "header-secret",
    ]

    static func assertRedacted(_ error: ClientError?, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error else {
            Issue.record("expected an error", sourceLocation: sourceLocation)
            return
        }
        let texts = [error.description, error.message, error.url, String(describing: error), "\(error)"]
        for text in texts {
            for secret in secrets {
                #expect(!text.contains(secret), "\(secret) leaked into: \(text)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test("Connect failures show the URL without userinfo, query or fragment")
    func connectFailureIsRedacted() async throws {
        let refusing = try #require(LoopbackSocket())
        let client = HTTPClient()
        let error = await #expect(throws: ClientError.self) {
            _ = try await client.execute(
                ClientRequest(
                    url: "http://parley-user:hunter2-password@127.0.0.1:\(refusing.port)"
                        + "/v1/chat?api_key=sk-live-query-secret#fragment-secret",
                    headers: ["Authorization": "Bearer header-secret"]))
        }
        #expect(error?.code == .connectFailed)
        #expect(error?.url == "http://127.0.0.1:\(refusing.port)/v1/chat?…")
        Self.assertRedacted(error)
    }

    @Test("Timeouts and dropped connections are redacted too")
    func timeoutIsRedacted() async throws {
        let never = Signal()
        try await TestServer.run({ router in
            router.get("v1/chat") { _, _ -> String in
                await never.wait()
                return "late"
            }
        }) { base in
            let client = HTTPClient()
            let port = base.split(separator: ":").last.map(String.init) ?? ""
            let error = await #expect(throws: ClientError.self) {
                _ = try await client.execute(
                    ClientRequest(
                        url: "http://parley-user:hunter2-password@127.0.0.1:\(port)"
                            + "/v1/chat?api_key=sk-live-query-secret",
                        headers: ["Authorization": "Bearer header-secret"],
                        timeouts: HTTPTimeouts(firstByte: .milliseconds(200))))
            }
            #expect(error?.code == .firstByteTimeout)
            #expect(error?.url == "http://127.0.0.1:\(port)/v1/chat?…")
            Self.assertRedacted(error)
        }
    }

    @Test("Invalid header values are named but never quoted")
    func invalidHeaderIsRedacted() async throws {
        let client = HTTPClient()
        let error = await #expect(throws: ClientError.self) {
            _ = try await client.execute(
                ClientRequest(
                    url: "https://api.example.com/x?key=sk-live-query-secret",
                    headers: ["Authorization": "Bearer header-secret\r\nX-Evil: 1"]))
        }
        #expect(error?.code == .invalidRequest)
        #expect(error?.message.contains("Authorization") == true)
        Self.assertRedacted(error)
    }

    @Test(
        "URL redaction",
        arguments: [
            ("https://user:pw@api.example.com/v1/x?key=1#frag", "https://api.example.com/v1/x?…"),
            ("https://api.example.com", "https://api.example.com"),
            ("http://127.0.0.1:8080/p?", "http://127.0.0.1:8080/p?…"),
            ("https://a@b@host.example/p", "https://host.example/p"),
            ("https://host.example/p#only-fragment", "https://host.example/p"),
            ("not a url?secret=1", "not a url?…"),
        ])
    func redaction(input: String, expected: String) {
        #expect(ClientError(code: .other, message: "", url: input).url == expected)
    }
}
