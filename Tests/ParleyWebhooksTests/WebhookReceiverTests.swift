import ParleyHTTP
import ParleyJSON
import ParleyWebhooks
import Testing

@Suite(.timeLimit(.minutes(1))) struct WebhookReceiverTests {
    /// A receiver with one route whose mailbox (secret `right-secret`) is bound to session `s1`.
    func withReceiver(
        _ settings: WebhookReceiverSettings = WebhookReceiverSettings(),
        _ body: (WebhookReceiver, WebhookMailbox, HTTPClient) async throws -> Void
    ) async throws {
        let receiver = try await WebhookReceiver.start(settings)
        let directory = WebhookDirectory()
        let mailbox = directory.open(secret: "right-secret")
        directory.bind(mailbox, to: "s1")
        receiver.add(route: ["hooks", "test"]) { request in
            guard let body = try? JSONValue(parsing: request.body) else { return .badRequest("not JSON") }
            switch directory.decide(key: body["session"]?.string ?? "", secret: request.header("X-Secret")) {
            case .accepted(let mailbox): return .accepted(mailbox.deliver([(body, body["id"]?.string)]))
            case .refused(let mailbox):
                mailbox.noteRefusal()
                return .unauthorized(header: "X-Secret")
            case .unknown: return .unauthorized(header: "X-Secret")
            }
        }
        let client = HTTPClient()
        do {
            try await body(receiver, mailbox, client)
        } catch {
            client.shutdown()
            await receiver.stop()
            throw error
        }
        client.shutdown()
        await receiver.stop()
    }

    func post(_ client: HTTPClient, _ url: String, _ body: String, secret: String?) async throws -> HTTPResponse {
        var request = HTTPRequest(method: .post, url: url, body: .json(body))
        if let secret { request.headers.add(name: "x-secret", value: secret) }
        return try await client.execute(request)
    }

    @Test func deliveriesAreCheckedRoutedAndKeptOnce() async throws {
        try await withReceiver { receiver, mailbox, client in
            let url = receiver.url(route: ["hooks", "test"])
            #expect(url == "http://127.0.0.1:\(receiver.port)/hooks/test")
            let accepted = try await post(
                client, url, #"{"session":"s1","id":"m1","text":"hi"}"#, secret: "right-secret")
            #expect(accepted.status == 200)
            let again = try await post(client, url, #"{"session":"s1","id":"m1","text":"hi"}"#, secret: "right-secret")
            #expect(again.status == 200, "a repeated delivery is acknowledged, so the sender stops retrying")
            let wrong = try await post(client, url, #"{"session":"s1","id":"m2","text":"forged"}"#, secret: "wrong")
            #expect(wrong.status == 401)
            #expect(!wrong.text.contains("right-secret"))
            let missing = try await post(client, url, #"{"session":"s1","id":"m3","text":"forged"}"#, secret: nil)
            #expect(missing.status == 401)
            #expect(mailbox.take().map { $0["text"]?.string } == ["hi"], "one message, no forgery")
            #expect(mailbox.counts.refusals == 2)
            let stats = receiver.stats
            #expect(stats.accepted == 2)
            #expect(stats.duplicates == 1)
            #expect(stats.unauthorized == 2)
        }
    }

    @Test func wrongMethodsPathsAndSizesAreRefused() async throws {
        try await withReceiver(WebhookReceiverSettings(maxBodySize: 1024)) { receiver, mailbox, client in
            let url = receiver.url(route: ["hooks", "test"])
            let get = try await client.execute(HTTPRequest(method: .get, url: url))
            #expect(get.status == 405)
            let nowhere = try await post(client, receiver.baseURL + "/elsewhere", "{}", secret: "right-secret")
            #expect(nowhere.status == 404)
            let big = #"{"session":"s1","text":""# + String(repeating: "x", count: 2048) + #""}"#
            let tooLarge = try await post(client, url, big, secret: "right-secret")
            #expect(tooLarge.status == 413)
            #expect(mailbox.take().isEmpty)
            #expect(receiver.stats.tooLarge == 1)
            #expect(receiver.stats.rejected == 2)
        }
    }

    @Test func aPublicURLNamesTheReceiverAndItsPathMayArriveOrNot() async throws {
        let settings = WebhookReceiverSettings(publicURL: "https://hooks.example.com/parley/")
        try await withReceiver(settings) { receiver, mailbox, client in
            #expect(receiver.url(route: ["hooks", "test"]) == "https://hooks.example.com/parley/hooks/test")
            let local = "http://127.0.0.1:\(receiver.port)"
            let body = #"{"session":"s1","text":"via proxy"}"#
            // A proxy that keeps the public path, and one that strips it.
            let kept = try await post(client, local + "/parley/hooks/test", body, secret: "right-secret")
            let stripped = try await post(client, local + "/hooks/test", body, secret: "right-secret")
            #expect(kept.status == 200)
            #expect(stripped.status == 200)
            #expect(mailbox.take().count == 2)
        }
    }

    @Test func aPortInUseIsAClearError() async throws {
        let first = try await WebhookReceiver.start(WebhookReceiverSettings())
        do {
            _ = try await WebhookReceiver.start(WebhookReceiverSettings(port: first.port))
            Issue.record("a second receiver started on a port in use")
        } catch {
            #expect(error.addressInUse)
            #expect(error.description.contains("127.0.0.1:\(first.port)"))
            #expect(error.description.contains("already in use"))
        }
        await first.stop()
    }

    @Test(
        arguments: [
            ("https://hooks.example.com/parley", nil),
            ("http://10.0.0.5:8123", nil),
            ("hooks.example.com/parley", "http:// or https://"),
            ("https:///parley", "no host"),
            ("https://hooks.example.com/p?x=1", "query"),
            ("ftp://hooks.example.com", "http:// or https://"),
        ] as [(String, String?)])
    func publicURLsAreChecked(url: String, problem: String?) {
        let found = WebhookReceiverSettings.problem(publicURL: url)
        if let problem {
            #expect(found?.contains(problem) == true, "\(url): \(found ?? "accepted")")
        } else {
            #expect(found == nil, "\(url): \(found ?? "")")
        }
    }
}
