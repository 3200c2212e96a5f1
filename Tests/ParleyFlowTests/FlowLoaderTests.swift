import Foundation
import Synchronization
import Testing
import ParleyFlow
import ParleyYAML
import ParleyTestSupport

@Suite struct FlowLoaderTests {
    @Test func aFullFlowLoadsWithEveryField() throws {
        let f = try flow(
            """
            flow: refund-damaged-item
            description: A customer with a cracked blender gets a refund.
            tags: [regression, refunds]
            persona:
              name: Dana Ortiz
              background: Busy parent.
              variables: { order_id: ORD-1042 }
            scenario:
              name: Refund
              objective: Get a full refund.
              instructions: Be polite.
            turn_timeout: 5s
            timeout: 2m
            steps:
              - expect: /how can I help/i
              - send: My blender arrived cracked.
              - expect: { pattern: /order (number|id)/i, within: 5s }
              - send: It's ${persona.order_id}.
              - expect: { any: [/refund/i, /replace/i], capture: { ticket: /ticket (T-\\d+)/ } }
              - recommend: {}
              - simulate: { until: /refund (has been|was) issued/i, max_turns: 6 }
              - expect_not: /can't help/i
              - insights: { state: /refund/ }
              - tag: { set: { outcome: refunded }, remove: [triage] }
              - wait: 10ms
              - set: { note: done }
              - event: customer opened the app
              - end: {}
            """)
        #expect(f.name == "refund-damaged-item")
        #expect(f.tags == ["regression", "refunds"])
        #expect(f.personas.first?.value(of: "order_id") == "ORD-1042")
        #expect(f.scenario?.objective == "Get a full refund.")
        #expect(f.turnTimeout == .seconds(5))
        #expect(f.timeout == .seconds(120))
        #expect(
            f.steps.map(\.kind) == [
                .expect, .send, .expect, .send, .expect, .recommend, .simulate, .expectNot, .insights, .tag, .wait,
                .set, .event, .end,
            ])
        #expect(f.steps[2].location == SourceLocation(file: "test.yaml", line: 17, column: 5))
        #expect(f.opening == .agentFirst)
    }

    @Test func aSourceLineIsFoundWhateverTheLineEnds() {
        let sink = DiagnosticSink()
        sink.register(file: "crlf.yaml", text: "flow: a\r\nsteps:\r\n  - sned: hi\r\n")
        sink.register(file: "lf.yaml", text: "flow: a\nsteps:\n  - sned: hi\n")
        for file in ["crlf.yaml", "lf.yaml"] {
            #expect(sink.lineText(file: file, line: 3) == "  - sned: hi", "\(file)")
            #expect(sink.lineText(file: file, line: 1) == "flow: a", "\(file)")
            #expect(sink.lineText(file: file, line: 5) == nil, "\(file)")
        }
    }

    @Test func theFlowNameDefaultsToTheFileName() throws {
        let result = FlowLoader(environment: [:]).load(text: "steps:\n  - send: hi\n", file: "flows/order-status.yaml")
        #expect(result.flows.first?.name == "order-status")
    }

    @Test func openingFollowsTheFirstStepThatTalks() throws {
        #expect(try flow("steps:\n  - set: { a: b }\n  - send: hi\n").opening == .userFirst)
        #expect(try flow("steps:\n  - event: app opened\n").opening == .eventFirst)
        #expect(try flow("steps:\n  - wait: 1s\n  - expect: hi\n").opening == .agentFirst)
    }

    @Test func matcherForms() throws {
        let scope = VariableScope(persona: nil, scenario: nil, environment: [:], locals: ["order": "ORD-1"])
        let f = try flow(
            """
            steps:
              - set: { order: x }
              - expect: /Refund (has been|was) issued/i
              - expect: refund issued
              - expect: { regex: "T-\\\\d+" }
              - expect: { equals: "Hello there" }
              - expect: { all: [hello, /there/] }
              - expect: { any: [nope, /there$/] }
              - expect: "order ${order}"
            """)
        func matcher(_ i: Int) -> Matcher {
            guard case .expect(let e) = f.steps[i].action else { fatalError("step \(i) is not expect") }
            return e.matcher
        }
        #expect(try matcher(1).matches("Your refund HAS BEEN issued", scope: scope))
        #expect(try !matcher(1).matches("no refund", scope: scope))
        #expect(try matcher(2).matches("The REFUND ISSUED today", scope: scope))
        #expect(try matcher(3).matches("ticket T-42", scope: scope))
        #expect(try matcher(4).matches("  Hello there \n", scope: scope))
        #expect(try !matcher(4).matches("hello there", scope: scope))
        #expect(try matcher(5).matches("hello over there", scope: scope))
        #expect(try !matcher(5).matches("hello", scope: scope))
        #expect(try matcher(6).matches("over there", scope: scope))
        #expect(try matcher(7).matches("your order ORD-1 shipped", scope: scope))
    }

    @Test func interpolatedRegexValuesAreMatchedLiterally() throws {
        let f = try flow("steps:\n  - set: { amount: \"$5.00 (USD)\" }\n  - expect: \"/total: ${amount}/\"\n")
        guard case .expect(let e) = f.steps[1].action else {
            Issue.record("not expect")
            return
        }
        let scope = VariableScope(persona: nil, scenario: nil, environment: [:], locals: ["amount": "$5.00 (USD)"])
        #expect(try e.matcher.matches("total: $5.00 (USD)", scope: scope))
        #expect(try !e.matcher.matches("total: $5x00 (USD)", scope: scope))
    }

    @Test func includesExpandInPlaceAndKeepTheirOwnLocations() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parley-include-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/_steps", withIntermediateDirectories: true)
        try "- send: shared hello\n- expect: hi\n".write(
            toFile: dir + "/_steps/greet.yaml", atomically: true, encoding: .utf8)
        try "steps:\n  - include: _steps/greet.yaml\n  - send: after\n".write(
            toFile: dir + "/main.yaml", atomically: true, encoding: .utf8)
        let result = FlowLoader(environment: [:]).load(paths: [dir])
        #expect(result.diagnostics.isEmpty)
        let f = try #require(result.flows.first)
        #expect(result.flows.count == 1, "files in _steps are not flows")
        #expect(f.steps.map(\.kind) == [.send, .expect, .send])
        #expect(f.steps[0].location.file.hasSuffix("_steps/greet.yaml"))
        #expect(f.steps[2].location.file.hasSuffix("main.yaml"))
    }

    @Test func personasExpandFromFilesAndInline() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parley-personas-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/_personas", withIntermediateDirectories: true)
        try "name: Sam Lee\nvariables: { order_id: ORD-7 }\n".write(
            toFile: dir + "/_personas/sam.yaml", atomically: true, encoding: .utf8)
        try """
        personas:
          - _personas/sam.yaml
          - { name: Dana, variables: { order_id: ORD-1 } }
        steps:
          - send: order ${persona.order_id}
        """.write(toFile: dir + "/flow.yaml", atomically: true, encoding: .utf8)
        let result = FlowLoader(environment: [:]).load(paths: [dir + "/flow.yaml"])
        #expect(result.diagnostics.isEmpty)
        #expect(result.flows.first?.personas.map(\.name) == ["Sam Lee", "Dana"])
    }

    @Test func duplicateFlowNamesAcrossFilesAreErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parley-dup-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "flow: same\nsteps:\n  - send: a\n".write(toFile: dir + "/a.yaml", atomically: true, encoding: .utf8)
        try "flow: same\nsteps:\n  - send: b\n".write(toFile: dir + "/b.yaml", atomically: true, encoding: .utf8)
        let result = FlowLoader(environment: [:]).load(paths: [dir])
        #expect(result.diagnostics.map(\.message) == ["flow name `same` is already used by \(dir)/a.yaml:1"])
    }

    @Test func aLargeSuiteLoadsInFileOrderWithEveryProblemReported() throws {
        // Enough files for the loader to read them on several threads, several batches at a time.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parley-many-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/_steps", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "- send: shared\n".write(toFile: dir + "/_steps/common.yaml", atomically: true, encoding: .utf8)
        let count = 700
        for index in 0..<count {
            let name = index == 650 ? "flow-0007" : String(format: "flow-%04d", index)
            let text =
                index % 97 == 5
                ? "flow: \(name)\nsteps:\n  - sned: typo\n"
                : "flow: \(name)\nsteps:\n  - include: _steps/common.yaml\n  - send: message \(index)\n"
            try text.write(toFile: dir + String(format: "/f%04d.yaml", index), atomically: true, encoding: .utf8)
        }
        var order: [String] = []
        // The flows are handed on while later files are read, but never on two threads at once.
        let inside = Atomic<Int>(0)
        var overlapped = 0
        let diagnostics = FlowLoader(environment: [:]).load(paths: [dir]) { flow in
            if inside.add(1, ordering: .sequentiallyConsistent).newValue != 1 { overlapped += 1 }
            if order.count % 50 == 0 { usleep(2_000) }
            order.append(flow.name)
            inside.subtract(1, ordering: .sequentiallyConsistent)
        }
        #expect(overlapped == 0)
        let broken = (0..<count).filter { $0 % 97 == 5 }
        let expected = (0..<count).filter { !broken.contains($0) && $0 != 650 }.map { String(format: "flow-%04d", $0) }
        #expect(order == expected)
        #expect(diagnostics.count == broken.count + 1, "\(diagnostics.map(\.description))")
        // Sorted by file, whichever thread found them.
        #expect(
            diagnostics.map(\.location.file)
                == (broken + [650]).sorted().map { dir + String(format: "/f%04d.yaml", $0) })
        #expect(
            diagnostics.filter { $0.message.contains("already used") }.map(\.message) == [
                "flow name `flow-0007` is already used by \(dir)/f0007.yaml:1"
            ])
    }

    @Test(arguments: ["a: 1\nzz: 2\nb: 3\n", "zz: 2\na: 1\nb: 3\n", "a: 1\nb: 3\nzz: 2\n", "a: 1\nb: 3\n"])
    func aMappingReaderKeepsItsKnownKeysWhereverTheUnknownOnesAre(_ text: String) throws {
        let node = try #require(try YAMLParser.parse(text, file: "m.yaml"))
        let sink = DiagnosticSink()
        let map = try #require(NodeReader(sink: sink).mapping(node, for: "a test", keys: ["a", "b"]))
        #expect(map.int("a") == 1)
        #expect(map.int("b") == 3)
        #expect(!map.has("zz"))
        #expect(map.keyLocation("b")?.line == text.split(separator: "\n").firstIndex { $0.hasPrefix("b:") }! + 1)
        let unknown = text.contains("zz") ? ["unknown key `zz` in a test"] : []
        #expect(sink.diagnostics.map(\.message) == unknown)
    }

    @Test func aMissingPathIsReported() {
        let result = FlowLoader(environment: [:]).load(paths: ["/nonexistent/flows"])
        #expect(result.diagnostics.map(\.message) == ["no such file or folder"])
    }

    @Test func garbageBytesNeverCrashTheLoader() {
        var generator = SeededRandom(seed: 1)
        for _ in 0..<300 {
            let length = Int(generator.next() % 200)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let text = String(decoding: bytes, as: UTF8.self)
            let result = FlowLoader(environment: [:]).load(text: text, file: "garbage.yaml")
            #expect(result.hasErrors || !result.flows.isEmpty)
        }
    }

    @Test func durationsParseAndFormat() {
        #expect(DurationText.parse("30s") == .seconds(30))
        #expect(DurationText.parse("500ms") == .milliseconds(500))
        #expect(DurationText.parse("1.5s") == .milliseconds(1500))
        #expect(DurationText.parse("2m") == .seconds(120))
        #expect(DurationText.parse("1m30s") == .seconds(90))
        #expect(DurationText.parse("45") == .seconds(45))
        #expect(DurationText.parse("soon") == nil)
        #expect(DurationText.parse("-3s") == nil)
        #expect(DurationText.format(.milliseconds(250)) == "250ms")
        #expect(DurationText.format(.milliseconds(1500)) == "1.5s")
        #expect(DurationText.format(.seconds(90)) == "1m30s")
    }

    @Test func suggestionsFindNearWords() {
        #expect(Suggestion.nearest(to: "expct", in: StepKind.allCases.map(\.rawValue)) == "expect")
        #expect(Suggestion.nearest(to: "sned", in: ["send", "set", "end"]) == "send")
        #expect(Suggestion.nearest(to: "xyzzy", in: ["send", "expect"]) == nil)
        #expect(Suggestion.nearest(to: "capture_as", in: ["capture", "within"]) == "capture")
    }

    @Test func templatesEscapeDollarSigns() throws {
        let f = try flow("steps:\n  - send: \"costs $$5 and $${not_a_var}\"\n")
        guard case .send(let t) = f.steps[0].action else {
            Issue.record("not send")
            return
        }
        #expect(
            try t.render(VariableScope(persona: nil, scenario: nil, environment: [:])) == "costs $5 and ${not_a_var}")
    }

    @Test func placeholdersAfterTextInAnyScriptAreFoundAndLocatedByCharacter() throws {
        // Placeholders are found by byte; their columns count characters, as the line shows them.
        let f = try flow(
            "steps:\n  - set: { who: Zoë }\n  - send: \"Grüße 👋🏽 ${who}, $${x} ${env.HOME_ZONE}!\"\n",
            environment: ["HOME_ZONE": "CET"])
        guard case .send(let t) = f.steps[1].action else {
            Issue.record("not send")
            return
        }
        #expect(t.references.map(\.0) == [.local("who"), .env("HOME_ZONE")])
        #expect(t.references.map(\.1.column) == [20, 34])
        let scope = VariableScope(
            persona: nil, scenario: nil, environment: ["HOME_ZONE": "CET"], locals: ["who": "Zoë"])
        #expect(try t.render(scope) == "Grüße 👋🏽 Zoë, ${x} CET!")

        let loaded = FlowLoader(environment: [:]).load(
            text: "flow: t\nsteps:\n  - send: \"Grüße 👋🏽 ${nope}, ${ café! }\"\n", file: "t.yaml")
        #expect(
            loaded.diagnostics.map(\.description) == [
                "t.yaml:3:29: error: `${café!}` is not a variable name; use `${persona.name}`, "
                    + "`${scenario.objective}`, `${case.column}`, `${env.NAME}` or a name set earlier"
            ])
    }

    @Test func tagRemovalsAreCheckedLikeTagNamesAndNamedOnce() throws {
        let loaded = FlowLoader(environment: [:]).load(
            text: "flow: t\nsteps:\n  - send: hi\n  - tag: { remove: [tier, triage, tier] }\n", file: "t.yaml")
        #expect(!loaded.hasErrors)
        #expect(
            loaded.diagnostics.map(\.description) == [
                "t.yaml:4:35: warning: tag `tier` is listed twice in `remove`; it is removed once"
            ])
        guard case .tag(let change) = loaded.flows.first?.steps[1].action else {
            Issue.record("not a tag step")
            return
        }
        #expect(change.remove == ["tier", "triage"])

        let both = FlowLoader(environment: [:]).load(
            text: "flow: t\nsteps:\n  - send: hi\n  - tag: { set: { tier: gold }, remove: tier }\n", file: "t.yaml")
        #expect(
            both.diagnostics.map(\.description) == [
                "t.yaml:4:41: error: tag `tier` is both set and removed by this step; keep one"
            ])
    }
}
