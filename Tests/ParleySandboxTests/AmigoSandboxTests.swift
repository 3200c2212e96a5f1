import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import ParleyDemoAgent
import ParleySandbox

@Suite struct AmigoSandboxTests {
    @Test func fullConversationStreamsEventsAndCompletes() async throws {
        try await withSandbox { server, http in
            let amigo = AmigoTestClient(http: http)
            let token = try await amigo.signIn()

            let created = try await amigo.create(token)
            #expect(created.status == 201)
            #expect(created.header("Content-Type") == "application/x-ndjson")
            let types = created.lines.map { $0["type"] as? String ?? "?" }
            #expect(types.first == "conversation-created")
            #expect(types.last == "interaction-complete")
            #expect(types.contains("current-agent-action"))
            let chunks = created.lines.filter { $0["type"] as? String == "new-message" }
            #expect(chunks.count > 1)
            #expect(Set(chunks.compactMap { $0["message_id"] as? String }).count == 1)
            #expect(chunks.compactMap { $0["sequence_number"] as? Int } == Array(1...chunks.count))
            #expect(chunks.dropLast().allSatisfy { $0["stop"] as? Bool == false })
            #expect(chunks.last?["stop"] as? Bool == true)
            #expect(chunks.compactMap { $0["message"] as? String }.joined() == created.fullMessage)
            #expect(created.completion?["message_id"] as? String == chunks.first?["message_id"] as? String)
            #expect(created.fullMessage.contains("How can I help you today?"))
            #expect(created.completion?["conversation_completed"] as? Bool == false)
            // Byte for byte: compact JSON with the documented key order.
            let id = created.conversationID
            #expect(created.rawLines.first == #"{"type":"conversation-created","conversation_id":"\#(id)"}"#)
            #expect(
                created.rawLines.contains {
                    $0.hasPrefix(
                        #"{"type":"new-message","message":"Hi, thanks for contacting","transcript_alignment":null,"#
                            + #""stop":false,"sequence_number":1,"message_id":""#
                    )
                })

            let ask = try await amigo.interact(token, id, "My blender arrived cracked.")
            #expect(ask.status == 200)
            #expect(ask.lines.first?["type"] as? String == "user-message-available")
            #expect(ask.lines.first?["user_message"] as? String == "My blender arrived cracked.")
            #expect(ask.fullMessage.contains("order number"))

            let offer = try await amigo.interact(token, id, "It's ORD-1042.")
            let ticket = try #require(offer.fullMessage.firstMatch(of: /ticket (T-\d{5})/)?.1)
            let issued = try await amigo.interact(token, id, "Yes, please go ahead.")
            #expect(issued.fullMessage.contains("refund has been issued under ticket \(ticket)"))
            let bye = try await amigo.interact(token, id, "That's all, bye!")
            #expect(bye.completion?["conversation_completed"] as? Bool == true)

            // The agent ended the conversation: further interaction is refused, and finishing too.
            let after = try await amigo.interact(token, id, "hello?")
            #expect(after.status == 409)
            #expect(after.detail == "The specified conversation is already finished.")
            #expect(try await amigo.post(token, "conversation/\(id)/finish/").status == 409)
            #expect(server.stats.userMessages[id] == 4)
            #expect(server.stats.requests(.amigoInteract) == 5)
        }
    }

    @Test func userFirstAndExternalEventStarts() async throws {
        try await withSandbox { server, http in
            let amigo = AmigoTestClient(http: http)
            let token = try await amigo.signIn()
            let userFirst = try await amigo.create(
                token, initialMessage: "Where is my order ORD-1042?", type: "user-message")
            #expect(userFirst.status == 201)
            #expect(userFirst.fullMessage.hasPrefix("Here's the status of order ORD-1042"))
            #expect(!userFirst.lines.contains { $0["type"] as? String == "user-message-available" })
            #expect(server.stats.userMessages[userFirst.conversationID] == 1)
            #expect(try await amigo.post(token, "conversation/\(userFirst.conversationID)/finish/").status == 204)

            let event = try await amigo.create(
                token, initialMessage: "customer opened the app from a push notification about order ORD-1042",
                type: "external-event")
            #expect(
                event.fullMessage.hasPrefix("Welcome back! I see you opened our notification about order ORD-1042."))
            #expect(server.stats.userMessages[event.conversationID] == 0)
            let messages = try await amigo.get(
                token, "conversation/\(event.conversationID)/messages/?sort_by=%2Bcreated_at")
            let kinds = (messages.object["messages"] as? [[String: Any]] ?? []).compactMap {
                $0["message_type"] as? String
            }
            #expect(kinds == ["external-event", "agent-message"])
        }
    }

    @Test func interactAcceptsTheMessageAsAFieldOrAFilePart() async throws {
        try await withSandbox { server, http in
            let amigo = AmigoTestClient(http: http)
            let token = try await amigo.signIn()
            let id = try await amigo.create(token).conversationID
            let asField = try await amigo.interact(token, id, "I want a refund", asFile: false)
            #expect(asField.status == 200)
            #expect(asField.lines.first?["user_message"] as? String == "I want a refund")
            #expect(asField.fullMessage.contains("What's your order number?"))
            let asFile = try await amigo.interact(token, id, "ORD-77", asFile: true)
            #expect(asFile.status == 200)
            #expect(asFile.lines.first?["user_message"] as? String == "ORD-77")
            #expect(asFile.fullMessage.contains("I found order ORD-77"))
            #expect(server.stats.userMessages[id] == 2)
        }
    }

    @Test func multipartBodiesAreReadAsAServerReadsThem() async throws {
        try await withSandbox { _, http in
            let amigo = AmigoTestClient(http: http)
            let token = try await amigo.signIn()
            let id = try await amigo.create(token).conversationID
            let path = "/v1/\(amigo.org)/conversation/\(id)/interact?request_format=text&response_format=text"
            func send(_ body: String, boundary: String = "b0und") async throws -> HTTPResult {
                try await http.send(
                    .post, path,
                    headers: amigo.auth(token).merging(["Content-Type": "multipart/form-data; boundary=\(boundary)"]) {
                        $1
                    },
                    body: body)
            }
            // A preamble, a quoted boundary, a value spanning lines and an unnamed part that is ignored.
            let wellFormed =
                "preamble\r\n--b0und\r\nContent-Disposition: form-data; "
                + "name=\"initial_message_type\"\r\n\r\nuser-message\r\n"
                + "--b0und\r\n\r\nno headers\r\n"
                + "--b0und\r\ncontent-disposition: "
                + "form-data;name=\"recorded_message\"\r\n\r\nhello\r\nthere\r\n--b0und--\r\n"
            let accepted = try await send(wellFormed, boundary: "\"b0und\"")
            #expect(accepted.status == 200)
            #expect(accepted.lines.first?["user_message"] as? String == "hello\r\nthere")
            // No closing delimiter: the body is cut short.
            let truncated = try await send(
                "--b0und\r\nContent-Disposition: form-data; name=\"recorded_message\"\r\n\r\nhel")
            #expect(truncated.status == 400)
            // Parts without a name leave the fields missing.
            let nameless = try await send("--b0und\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b0und--\r\n")
            #expect(nameless.status == 422)
            #expect(nameless.text.contains(#""loc":["body","recorded_message"]"#))
        }
    }

    @Test func externalEventsAndSkipsInInteract() async throws {
        try await withSandbox { _, http in
            let amigo = AmigoTestClient(http: http)
            let token = try await amigo.signIn()
            let id = try await amigo.create(token).conversationID
            let withEvent = try await amigo.interact(
                token, id, "I'd like a refund",
                events: [("push notification about order ORD-9", "2024-01-01T10:00:00Z")])
            #expect(withEvent.fullMessage.contains("I found order ORD-9"))
            let skip = try await amigo.interact(token, id, "", type: "skip")
            #expect(skip.status == 200)
            #expect(skip.lines.first?["type"] as? String != "user-message-available")
            #expect(skip.fullMessage.contains("Shall I go ahead with the refund?"))
            let future = try await amigo.interact(token, id, "yes", events: [("later", "2999-01-01T00:00:00Z")])
            #expect(future.status == 400)
            #expect(future.detail == "The timestamps for external event messages are not in the past.")
            let emptySkipViolated = try await amigo.interact(token, id, "text", type: "skip")
            #expect(emptySkipViolated.status == 422)
        }
    }

    @Test func wrongCredentialsAreRefusedTheWayAmigoDoes() async throws {
        try await withSandbox { _, http in
            let c = SandboxCredentials.default
            let org = c.amigoOrganization
            let wrongKey = try await http.send(
                .post, "/v1/\(org)/user/signin_with_api_key",
                headers: ["x-api-key": "nope", "x-api-key-id": c.amigoAPIKeyID, "x-user-id": c.amigoUserID])
            #expect(wrongKey.status == 401)
            #expect(wrongKey.detail == "API key not found, is incorrect, or the requested user is not found.")
            let wrongOrg = try await http.send(
                .post, "/v1/other-org/user/signin_with_api_key",
                headers: ["x-api-key": c.amigoAPIKey, "x-api-key-id": c.amigoAPIKeyID, "x-user-id": c.amigoUserID])
            #expect(wrongOrg.status == 404)
            let missing = try await http.send(
                .post, "/v1/\(org)/user/signin_with_api_key", headers: ["x-api-key": c.amigoAPIKey])
            #expect(missing.status == 422)
            let detail = missing.object["detail"] as? [[String: Any]] ?? []
            #expect(
                detail.compactMap { $0["loc"] as? [String] } == [["header", "x-api-key-id"], ["header", "x-user-id"]])
            #expect(
                detail.allSatisfy { $0["msg"] as? String == "Field required" && $0["type"] as? String == "missing" })

            let noToken = try await http.send(.get, "/v1/\(org)/conversation/")
            #expect(noToken.status == 401)
            #expect(noToken.detail == "Invalid authorization credentials.")
            let badToken = try await http.send(
                .get, "/v1/\(org)/conversation/", headers: ["Authorization": "Bearer not-a-token"])
            #expect(badToken.status == 401)
        }
    }

    @Test func expiredTokensAreRefusedUntilTheClientSignsInAgain() async throws {
        try await withSandbox(SandboxConfiguration()) { server, http in
            let amigo = AmigoTestClient(http: http)
            let token = try await amigo.signIn()
            let signIn = try await http.send(
                .post, "/v1/\(amigo.org)/user/signin_with_api_key",
                headers: [
                    "x-api-key": amigo.credentials.amigoAPIKey, "x-api-key-id": amigo.credentials.amigoAPIKeyID,
                    "x-user-id": amigo.credentials.amigoUserID,
                ])
            let expiresAt = try #require(signIn.object["expires_at"] as? String)
            #expect(expiresAt.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z/) != nil)
            #expect(try await amigo.get(token, "conversation/").status == 200)
            server.expireAmigoTokens()
            #expect(try await amigo.get(token, "conversation/").status == 401)
            let fresh = try await amigo.signIn()
            #expect(try await amigo.get(fresh, "conversation/").status == 200)
            server.expireAmigoTokens()
            #expect(try await amigo.get(fresh, "conversation/").status == 401)
        }
    }

    @Test func basicAuthWithTheTokenAsPasswordIsAccepted() async throws {
        try await withSandbox { _, http in
            let amigo = AmigoTestClient(http: http)
            let token = try await amigo.signIn()
            let user = "\(amigo.org)_\(amigo.credentials.amigoUserID):\(token)"
            let basic = "Basic " + Data(user.utf8).base64EncodedString()
            #expect(
                try await http.send(.get, "/v1/\(amigo.org)/conversation/", headers: ["Authorization": basic]).status
                    == 200)
            let wrongUser = "Basic " + Data("someone_else:\(token)".utf8).base64EncodedString()
            #expect(
                try await http.send(.get, "/v1/\(amigo.org)/conversation/", headers: ["Authorization": wrongUser])
                    .status == 401)
        }
    }

    @Test func oneOpenConversationPerUserAndService() async throws {
        try await withSandbox { _, http in
            let amigo = AmigoTestClient(http: http)
            let token = try await amigo.signIn()
            let first = try await amigo.create(token)
            #expect(first.status == 201)
            let second = try await amigo.create(token)
            #expect(second.status == 400)
            #expect(second.detail == "Attempting to start a conversation when other unfinished conversations exist.")
            #expect(try await amigo.post(token, "conversation/\(first.conversationID)/finish/").status == 204)
            #expect(try await amigo.post(token, "conversation/\(first.conversationID)/finish/").status == 409)
            #expect(try await amigo.create(token).status == 201)
        }
    }

    @Test func aConversationIsBusyWhileItsReplyStreams() async throws {
        // A long latency keeps the first interaction busy while the second client checks, even on a
        // machine busy with the rest of the suite (6 s was once too short). The clients wait longer
        // than that for a first byte.
        let latency = Duration.seconds(12)
        let configuration = SandboxConfiguration(latency: latency, chunkDelay: .milliseconds(10))
        try await withSandbox(configuration, readTimeout: latency * 3) { server, http in
            let amigo = AmigoTestClient(http: http)
            let token = try await amigo.signIn()
            let start = ContinuousClock.now
            let created = try await amigo.create(token)
            #expect(ContinuousClock.now - start >= latency)
            let id = created.conversationID
            try await TestClient.withClient(
                host: "127.0.0.1", port: server.port, configuration: .init(timeout: latency * 3)
            ) { second in
                let other = AmigoTestClient(http: SandboxClient(client: second))
                let interactsBefore = server.stats.requests(.amigoInteract)
                async let slow = amigo.interact(token, id, "I want a refund")
                // Wait until the server has the first interaction, not a fixed time.
                while server.stats.requests(.amigoInteract) == interactsBefore {
                    try await Task.sleep(for: .milliseconds(10))
                }
                let busy = try await other.interact(token, id, "hello")
                #expect(busy.status == 409)
                #expect(busy.detail == "A related operation is in progress.")
                #expect(try await other.post(token, "conversation/\(id)/finish/").status == 409)
                let reply = try await slow
                #expect(reply.status == 200)
                #expect(reply.fullMessage.contains("order number"))
            }
            #expect(server.stats.userMessages[id] == 1)
        }
    }

    @Test func invalidRequestsGet422WithFastAPIDetails() async throws {
        try await withSandbox { _, http in
            let amigo = AmigoTestClient(http: http)
            let token = try await amigo.signIn()
            let noFormat = try await amigo.create(token, query: "")
            #expect(noFormat.status == 422)
            let detail = try #require((noFormat.object["detail"] as? [[String: Any]])?.first)
            #expect(detail["loc"] as? [String] == ["query", "response_format"])
            #expect(detail["msg"] as? String == "Field required")

            let badService = try await http.send(
                .post, "/v1/\(amigo.org)/conversation/?response_format=text",
                headers: amigo.auth(token), body: #"{"service_id":"XYZ"}"#)
            #expect(badService.status == 422)
            #expect(badService.text.contains(#""type":"string_pattern_mismatch","loc":["body","service_id"]"#))
            let notJSON = try await http.send(
                .post, "/v1/\(amigo.org)/conversation/?response_format=text",
                headers: amigo.auth(token), body: "{nope")
            #expect(notJSON.status == 422)
            #expect(
                notJSON.text.contains(#""type":"json_invalid","loc":["body",1],"msg":"JSON decode error""#),
                "\(notJSON.text)")
            #expect(
                notJSON.text.contains(#""ctx":{"error":"Expecting property name enclosed in double quotes"}"#),
                "\(notJSON.text)")
            let cutShort = try await http.send(
                .post, "/v1/\(amigo.org)/conversation/?response_format=text",
                headers: amigo.auth(token), body: #"{"service_id":"a" "#)
            #expect(cutShort.text.contains(#""ctx":{"error":"Expecting ',' delimiter"}"#), "\(cutShort.text)")
            let unknownService = try await http.send(
                .post, "/v1/\(amigo.org)/conversation/?response_format=text",
                headers: amigo.auth(token), body: #"{"service_id":"aaaaaaaaaaaaaaaaaaaaaaaa"}"#)
            #expect(unknownService.status == 404)
            let voice = try await amigo.create(token, query: "response_format=voice")
            #expect(voice.status == 400)
            let badID = try await amigo.interact(token, "not-an-id", "hi")
            #expect(badID.status == 422)
            let unknownConversation = try await amigo.interact(token, "aaaaaaaaaaaaaaaaaaaaaaaa", "hi")
            #expect(unknownConversation.status == 404)
            let notMultipart = try await http.send(
                .post,
                "/v1/\(amigo.org)/conversation/aaaaaaaaaaaaaaaaaaaaaaaa/interact"
                    + "?request_format=text&response_format=text",
                headers: amigo.auth(token), body: "{}")
            #expect(notMultipart.status == 422)
            let brokenMultipart = try await http.send(
                .post,
                "/v1/\(amigo.org)/conversation/aaaaaaaaaaaaaaaaaaaaaaaa/interact"
                    + "?request_format=text&response_format=text",
                headers: amigo.auth(token).merging(["Content-Type": "multipart/form-data; boundary=x"]) { $1 },
                body: "garbage without parts")
            #expect(brokenMultipart.status == 400)
            let unknownPath = try await amigo.get(token, "nothing/here")
            #expect(unknownPath.status == 404)
            #expect(unknownPath.detail == "Not Found")
            let wrongMethod = try await http.send(.delete, "/v1/\(amigo.org)/conversation/", headers: amigo.auth(token))
            #expect(wrongMethod.status == 405)
        }
    }

    @Test func messagesArePaginated() async throws {
        try await withSandbox { _, http in
            let amigo = AmigoTestClient(http: http)
            let token = try await amigo.signIn()
            let id = try await amigo.create(token).conversationID
            for text in ["hello", "where is my order?", "ORD-5"] { _ = try await amigo.interact(token, id, text) }
            // 1 greeting + 3 × (user + agent) = 7 messages.
            var collected: [[String: Any]] = []
            var token_: Int? = 0
            var pages = 0
            while let continuation = token_ {
                let page = try await amigo.get(
                    token,
                    "conversation/\(id)/messages/?limit=3&sort_by=%2Bcreated_at&continuation_token=\(continuation)")
                #expect(page.status == 200)
                let messages = page.object["messages"] as? [[String: Any]] ?? []
                #expect(messages.count <= 3)
                collected += messages
                pages += 1
                token_ = (page.object["has_more"] as? Bool == true) ? page.object["continuation_token"] as? Int : nil
                if pages > 5 { break }
            }
            #expect(pages == 3)
            #expect(collected.count == 7)
            #expect(
                collected.compactMap { $0["message_type"] as? String }
                    == [
                        "agent-message", "user-message", "agent-message", "user-message", "agent-message",
                        "user-message", "agent-message",
                    ])
            #expect(collected[1]["message"] as? String == "hello")
            #expect(Set(collected.compactMap { $0["id"] as? String }).count == 7)

            let newestFirst = try await amigo.get(token, "conversation/\(id)/messages/?limit=1")
            #expect(
                (newestFirst.object["messages"] as? [[String: Any]])?.first?["message_type"] as? String
                    == "agent-message")
            #expect(newestFirst.object["has_more"] as? Bool == true)
            let usersOnly = try await amigo.get(token, "conversation/\(id)/messages/?message_type=user-message")
            #expect((usersOnly.object["messages"] as? [[String: Any]])?.count == 3)
            #expect(usersOnly.object["continuation_token"] is NSNull)
            #expect(try await amigo.get(token, "conversation/\(id)/messages/?limit=0").status == 422)
            #expect(try await amigo.get(token, "conversation/\(id)/messages/?limit=501").status == 422)
            #expect(try await amigo.get(token, "conversation/\(id)/messages/?message_type=bogus").status == 422)
            #expect(try await amigo.get(token, "conversation/\(id)/messages/?sort_by=size").status == 422)
        }
    }

    @Test func conversationsAreListedWithFiltersAndTags() async throws {
        try await withSandbox { _, http in
            let amigo = AmigoTestClient(http: http)
            let token = try await amigo.signIn()
            var ids: [String] = []
            for index in 0..<3 {
                let created = try await amigo.create(token, tags: ["batch": "nightly", "index": "n\(index)"])
                ids.append(created.conversationID)
                if index < 2 {
                    #expect(try await amigo.post(token, "conversation/\(created.conversationID)/finish/").status == 204)
                }
            }
            #expect(
                try await amigo.post(
                    token, "conversation/\(ids[1])/tags/", body: #"{"updates":{"outcome":"refunded"}}"#
                ).status == 204)

            let all = try await amigo.get(token, "conversation/")
            let listed = all.object["conversations"] as? [[String: Any]] ?? []
            #expect(listed.compactMap { $0["id"] as? String } == ids.reversed())
            #expect(listed.first?["is_finished"] as? Bool == false)
            #expect((listed.first?["tags"] as? [String: Any])?["batch"] as? String == "nightly")

            let tagged = try await amigo.get(token, "conversation/?tag=outcome:refunded")
            #expect(
                (tagged.object["conversations"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[1]])
            let anyValue = try await amigo.get(token, "conversation/?tag=index:*&is_finished=true")
            #expect((anyValue.object["conversations"] as? [[String: Any]])?.count == 2)
            let open = try await amigo.get(
                token, "conversation/?is_finished=false&service_id=\(amigo.credentials.amigoServiceID)")
            #expect((open.object["conversations"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[2]])
            let paged = try await amigo.get(token, "conversation/?limit=2")
            #expect(paged.object["has_more"] as? Bool == true)
            #expect(paged.object["continuation_token"] as? Int == 2)
            #expect(try await amigo.get(token, "conversation/?tag=novalue").status == 422)
            #expect(try await amigo.get(token, "conversation/?is_finished=perhaps").status == 422)
        }
    }

    @Test func tagsAreValidatedAndLimitedToTwenty() async throws {
        try await withSandbox { _, http in
            let amigo = AmigoTestClient(http: http)
            let token = try await amigo.signIn()
            let id = try await amigo.create(token).conversationID
            let twenty = (1...20).map { "\"k\($0)\":\"v\($0)\"" }.joined(separator: ",")
            #expect(
                try await amigo.post(token, "conversation/\(id)/tags/", body: "{\"updates\":{\(twenty)}}").status == 204
            )
            let oneMore = try await amigo.post(token, "conversation/\(id)/tags/", body: #"{"updates":{"extra":"x"}}"#)
            #expect(oneMore.status == 400)
            #expect(oneMore.detail == "The conversation cannot contain more than 20 tags.")
            // Deleting one makes room in the same request.
            #expect(
                try await amigo.post(
                    token, "conversation/\(id)/tags/", body: #"{"updates":{"extra":null},"deletes":["k1"]}"#
                ).status == 204)
            let tooMany = (1...21).map { "\"t\($0)\":\"v\")" }.joined(separator: ",")
            #expect(
                try await amigo.post(token, "conversation/\(id)/tags/", body: "{\"updates\":{\(tooMany)}}").status
                    == 422)
            let badKey = try await amigo.post(token, "conversation/\(id)/tags/", body: #"{"updates":{"bad-key!":"x"}}"#)
            #expect(badKey.status == 422)
            #expect(badKey.text.contains("string_pattern_mismatch"))
            let badValue = try await amigo.post(
                token, "conversation/\(id)/tags/", body: #"{"updates":{"ticket":"T-123"}}"#)
            #expect(badValue.status == 422)
            #expect(try await amigo.post(token, "conversation/\(id)/tags/", body: #"{"deletes":"k2"}"#).status == 422)

            let listed = try await amigo.get(token, "conversation/?id=\(id)")
            let tags = (listed.object["conversations"] as? [[String: Any]])?.first?["tags"] as? [String: Any] ?? [:]
            #expect(tags.count == 20)
            #expect(tags["k1"] == nil)
            #expect(tags["extra"] is NSNull)
        }
    }

    @Test func recommendationsOnlyForTheLatestCompletedInteraction() async throws {
        try await withSandbox { _, http in
            let amigo = AmigoTestClient(http: http)
            let token = try await amigo.signIn()
            let created = try await amigo.create(token)
            let id = created.conversationID
            let first = created.interactionID
            let context =
                "PERSONA:\nName: Dana Ortiz\nVariables:\n- order_id: ORD-1042\n---\nSCENARIO:\nObjective: Get a "
                + "refund for the cracked blender.\n"
            let body = String(decoding: try JSONSerialization.data(withJSONObject: ["context": context]), as: UTF8.self)
            let start = try await amigo.post(
                token, "conversation/\(id)/interaction/\(first)/recommend_responses", body: body)
            #expect(start.status == 200)
            let candidates = start.object["recommended_responses"] as? [String] ?? []
            #expect(candidates.count >= 3)
            #expect(
                candidates.allSatisfy { $0.lowercased().contains("refund") || $0.lowercased().contains("money back") })

            let next = try await amigo.interact(token, id, candidates[0])
            let stale = try await amigo.post(
                token, "conversation/\(id)/interaction/\(first)/recommend_responses", body: body)
            #expect(stale.status == 400)
            #expect(
                stale.detail
                    == "The conversation is finished, or the supplied interaction ID doesn't correspond to the "
                    + "latest, completed interaction."
            )
            let latest = try await amigo.post(
                token, "conversation/\(id)/interaction/\(next.interactionID)/recommend_responses", body: body)
            #expect(
                (latest.object["recommended_responses"] as? [String])?.first == "Yes, please go ahead with the refund.")
            // Without a body the default persona is used.
            let defaults = try await amigo.post(
                token, "conversation/\(id)/interaction/\(next.interactionID)/recommend_responses")
            #expect(defaults.status == 200)
            #expect(
                try await amigo.post(
                    token, "conversation/\(id)/interaction/\(next.interactionID)/recommend_responses",
                    body: #"{"context":"  "}"#
                ).status == 422)
            #expect(try await amigo.post(token, "conversation/\(id)/finish/").status == 204)
            let finished = try await amigo.post(
                token, "conversation/\(id)/interaction/\(next.interactionID)/recommend_responses", body: body)
            #expect(finished.status == 400)
        }
    }

    @Test func insightsReportTheAgentsState() async throws {
        try await withSandbox { _, http in
            let amigo = AmigoTestClient(http: http)
            let token = try await amigo.signIn()
            let created = try await amigo.create(token)
            let id = created.conversationID
            let greeting = try await amigo.get(
                token, "conversation/\(id)/interaction/\(created.interactionID)/insights")
            #expect(greeting.status == 200)
            #expect(greeting.object["current_state_name"] as? String == "greeting")
            let reply = try await amigo.interact(token, id, "I'd like a refund for ORD-1042, it's cracked")
            let insights = try await amigo.get(token, "conversation/\(id)/interaction/\(reply.interactionID)/insights")
            #expect(insights.object["current_state_name"] as? String == "refund_offer")
            #expect(
                insights.object["current_state_action"] as? String
                    == "Open a ticket and offer a full refund or a replacement.")
            #expect(
                insights.object["current_state_objective"] as? String
                    == "Agree with the customer on a refund or a replacement.")
            let logs = insights.object["state_transition_logs"] as? [[String: Any]] ?? []
            #expect(logs.first?["previous_state"] as? String == "greeting")
            #expect(logs.first?["next_state"] as? String == "refund_offer")
            let memory = insights.object["working_memory"] as? [[String: Any]] ?? []
            #expect(memory.first?["content"] as? String == "order_id: ORD-1042")
            // Earlier interactions keep their own state.
            let again = try await amigo.get(token, "conversation/\(id)/interaction/\(created.interactionID)/insights")
            #expect(again.object["current_state_name"] as? String == "greeting")
            #expect(
                try await amigo.get(token, "conversation/\(id)/interaction/aaaaaaaaaaaaaaaaaaaaaaaa/insights").status
                    == 404)
            // Agent actions can be filtered out of the stream, or down to some types.
            let quiet = try await amigo.interact(token, id, "no", query: "&current_agent_action_type=%5E%24")
            #expect(!quiet.lines.contains { $0["type"] as? String == "current-agent-action" })
            let some = try await amigo.interact(
                token, id, "I want a refund after all", query: "&current_agent_action_type=transitioned")
            let actions = some.lines.filter { $0["type"] as? String == "current-agent-action" }
            #expect(!actions.isEmpty)
            #expect(
                actions.allSatisfy {
                    ($0["action"] as? [String: Any])?["type"] as? String == "navigate-state-machine-state-transitioned"
                })
        }
    }

    @Test func rateLimitHeadersOnEveryResponseAnd429WhenExceeded() async throws {
        try await withSandbox { _, http in
            let refused = try await http.send(.get, "/v1/parley-sandbox/conversation/")
            #expect(refused.status == 401)
            #expect(refused.header("X-RateLimit-Limit") == "1000000")
            #expect(refused.header("X-RateLimit-Remaining") == "999999")
            #expect((Int(refused.header("X-RateLimit-Reset") ?? "") ?? 0) > Int(Date().timeIntervalSince1970))
        }
        try await withSandbox(SandboxConfiguration(rateLimits: .documented)) { _, http in
            let amigo = AmigoTestClient(http: http)
            let c = amigo.credentials
            var statuses: [Int] = []
            var last: HTTPResult?
            for _ in 0..<6 {
                last = try await http.send(
                    .post, "/v1/\(amigo.org)/user/signin_with_api_key",
                    headers: ["x-api-key": c.amigoAPIKey, "x-api-key-id": c.amigoAPIKeyID, "x-user-id": c.amigoUserID])
                statuses.append(last?.status ?? 0)
            }
            #expect(statuses == [200, 200, 200, 200, 200, 429])
            let tooMany = try #require(last)
            #expect(
                tooMany.detail == "The user has exceeded the rate limit of 5 requests per minute for this endpoint.")
            #expect(tooMany.header("X-RateLimit-Limit") == "5")
            #expect(tooMany.header("X-RateLimit-Remaining") == "0")
            let retryAfter = try #require(tooMany.header("Retry-After").flatMap(Int.init))
            #expect((1...60).contains(retryAfter))
        }
        try await withSandbox(SandboxConfiguration(rateLimits: .documented(scale: 0.2))) { server, http in
            // Each endpoint has its own budget: signing in used up sign-in's, not the list's.
            let amigo = AmigoTestClient(http: http)
            let token = try await amigo.signIn()
            let list = try await amigo.get(token, "conversation/")
            #expect(list.status == 200)
            #expect(list.header("X-RateLimit-Limit") == "3")
            #expect(list.header("X-RateLimit-Remaining") == "2")
            let id = try await amigo.create(token).conversationID
            var statuses: [Int] = []
            for _ in 0..<4 { statuses.append(try await amigo.interact(token, id, "hello").status) }
            #expect(statuses == [200, 200, 200, 429])
            // A refused message never reached the agent.
            #expect(server.stats.userMessages[id] == 3)
        }
    }
}
