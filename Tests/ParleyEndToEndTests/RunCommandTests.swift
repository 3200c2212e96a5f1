import Foundation
import Testing
import ParleyFlow
import ParleyJSON
import ParleyResults
import ParleyRun
import ParleyTestSupport

@Suite struct RunCommandTests {
    /// Flow runs `flows/` makes: one per persona, scenario and row of each flow.
    static var exampleRuns: Int {
        FlowLoader(environment: [:]).load(paths: [ParleyBinary.packageRoot + "/flows"]).flows.reduce(0) {
            $0 + $1.runCount
        }
    }

    @Test func theExampleFlowsPassAgainstTheBuiltInSandbox() async throws {
        let out = try ParleyBinary.temporaryDirectory()
        let result = try await ParleyBinary.run(["run", "flows/", "--out", out, "--junit", out + "/junit.xml"])
        let runs = Self.exampleRuns
        #expect(runs >= 27)
        #expect(result.status == 0, "\(result.all)")
        #expect(result.stdout.contains("\(runs) passed"))
        #expect(!result.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")

        let records = try RunWriter.readRecords(directory: out)
        #expect(records.count == runs)
        #expect(records.allSatisfy { $0.outcome == .passed })
        let transcripts = try FileManager.default.contentsOfDirectory(atPath: out + "/transcripts")
        #expect(transcripts.count == runs)
        #expect(transcripts.contains("refund-by-persona--priya-shah--1.json"))
        let summary = try RunFixtures.storedSummary(out)
        #expect(summary.passed == runs)
        #expect(summary.total == runs)
        let junit = try String(contentsOfFile: out + "/junit.xml", encoding: .utf8)
        #expect(junit.contains("tests=\"\(runs)\" failures=\"0\" errors=\"0\""))
    }

    #if os(Linux)
        @Test func mimallocServesTheRunsAllocationsOnEveryThread() async throws {
            let out = try ParleyBinary.temporaryDirectory()
            let result = try await ParleyBinary.run(
                ["run", "flows/", "--out", out], environment: ["MIMALLOC_SHOW_STATS": "1"])
            #expect(result.status == 0, "\(result.all)")
            // mimalloc prints its statistics as the process exits: there are none unless it is linked,
            // and a thread counts in them once it has allocated from mimalloc (peak, total, ...).
            let threads = result.stderr.split(separator: "\n").first {
                $0.trimmingCharacters(in: .whitespaces).hasPrefix("threads:")
            }
            let counts = try #require(threads, "no mimalloc statistics: \(result.stderr.suffix(500))")
                .split(separator: " ").dropFirst().compactMap { Int($0) }
            #expect(counts.count >= 2 && counts[1] >= 3, "the main thread, the HTTP loop and the pool: \(counts)")
        }
    #endif

    @Test func theExampleFlowsUseEveryStepKindOfTheFoundation() async throws {
        let loaded = FlowLoader(environment: [:]).load(paths: [ParleyBinary.packageRoot + "/flows"])
        #expect(!loaded.hasErrors)
        let kinds = Set(loaded.flows.flatMap { $0.steps.map(\.kind) })
        for kind: StepKind in StepKind.allCases where kind != .include {
            #expect(kinds.contains(kind), "no example flow uses \(kind.rawValue)")
        }
        let text = try FileManager.default.contentsOfDirectory(atPath: ParleyBinary.packageRoot + "/flows")
            .filter { $0.hasSuffix(".yaml") }
            .map { try String(contentsOfFile: ParleyBinary.packageRoot + "/flows/" + $0, encoding: .utf8) }
            .joined()
        for form in ["include:", "regex:", "contains:", "equals:", "any:", "all:", "capture:", "within:", "personas:"] {
            #expect(text.contains(form), "no example flow uses \(form)")
        }
    }

