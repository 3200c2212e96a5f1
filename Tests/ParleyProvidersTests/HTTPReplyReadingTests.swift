import Foundation
import Testing
@testable import ParleyProviders
import ParleyFlow
import ParleyHTTP
import ParleyJSON
import ParleyRun

/// How `provider: http` uses paths: extraction, conditions, stream and poll readers.
@Suite struct HTTPReplyReadingTests {
    static let document: JSONValue = [
        "reply": ["text": "Hello", "id": 7],
        "messages": [["text": "first", "echo": true], ["text": "second"], ["text": "third", "done": nil]],
    ]

    @Test func extractedValuesAreTextAndSeveralAreJoinedWithCommas() throws {
        let ids = Extraction(
            name: "ids", path: try JSONPath(parsing: "$.messages[*].text"),
            location: SourceLocation(file: "t", line: 1, column: 1))
        #expect(ids.value(in: Self.document) == "first,second,third")
        let object = Extraction(name: "reply", path: try JSONPath(parsing: "$.reply"), location: ids.location)
        #expect(object.value(in: Self.document) == #"{"text":"Hello","id":7}"#)
        let none = Extraction(name: "none", path: try JSONPath(parsing: "$.messages[2].done"), location: ids.location)
        #expect(none.value(in: Self.document) == nil, "null is no value")
        let list = Extraction(name: "text", path: try JSONPath(parsing: "$.messages[0]"), location: ids.location)
        #expect(list.texts(in: ["messages": [["a", "b"]]]) == ["a", "b"], "a path to a list of texts gives each text")
    }

    @Test func valuesComeFromHeadersAndAreNarrowedByAPattern() throws {
        let location = SourceLocation(file: "t", line: 1, column: 1)
        let lastSegment = try RegexPattern(source: Template(literal: "/([^/]+)$", location: location), flags: "")
        let id = Extraction(name: "id", source: .header("location"), pattern: lastSegment, location: location)
        let headers: HTTPHeaders = ["Location": "/webchat/v1/conversations/wcc_42", "Content-Length": "0"]
        #expect(id.value(in: nil, headers: headers) == "wcc_42", "header names are case-insensitive")
        #expect(id.value(in: Self.document) == nil, "a header extraction finds nothing in a body")
        #expect(id.value(in: nil, headers: ["Location": "no-slash"]) == nil, "a value the pattern misses is nothing")
        #expect(!id.readsBody)
        #expect(id.summary == "header location matching `/([^/]+)$`")
        let wholeMatch = try RegexPattern(source: Template(literal: "\\d+", location: location), flags: "")
        let number = Extraction(
            name: "n", source: .path(try JSONPath(parsing: "$.reply.text")), pattern: wholeMatch, location: location)
        #expect(number.value(in: ["reply": ["text": "ticket 1234 opened"]]) == "1234", "no group: the whole match")
    }

    static let numbers = #"{"id":12345678901234567890,"n":9007199254740993,"price":10.50,"ids":[9007199254740993,1]}"#

    @Test func extractedNumbersKeepEveryDigit() throws {
        let document = try JSONValue(parsing: Self.numbers)
        let location = SourceLocation(file: "t", line: 1, column: 1)
        func value(_ path: String) throws -> String? {
            Extraction(name: "v", path: try JSONPath(parsing: path), location: location).value(in: document)
        }
        #expect(try value("$.id") == "12345678901234567890")
        #expect(try value("$.n") == "9007199254740993")
        #expect(try value("$.price") == "10.50", "as the agent wrote it")
        #expect(try value("$.ids") == "[9007199254740993,1]")
        #expect(try value("$.ids[*]") == "9007199254740993,1")
    }

    @Test(
        arguments: [
            ("$.n", "9007199254740993", true), ("$.n", "9007199254740992", false),
            ("$.id", "12345678901234567890", true), ("$.id", "12345678901234567891", false),
            ("$.price", "10.5", true), ("$.price", "10.50", true), ("$.price", "1.05e1", true),
            ("$.ids[*]", "1.0", true), ("$.price", "10.5 ", false), ("$.price", "ten", false),
        ] as [(String, String, Bool)])
    func conditionsCompareNumbersByExactValue(path: String, wanted: String, holds: Bool) throws {
        let location = SourceLocation(file: "t", line: 1, column: 1)
        let scope = VariableScope(persona: nil, scenario: nil, environment: [:])
        let document = try JSONValue(parsing: Self.numbers)
        let condition = ReplyCondition.test(
            try JSONPath(parsing: path), .equals(Template(literal: wanted, location: location)))
        #expect(try condition.holds(on: document, scope: scope) == holds)
        let oneOf = ReplyCondition.test(
            try JSONPath(parsing: path), .oneOf([Template(literal: wanted, location: location)]))
        #expect(try oneOf.holds(on: document, scope: scope) == holds)
    }
}

