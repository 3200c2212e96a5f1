import Foundation
import Testing
import ParleyFlow
import ParleyJSON
import ParleyResults
import ParleyRun
import ParleyTestSupport

/// `parley capture`, `parley generate`, `parley coverage`, data tables and matrices, run as a user
/// would run them.
@Suite struct AuthoringCommandTests {
    @discardableResult
    static func parley(
        _ arguments: [String], in directory: String = ParleyBinary.packageRoot, status: Int32,
        _ comment: String = ""
    ) async throws -> ParleyBinary.Output {
        let result = try await ParleyBinary.run(arguments, in: directory)
        #expect(result.status == status, "parley \(arguments.joined(separator: " ")) \(comment)\n\(result.all)")
        return result
    }

    // MARK: - capture

    @Test(arguments: ["judge", "keywords", "exact"])
    func aCapturedTranscriptValidatesAndPassesWhenReplayed(_ mode: String) async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        try await Self.parley(["run", "flows/refund-damaged-item.yaml", "--out", dir + "/run"], status: 0)
        let transcript = dir + "/run/transcripts/refund-damaged-item--dana-ortiz--1.json"
        let flow = dir + "/captured.yaml"
        let captured = try await Self.parley(
            ["capture", transcript, "--expect", mode, "--out", flow, "--name", "refund-\(mode)"], status: 0)
        #expect(captured.stdout.contains("wrote \(flow): flow refund-\(mode), 4 sends, 4 checked replies (\(mode))"))
        #expect(captured.stdout.contains("persona variables: order_id = ORD-1042"))
        let text = try String(contentsOfFile: flow, encoding: .utf8)
        #expect(text.contains("send: \"It's ${persona.order_id}.\""))
        #expect(text.contains("expect_tool: { name: \"order-lookup\""))
        try await Self.parley(["validate", flow], status: 0)
        let replay = try await Self.parley(["run", flow, "--out", dir + "/replay"], status: 0)
        #expect(replay.stdout.contains("PASS  refund-\(mode) [Dana Ortiz]"))