    @Test func aFailingFlowExitsOneAndShowsLocationExpectationAndReply() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        try """
        flow: wrong-expectation
        steps:
          - send: Where is my order?
          - expect: /has shipped/i
          - send: never sent
        """.write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let result = try await ParleyBinary.run(["run", "bad.yaml", "--out", "out", "--junit", "junit.xml"], in: dir)
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAIL  wrong-expectation"))
        #expect(result.stdout.contains("bad.yaml:4:5: failed: expected the agent's reply to match /has shipped/i"))
        #expect(result.stdout.contains("agent said: I can check that for you. What's your order number?"))
        let records = try RunWriter.readRecords(directory: dir + "/out")
        #expect(records.first?.outcome == .failed)
        #expect(records.first?.failure?.location == SourceLocation(file: "bad.yaml", line: 4, column: 5))
        let junit = try String(contentsOfFile: dir + "/junit.xml", encoding: .utf8)
        #expect(
            junit.contains("<failure message=\"bad.yaml:4:5: expected the agent&#39;s reply to match /has shipped/i\""))
    }

    @Test func invalidFlowsExitTwoWithCompilerStyleDiagnosticsAndRunNothing() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        try "flow: broken\nsteps:\n  - sned: hi\n  - expect: /(unclosed/\n".write(
            toFile: dir + "/broken.yaml", atomically: true, encoding: .utf8)
        let result = try await ParleyBinary.run(["run", "broken.yaml", "--out", "out"], in: dir)
        #expect(result.status == 2)
        #expect(
            result.stderr.contains(
                "broken.yaml:3:5: error: unknown step `sned`; did you mean `send`?\n 3 |   - sned: hi\n   |     ^"))
        #expect(result.stderr.contains("broken.yaml:4:13: error: invalid regular expression /(unclosed/"))
        #expect(result.stderr.contains("2 errors; nothing was run"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"), "nothing may run, not even a run directory")
    }

    @Test func errorsWithoutFailuresExitThree() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        try "default_target: slow\ntargets:\n  slow: { provider: local, latency: 5s }\n".write(
            toFile: dir + "/parley.yaml", atomically: true, encoding: .utf8)
        try "turn_timeout: 200ms\nsteps:\n  - send: hi\n  - expect: hello\n".write(
            toFile: dir + "/slow.yaml", atomically: true, encoding: .utf8)
        let result = try await ParleyBinary.run(["run", "slow.yaml", "--out", "out"], in: dir)
        #expect(result.status == 3, "\(result.all)")
        #expect(result.stdout.contains("ERROR slow"))
        #expect(
            result.stdout.contains(
                "slow.yaml:3:5: error: no complete reply from the agent within the turn timeout of 200ms"))
    }

    @Test func anUnknownTargetIsInvalidInput() async throws {
        let result = try await ParleyBinary.run(["run", "flows/", "--target", "nowhere"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown target `nowhere`"))
    }

    @Test func validateChecksWithoutRunning() async throws {
        let result = try await ParleyBinary.run(["validate", "flows/"])
        #expect(result.status == 0, "\(result.all)")
        let flows = FlowLoader(environment: [:]).load(paths: [ParleyBinary.packageRoot + "/flows"]).flows.count
        #expect(
            result.stdout.contains("\(flows) flows valid; \(RunCommandTests.exampleRuns) flow runs against sandbox"))
    }

    @Test func versionAndHelpTeach() async throws {
        let version = try await ParleyBinary.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == ParleyVersion.current)
        let help = try await ParleyBinary.run(["run", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Examples:"))
        #expect(help.stdout.contains("Exit codes:"))
        let top = try await ParleyBinary.run(["--help"])
        #expect(top.stdout.contains("3  could not run"))
    }

    @Test func filtersSelectFlowsByNameGlobAndLabel() async throws {
        let out = try ParleyBinary.temporaryDirectory()
        let result = try await ParleyBinary.run([
            "run", "flows/", "--out", out, "--filter", "refund*", "--filter", "smoke",
        ])
        #expect(result.status == 0, "\(result.all)")
        let flows = Set(try RunWriter.readRecords(directory: out).map(\.flow))
        #expect(flows == ["refund-by-persona", "refund-damaged-item", "greeting", "fallback"])
    }

    @Test func repeatRunsEachFlowSeveralTimes() async throws {
        let out = try ParleyBinary.temporaryDirectory()
        let result = try await ParleyBinary.run(["run", "flows/greeting.yaml", "--out", out, "--repeat", "3"])
        #expect(result.status == 0)
        #expect(
            try RunWriter.readRecords(directory: out).map(\.id).sorted() == [
                "greeting--default--1", "greeting--default--2", "greeting--default--3",
            ])
    }
}

@Suite struct SimulationCommandTests {
    @Test func aSimulationThatRunsOutOfTurnsFails() async throws {
        let out = try ParleyBinary.temporaryDirectory()
        let fixture = ParleyBinary.packageRoot + "/Tests/ParleyEndToEndTests/Fixtures/out-of-turns.yaml"
        let result = try await ParleyBinary.run(["run", fixture, "--out", out])
        #expect(result.status == 1, "\(result.all)")
        #expect(
            result.stdout.contains(
                "out-of-turns.yaml:10:5: failed: no agent reply matched /refund has been issued/i within 3 simulated "
                    + "turns"
            ))
        let record = try #require(try RunWriter.readRecords(directory: out).first)
        #expect(record.outcome == .failed)
    }

    @Test func theSameSeedGivesTheSameSimulatedConversations() async throws {
        func simulatedTurns(seed: String) async throws -> [String] {
            let out = try ParleyBinary.temporaryDirectory()
            let result = try await ParleyBinary.run([
                "run", "flows/simulations/refund-target.yaml", "--out", out, "--seed", seed,
            ])
            #expect(result.status == 0, "\(result.all)")
            return try RunWriter.readRecords(directory: out).sorted { $0.id < $1.id }.flatMap { record -> [String] in
                let data = try Data(contentsOf: URL(fileURLWithPath: out + "/" + record.transcript))
                let transcript = try FlowRunResult(json: JSONValue(parsing: data))
                return transcript.turns.filter { $0.simulated == true }.map(\.text)
            }
        }
        let first = try await simulatedTurns(seed: "21")
        #expect(!first.isEmpty)
        #expect(try await simulatedTurns(seed: "21") == first)
    }
}
