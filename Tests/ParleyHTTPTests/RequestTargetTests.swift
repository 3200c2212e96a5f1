import Foundation
@testable import ParleyHTTP
import ParleyTestSupport
import Testing

/// URLs handed to libcurl as an origin and a request target (``Transfer/originSplit(_:)``) go out
/// byte for byte as the whole URL would.
@Suite struct RequestTargetTests {
    /// Paths and queries that libcurl sends as written, and others it may not, or that are left to it.
    static let targets = [
        "/v1/org/conversation/6b11ee956a39639ada00497c/interact?request_format=text&response_format=text",
        "/", "/a/b/", "/a?b?c", "/a/b.c/d.json?x=.y&z=..", "/a/%2e%2e/b?x=%2E", "/a/%2E/b",
        "/x?q=%20%2F&r=a+b&s=%E2%9C%93", "/~u/p-a_t.h!$'()*,;=:@?q=/?:@!$'()*+,;=",
        // Not split: dot segments, an empty query, fragments, characters outside RFC 3986's.
        "/a/./b?x=1", "/a/../b", "/.well-known/x?y=1", "/a/.", "/a?", "/a#f", "/a?x=1#f", "/a?x[0]=1", "/a?x={}",
        "/a?x=\"q\"", "/a|b?c", "/é?x=1", "/a?x=é",
    ]

    @Test func theTargetsBytesAreRFC3986sCharactersOfAPathAndQuery() {
        for byte in UInt8.min...UInt8.max {
            #expect(Transfer.isTargetByte(byte) == Transfer.targetCharacters.utf8.contains(byte), "\(byte)")
        }
    }

    /// `url` as its origin and its request target, where it is split.
    static func originForm(_ url: String) -> (url: String, target: String)? {
        guard let split = Transfer.originSplit(url) else { return nil }
        let bytes = Array(url.utf8)
        return (String(decoding: bytes[...split], as: UTF8.self), String(decoding: bytes[split...], as: UTF8.self))
    }

    @Test func urlsAreSplitOnlyWhereLibcurlSendsThemAsWritten() {
        let origin = "http://127.0.0.1:8080"
        #expect(
            Self.originForm(origin + "/v1/o/c?a=b")! == (url: origin + "/", target: "/v1/o/c?a=b"))
        #expect(Self.originForm(origin + "/")! == (url: origin + "/", target: "/"))
        #expect(
            Self.originForm("https://u:p@example.com/a/b")! == (url: "https://u:p@example.com/", target: "/a/b"))
        #expect(Self.originForm("http://example.com") == nil, "no path")
        #expect(Self.originForm("http://example.com?x=1") == nil, "no path")
        #expect(Self.originForm(origin + "/a?b?") == nil, "a query ending in ?")
        let split = Self.targets.filter { Self.originForm(origin + $0) != nil }
        #expect(split == Array(Self.targets.prefix(9)))
    }

    /// Every request head, split or not, is the very one libcurl writes for the whole URL: the
    /// same request line and fields, with the target's bytes as they were.
    @Test(arguments: [HTTPMethod.get, .post])
    func aSplitURLGoesOutAsTheWholeURLWould(method: HTTPMethod) async throws {
        let server = try HostileServer { _, _ in .answer(status: 200, contentType: "text/plain", body: []) }
        defer { server.stop() }
        var whole = HTTPClient.Configuration()
        whole.targetsFromURLs = false
        let splitting = HTTPClient()
        let unsplit = HTTPClient(configuration: whole)
        #expect(splitting.loop.targetsFromURLs || TransferLoop.proxyInEnvironment())
        #expect(!unsplit.loop.targetsFromURLs)
        let bases = [server.baseURL, "http://user:secret@127.0.0.1:\(server.port)"]
        for base in bases {
            for target in Self.targets {
                let body: HTTPBody? = method == .post ? .json(Array("{}".utf8)) : nil
                let request = HTTPRequest(method: method, url: base + target, body: body)
                // A URL libcurl refuses is refused either way, before anything is sent.
                let before = server.heads.count
                let first = await Self.outcome(splitting, request)
                let second = await Self.outcome(unsplit, request)
                #expect(first == second, "\(base)\(target)")
                let heads = server.heads.dropFirst(before)
                #expect(heads.count == (first == "200" ? 2 : 0), "\(base)\(target)")
                #expect(heads.first == heads.last, "\(base)\(target)")
                if let head = heads.first, Self.originForm(base + target) != nil {
                    #expect(head.hasPrefix("\(method.rawValue) \(target.split(separator: "#")[0]) HTTP/1.1\r\n"))
                }
            }
        }
    }

    /// The status, or the error's code.
    static func outcome(_ client: HTTPClient, _ request: HTTPRequest) async -> String {
        do {
            return String(try await client.execute(request).status)
        } catch {
            return "\(error.code)"
        }
    }
}