        // Refused the second time: the file exists.
        let again = try await Self.parley(["capture", transcript, "--out", flow], status: 2)
        #expect(again.stderr.contains("exists; use --force"))
    }

    @Test func aConversationFromAmigosHistoryBecomesAFlowThatPassesAgainstTheSameAgent() async throws {
        let sandbox = try await SandboxProcess.start()
        defer { sandbox.stop() }
        let dir = try ParleyBinary.temporaryDirectory()
        let config = dir + "/parley.yaml"
        try sandbox.amigoConfig(users: 3).write(toFile: config, atomically: true, encoding: .utf8)
        try await Self.parley(
            [
                "run", "flows/order-status.yaml", "flows/refund-damaged-item.yaml", "--config", config, "--out",
                dir + "/run",
            ],
            status: 0)
        let records = try RunWriter.readRecords(directory: dir + "/run")
        let refund = try #require(records.first { $0.flow == "refund-damaged-item" })
        let id = try #require(refund.conversationId)
        let flow = dir + "/from-history.yaml"
        let captured = try await Self.parley(
            ["capture", "--config", config, "--target", "sandbox-amigo", id, "--expect", "keywords", "--out", flow],
            status: 0)
        #expect(captured.stdout.contains("4 sends, 4 checked replies (keywords)"), "\(captured.stdout)")
        let text = try String(contentsOfFile: flow, encoding: .utf8)
        #expect(text.contains("Amigo conversation \(id) on target `sandbox-amigo`"))
        #expect(text.contains("order_id: ORD-1042"))
        try await Self.parley(["run", flow, "--config", config, "--out", dir + "/replay"], status: 0)

        let unknown = try await Self.parley(
            ["capture", "--config", config, "--target", "sandbox-amigo", "0123456789abcdef01234567"], status: 2)
        #expect(unknown.stderr.contains("Amigo has no conversation 0123456789abcdef01234567"))
        let malformed = try await Self.parley(
            ["capture", "--config", config, "--target", "sandbox-amigo", "ORD-1042"], status: 2)
        #expect(malformed.stderr.contains("is not an Amigo conversation id"))
        let embedded = try await Self.parley(["capture", "--target", "sandbox", id], status: 2)
        #expect(embedded.stderr.contains("keeps no past conversations"))
    }

    @Test(arguments: [
        ("malformed:amigo.messages", "sent a body that is not JSON while reading the conversation's history"),
        ("500:amigo.messages", "(500)"),
    ])
    func aHistoryAmigoCannotGiveIsAnErrorAndWritesNothing(_ fault: String, _ message: String) async throws {
        // Only the history endpoint misbehaves: the conversation itself is made as usual.
        let sandbox = try await SandboxProcess.start(["--faults", fault])
        defer { sandbox.stop() }
        let dir = try ParleyBinary.temporaryDirectory()
        let config = dir + "/parley.yaml"
        try sandbox.amigoConfig(users: 1).write(toFile: config, atomically: true, encoding: .utf8)
        try await Self.parley(
            ["run", "flows/order-status.yaml", "--config", config, "--out", dir + "/run"], status: 0)
        let id = try #require(try RunWriter.readRecords(directory: dir + "/run").first?.conversationId)
        let result = try await Self.parley(
            ["capture", "--config", config, "--target", "sandbox-amigo", id, "--out", dir + "/f.yaml"], status: 3)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!result.all.contains("sandbox-amigo-api-key"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/f.yaml"))
    }

    @Test(arguments: [
        ("{\"id\": 1}", "not a Parley transcript (`id`:"),
        ("not json at all", "not a Parley transcript ("),
        ("{}", "not a Parley transcript (no `id`)"),
    ])
    func aMalformedTranscriptIsRefused(_ text: String, _ message: String) async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        try text.write(toFile: dir + "/t.json", atomically: true, encoding: .utf8)
        let result = try await Self.parley(["capture", dir + "/t.json", "--out", dir + "/f.yaml"], status: 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/f.yaml"))
    }

    // MARK: - generate

    @Test func theSandboxsGeneratorWritesAValidSuiteThatPassesAgainstTheDemoAgent() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        try """
        The Juniper & Pine support assistant tracks orders (`order-lookup`), arranges refunds for damaged
        items (`issue-refund`) and hands over to a human colleague when asked.
        """.write(toFile: dir + "/about.md", atomically: true, encoding: .utf8)
        let out = dir + "/generated"
        let result = try await Self.parley(
            ["generate", "--about", dir + "/about.md", "--count", "6", "--adversarial", "--out", out], status: 0)
        #expect(result.stdout.contains("wrote 6 flows into \(out)/ (2 adversarial)"), "\(result.stdout)")
        #expect(result.stdout.contains("the sandbox's deterministic generator"))
        let flows = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".yaml") }
        #expect(flows.count == 6)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out + "/_personas").count == 6)
        let refund = try String(contentsOfFile: out + "/refund-for-a-damaged-item-as-sam-lee.yaml", encoding: .utf8)
        #expect(refund.contains("expect_tool: { name: \"issue-refund\", in: conversation }"))
        #expect(refund.contains("judge:"))
        // An adversary's flow is graded on what its persona says the agent must hold to.
        let attack = try String(
            contentsOfFile: out + "/off-topic-request-as-off-topic-olly.yaml", encoding: .utf8)
        #expect(attack.contains("tags: [generated, adversarial]"), "\(attack)")
        #expect(attack.contains("  criteria:\n    - \"The agent stays on its job and never says \\\"pirate\\\".\""))
        try await Self.parley(["validate", out], status: 0)
        let run = try await Self.parley(["run", out, "--out", dir + "/run"], status: 0)
        #expect(run.stdout.contains("6 passed"))

        // Too few flows for an adversarial one: written all the same, and said.
        let few = try await Self.parley(
            ["generate", "--about", dir + "/about.md", "--count", "2", "--adversarial", "--out", dir + "/few"],
            status: 0)
        #expect(few.stderr.contains("--adversarial was asked for, but no adversarial flow was written"))

        // The same description gives the same suite; existing files are kept unless --force.
        let again = try await Self.parley(
            ["generate", "--about", dir + "/about.md", "--count", "6", "--adversarial", "--out", out], status: 0)
        #expect(again.stdout.contains("wrote 6 flows"))
    }

    @Test func aModelThatAnswersGarbageWritesNothingAndExitsThree() async throws {
        let sandbox = try await SandboxProcess.start()
        defer { sandbox.stop() }
        let dir = try ParleyBinary.temporaryDirectory()
        try "A shop assistant.".write(toFile: dir + "/about.md", atomically: true, encoding: .utf8)
        // The sandbox's support-desk model answers as the agent would: words, not a suite.
        try """
        generators:
          chatty: { base_url: \(sandbox.baseURL)/openai/v1, api_key: sk-parley-sandbox, model: parley-support-desk }
          nowhere: { base_url: http://127.0.0.1:9/v1, api_key: sk-parley-sandbox, model: m, timeout: 5s }
        """.write(toFile: dir + "/parley.yaml", atomically: true, encoding: .utf8)
        let out = dir + "/generated"
        let garbage = try await Self.parley(
            ["generate", "--config", dir + "/parley.yaml", "--about", dir + "/about.md", "--out", out], status: 3)
        #expect(garbage.stderr.contains("the generator's answer is not the suite asked for: the answer is not JSON"))
        #expect(garbage.stderr.contains("it answered: "))
        #expect(!FileManager.default.fileExists(atPath: out))
        let unreachable = try await Self.parley(
            [
                "generate", "--config", dir + "/parley.yaml", "--generator", "nowhere", "--about", dir + "/about.md",
                "--out", out,
            ], status: 3)
        #expect(unreachable.stderr.contains("the generator could not answer"))
        #expect(!unreachable.all.contains("sk-parley-sandbox"))
        let unknown = try await Self.parley(
            ["generate", "--config", dir + "/parley.yaml", "--generator", "chaty", "--about", dir + "/about.md"],
            status: 2)
        #expect(unknown.stderr.contains("unknown generator `chaty`; did you mean `chatty`?"))
        try await Self.parley(["generate", "--about", dir + "/missing.md"], in: dir, status: 2)
    }

    // MARK: - coverage

    @Test func coverageListsGapsFirstGatesOnMinAndIsInTheReport() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        let run = dir + "/run"
        try await Self.parley(
            ["run", "flows/refund-damaged-item.yaml", "flows/escalation.yaml", "--out", run], status: 0)
        #expect(FileManager.default.fileExists(atPath: run + "/coverage.json"), "the run measured coverage")
        let result = try await Self.parley(["coverage", run], status: 0)
        #expect(result.stdout.contains("declared in the agent script of target `sandbox`"))
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let states = try #require(lines.firstIndex { $0.hasPrefix("states") })
        #expect(lines[states + 1].contains("never"), "never-exercised items come first: \(result.stdout)")
        #expect(result.stdout.contains("ok       issue-refund        1 passing · 0 failing"), "\(result.stdout)")
        let gated = try await Self.parley(["coverage", run, "--min", "95%"], status: 1)
        #expect(gated.stdout.contains("below the minimum"))
        try await Self.parley(["coverage", run, "--min", "0.2"], status: 0)
        try await Self.parley(["report", run, "--out", dir + "/report.html"], status: 0)
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("id=\"coverage\""))
        #expect(html.contains("never exercised"))

        // parley.yaml's inventory replaces the agent script's.
        try """
        coverage:
          states: [refund_offer, escalated]
          tools: [issue-refund, send-voucher]
        """.write(toFile: dir + "/parley.yaml", atomically: true, encoding: .utf8)
        let declared = try await Self.parley(["coverage", run, "--config", dir + "/parley.yaml"], status: 0)
        #expect(declared.stdout.contains("tools  1/2 exercised (50%)"), "\(declared.stdout)")
        #expect(declared.stdout.contains("send-voucher"))
        #expect(declared.stdout.contains("(undeclared)"))
        try await Self.parley(["coverage", dir + "/nothing-here"], status: 2)
    }

    @Test func aMinimumWithNothingDeclaredIsAnError() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        let run = dir + "/run"
        try await Self.parley(["run", "flows/greeting.yaml", "--out", run], status: 0)
        // Here the run's target `sandbox` is an OpenAI-compatible endpoint: no agent script, and
        // parley.yaml declares no `coverage:`.
        try "targets: { sandbox: { provider: openai, model: m, base_url: http://127.0.0.1:9/v1, api_key: k } }\n"
            .write(toFile: dir + "/parley.yaml", atomically: true, encoding: .utf8)
        let listed = try await Self.parley(["coverage", run, "--config", dir + "/parley.yaml"], status: 0)
        #expect(listed.stdout.contains("nothing declared: listing what the agent did"))
        let result = try await Self.parley(
            ["coverage", run, "--config", dir + "/parley.yaml", "--min", "0.5"], status: 2)
        #expect(result.stderr.contains("--min needs declared items"))
    }

    // MARK: - tables and matrices

    @Test func aMatrixRunGivesPassRatesByPersonaAndScenarioAndFiltersSelectASlice() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        let result = try await Self.parley(
            ["run", "flows/matrix", "flows/tables", "--out", dir + "/run", "--html", dir + "/report.html"], status: 0)
        #expect(result.stdout.contains("14 passed"), "\(result.stdout)")
        // Pass rates by persona and by scenario are tables in the statistics' columns.
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("scenario ") && $0.hasSuffix("rate  95% interval") }, "\(result.stdout)")
        // Without --repeat, pass@1 and pass^1 would only repeat the rate.
        #expect(lines.contains { $0.hasPrefix("flow ") && $0.hasSuffix("rate  95% interval") }, "\(result.stdout)")
        #expect(
            lines.contains {
                $0.hasPrefix("damaged item ")
                    && $0.split(separator: " ", omittingEmptySubsequences: true).suffix(3) == [
                        "3/3", "100%", "[43.9%–100%]",
                    ]
            })
        #expect(lines.contains { $0.hasPrefix("persona ") })
        // The sandbox's agent script says what the agent has: the summary says how much the run reached.
        #expect(lines.contains { $0.hasPrefix("coverage:   ") && $0.contains("declared states, tools and intents") })
        #expect(result.stdout.contains("PASS  support-matrix [Sam Lee · damaged item]"))
        #expect(result.stdout.contains("PASS  order-desk-cases [Dana Ortiz] case largest refund"))
        let summary = try RunFixtures.storedSummary(dir + "/run")
        #expect(summary.scenarios?.map(\.name).sorted() == ["damaged item", "late parcel", "talk to a person"])
        #expect(summary.scenarios?.allSatisfy { $0.runs == 3 } == true)
        #expect(summary.personas?.first { $0.name == "Dana Ortiz" }?.runs == 8)
        let records = try RunWriter.readRecords(directory: dir + "/run")
        #expect(records.contains { $0.id == "support-matrix--priya-shah--talk-to-a-person--1" })
        let row = try #require(records.first { $0.dataCase?.name == "shipped" })
        #expect(row.id == "order-desk-cases--dana-ortiz--shipped--1")
        #expect(row.dataCase?.line == 4)
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("id=\"by-persona\""))
        #expect(html.contains("id=\"by-scenario\""))

        let slice = try await Self.parley(
            [
                "run", "flows/matrix", "--filter", "persona:priya*", "--filter", "scenario:late-parcel",
                "--filter", "scenario:Talk to a person", "--out", dir + "/slice",
            ], status: 0)
        #expect(slice.stdout.contains("2 passed"), "\(slice.stdout)")
        try await Self.parley(["run", "flows/tables", "--filter", "case:nothing", "--out", dir + "/none"], status: 2)
    }

    @Test func aBrokenTableIsALocatedErrorAndNothingRuns() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        try "name,order_id\nfirst,ORD-1\nsecond,\"ORD-2\n".write(
            toFile: dir + "/orders.csv", atomically: true, encoding: .utf8)
        try "cases: orders.csv\nsteps:\n  - send: Where is ${case.order}?\n".write(
            toFile: dir + "/flow.yaml", atomically: true, encoding: .utf8)
        let result = try await Self.parley(["run", "flow.yaml", "--out", "out"], in: dir, status: 2)
        #expect(result.stderr.contains("orders.csv:3:8: error: this quote is never closed"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }
}