/// The reply state machines, without sockets.
@Suite struct ReplyCollectorTests {
    static let location = SourceLocation(file: "t", line: 1, column: 1)
    static let scope = VariableScope(persona: nil, scenario: nil, environment: [:])

    static func path(_ text: String) -> JSONPath { JSONPath(root: text) }
    static func equals(_ path: String, _ value: String) -> ReplyCondition {
        .test(Self.path(path), .equals(Template(literal: value, location: location)))
    }

    @Test func pollingSkipsEchoesCollectsTextsAndStopsAtTheReadyMessage() throws {
        let spec = PollReply(
            request: RequestTemplate(
                method: .post, target: .path(Template(literal: "/poll", location: Self.location)), headers: [],
                query: [],
                body: nil, location: Self.location),
            every: .milliseconds(10), maxEvery: .milliseconds(20),
            reading: MessageReading(
                messages: Self.path("$[*]"),
                text: Extraction(name: "text", path: Self.path("$.text"), location: Self.location),
                skip: [Self.equals("$.echo", "true")], until: Self.equals("$.type", "ready"),
                signals: ReplySignals(
                    completed: Self.equals("$.type", "closed"),
                    events: [("escalation", Self.equals("$.type", "handoff"))])),
            extract: [])
        var collector = PollReplyCollector(spec: spec.reading)
        let now = ContinuousClock.now
        #expect(
            try collector.consume(
                [["type": "text", "text": "Where is my order?", "echo": true]], at: now, scope: Self.scope) == 0)
        #expect(collector.messages.isEmpty && !collector.finished)
        let answer: JSONValue = [
            ["type": "text", "text": "One moment."], ["type": "handoff", "text": "Transferring."],
            ["type": "ready", "text": nil], ["type": "text", "text": "next turn"],
        ]
        #expect(try collector.consume(collector.messages(in: answer), at: now, scope: Self.scope) == 3)
        #expect(collector.finished)
        #expect(
            collector.messages == ["One moment.", "Transferring."],
            "text after the ready message belongs to the next turn")
        #expect(collector.events.map(\.kind) == ["escalation"])
        #expect(!collector.completed)
        #expect(collector.firstText == now)
    }

    @Test func aClosedMessageFinishesAPolledReplyAsCompleted() throws {
        let spec = PollReply(
            request: RequestTemplate(
                method: .get, target: .path(Template(literal: "/p", location: Self.location)), headers: [], query: [],
                body: nil, location: Self.location),
            every: .milliseconds(10), maxEvery: .milliseconds(10),
            reading: MessageReading(
                messages: Self.path("$.items"),
                text: Extraction(name: "text", path: Self.path("$.body.text"), location: Self.location), skip: [],
                until: Self.equals("$.turn.complete", "true"),
                signals: ReplySignals(completed: Self.equals("$.kind", "closed"))),
            extract: [])
        var collector = PollReplyCollector(spec: spec.reading)
        let answer: JSONValue = ["items": [["kind": "message", "body": ["text": "Goodbye!"]], ["kind": "closed"]]]
        _ = try collector.consume(collector.messages(in: answer), at: .now, scope: Self.scope)
        #expect(collector.finished && collector.completed)
        #expect(collector.messages == ["Goodbye!"])
    }

    @Test func anSSEStreamJoinsPiecesAndEndsAtDone() throws {
        let spec = StreamReply(
            format: .sse,
            text: Extraction(name: "text", path: Self.path("$.choices[0].delta.content"), location: Self.location),
            done: nil, signals: ReplySignals())
        var collector = StreamReplyCollector(
            spec: spec, extract: [Extraction(name: "id", path: Self.path("$.id"), location: Self.location)])
        let lines = [
            #"data: {"id":"c1","choices":[{"delta":{"role":"assistant","content":""}}]}"#, "",
            #"data: {"id":"c1","choices":[{"delta":{"content":"Hello "}}]}"#, "", ": keep-alive", "",
            #"data: {"id":"c1","choices":[{"delta":{"content":"there"}}]}"#, "", "data: [DONE]", "",
        ]
        let start = ContinuousClock.now
        var finished = false
        for (index, line) in lines.enumerated() where !finished {
            finished = try collector.consume(Array(line.utf8), at: start + .milliseconds(index), scope: Self.scope)
        }
        #expect(finished && collector.done)
        #expect(collector.text == "Hello there")
        #expect(collector.extracted == ["id": "c1"])
        #expect(collector.firstPiece == start + .milliseconds(2), "the empty first piece is not the first token")
    }

    @Test func anNDJSONStreamStopsAtItsDoneConditionAndRefusesALineThatIsNotJSON() throws {
        let spec = StreamReply(
            format: .ndjson, text: Extraction(name: "text", path: Self.path("$.delta"), location: Self.location),
            done: Self.equals("$.type", "done"), signals: ReplySignals())
        var collector = StreamReplyCollector(spec: spec, extract: [])
        #expect(
            try collector.consume(Array(#"{"type":"delta","delta":"Hi"}"#.utf8), at: .now, scope: Self.scope) == false)
        #expect(try collector.consume([], at: .now, scope: Self.scope) == false)
        #expect(try collector.consume(Array(#"{"type":"done"}"#.utf8), at: .now, scope: Self.scope) == true)
        #expect(collector.text == "Hi")
        var broken = StreamReplyCollector(spec: spec, extract: [])
        #expect(throws: StreamReplyCollector.Problem.self) {
            _ = try broken.consume(Array("not json".utf8), at: .now, scope: Self.scope)
        }
    }

    @Test func serverSentEventNamesSkipAndEndAStreamOfMessages() throws {
        let event = { (name: String) in ReplyCondition.event([Template(literal: name, location: Self.location)]) }
        let spec = StreamReply(
            format: .sse, text: Extraction(name: "text", path: Self.path("$.text"), location: Self.location),
            eventText: .message, done: event("done"), skip: [event("ping")],
            signals: ReplySignals(completed: event("closed"), events: [("escalation", event("handoff"))]))
        var collector = StreamReplyCollector(spec: spec, extract: [])
        let lines = [
            "event: ping", "data: keep-alive", "",
            "event: message", #"data: {"text":"Done! Your refund has been issued."}"#, "",
            #"data: {"text":"Is there anything else?"}"#, "",
            "event: handoff", "data: {}", "",
            "event: closed", #"data: {"reason":"agent_ended"}"#, "",
            "event: done", "data: [END]", "",
            "event: message", #"data: {"text":"after the end"}"#, "",
        ]
        var finished = false
        for line in lines where !finished {
            finished = try collector.consume(Array(line.utf8), at: .now, scope: Self.scope)
        }
        #expect(finished)
        #expect(collector.messages == ["Done! Your refund has been issued.", "Is there anything else?"])
        #expect(collector.completed)
        #expect(collector.events.map(\.kind) == ["escalation"])

        var unnamed = StreamReplyCollector(spec: spec, extract: [])
        #expect(throws: StreamReplyCollector.Problem.self, "data that is not JSON, in an event no name decides") {
            _ = try unnamed.consume(Array("event: message".utf8), at: .now, scope: Self.scope)
            _ = try unnamed.consume(Array("data: [END]".utf8), at: .now, scope: Self.scope)
            _ = try unnamed.consume([], at: .now, scope: Self.scope)
        }
    }

    @Test func conditionsCompareAsTextAndCombine() throws {
        let message: JSONValue = ["ready": true, "type": "OutboundAmeliaReadyMessage", "count": 2, "none": nil]
        let inList = ReplyCondition.test(
            Self.path("$.type"),
            .oneOf([
                Template(literal: "A", location: Self.location),
                Template(literal: "OutboundAmeliaReadyMessage", location: Self.location),
            ]))
        #expect(try Self.equals("$.ready", "true").holds(on: message, scope: Self.scope))
        #expect(try Self.equals("$.count", "2").holds(on: message, scope: Self.scope))
        #expect(try inList.holds(on: message, scope: Self.scope))
        #expect(
            try ReplyCondition.test(Self.path("$.none"), .exists(false)).holds(on: message, scope: Self.scope),
            "null does not exist")
        #expect(try ReplyCondition.test(Self.path("$.type"), .exists(true)).holds(on: message, scope: Self.scope))
        #expect(
            try ReplyCondition.all([Self.equals("$.ready", "true"), Self.equals("$.count", "3")]).holds(
                on: message, scope: Self.scope) == false)
        #expect(
            try ReplyCondition.any([Self.equals("$.ready", "false"), Self.equals("$.count", "2")]).holds(
                on: message, scope: Self.scope))
    }
}
