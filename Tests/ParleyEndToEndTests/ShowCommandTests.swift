import Foundation
import Testing
import ParleyTestSupport

/// `parley show` as the binary prints it: into pipes, and on a pseudo-terminal.
@Suite struct ShowCommandTests {
    /// A project whose latest run (in .parley/runs/latest) has a failing and a passing flow.
    static func projectWithARun() async throws -> String {
        let dir = try ConsoleTerminalTests.project()
        try """
        flow: simulated
        scenario: { objective: Get a refund for order ORD-1042. }
        simulator: target
        steps:
          - expect: /how can I help/i
          - recommend: { pick: first }
          - tag: { set: { outcome: asked } }
        """.write(toFile: dir + "/simulated.yaml", atomically: true, encoding: .utf8)
        let run = try await ParleyBinary.run(["run", ".", "--repeat", "2"], in: dir)
        #expect(run.status == 1, "\(run.all)")
        return dir
    }

    @Test func showListsTheRunsThatDidNotPassAndPrintsOneAsAConversation() async throws {
        let dir = try await Self.projectWithARun()
        let list = try await ParleyBinary.run(["show"], in: dir)
        #expect(list.status == 0, "\(list.all)")
        #expect(list.stdout.hasPrefix(".parley/runs/latest — 6 flow runs: 4 passed, 2 failed\n"), "\(list.stdout)")
        #expect(list.stdout.contains("  FAIL   wrong-expectation #1  ./bad.yaml:4:5\n"), "\(list.stdout)")
        #expect(list.stdout.contains("  FAIL   wrong-expectation #2  ./bad.yaml:4:5\n"))
        #expect(list.stdout.contains("read one: parley show .parley/runs/latest 'wrong-expectation #1'"))
        #expect(!list.stdout.contains("PASS"))
        #expect(!list.stdout.contains("\u{1B}"), "no colours into a pipe")

        let show = try await ParleyBinary.run(["show", ".parley/runs/latest", "wrong-expectation#2"], in: dir)
        #expect(show.status == 0, "\(show.all)")
        let lines = show.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "wrong-expectation #2  FAILED")
        #expect(lines.contains("  user       Where is my order?"))
        #expect(lines.contains { $0.hasPrefix("  agent      I can check that for you. What's your order number?") })
        #expect(lines.contains { $0.hasSuffix(" ms") && $0.hasPrefix("  agent  ") }, "the reply's latency")
        #expect(lines.contains("    ✓ send  ./bad.yaml:3:5"))
        #expect(lines.contains("    ✗ expect FAILED  ./bad.yaml:4:5"))
        #expect(lines.contains("        expected the agent's reply to match /has shipped/i"))
        #expect(lines.contains { $0.hasPrefix("transcript:  .parley/runs/latest/transcripts/wrong-expectation--") })
        #expect(!show.stdout.contains("\u{1B}"))
        let first = try await ParleyBinary.run(["show", ".parley/runs/latest", "wrong-expectation"], in: dir)
        #expect(first.stdout.hasPrefix("wrong-expectation  FAILED\n"), "the first repetition: \(first.stdout)")
        #expect(first.stdout.contains("1 other run of wrong-expectation match (1 did not pass)"))

        // Simulated turns are marked, tags listed; a flow of the latest run is found by name alone.
        let simulated = try await ParleyBinary.run(["show", "simulated"], in: dir)
        #expect(simulated.status == 0, "\(simulated.all)")
        #expect(simulated.stdout.contains("\n  sim. user  "), "\(simulated.stdout)")
        #expect(simulated.stdout.contains("    ✓ recommend"))
        #expect(simulated.stdout.contains("tags:        outcome=asked"))

        // The file of a transcript, on its own.
        let transcripts = try FileManager.default.contentsOfDirectory(atPath: dir + "/.parley/runs/latest/transcripts")
        let file = try #require(transcripts.first { $0.hasPrefix("greeting") })
        let alone = try await ParleyBinary.run(["show", ".parley/runs/latest/transcripts/" + file], in: dir)
        #expect(alone.status == 0)
        #expect(alone.stdout.hasPrefix("greeting"))
        #expect(alone.stdout.contains("PASSED"))

        let all = try await ParleyBinary.run(["show", "--all"], in: dir)
        #expect(all.stdout.components(separatedBy: "  PASS   ").count - 1 == 4, "\(all.stdout)")
    }

    @Test func showOnATerminalColoursUnlessNoColorAndWrapsToItsWidth() async throws {
        let dir = try await Self.projectWithARun()
        let coloured = try await ConsoleTerminalTests.terminal(
            ["show", ".parley/runs/latest", "wrong-expectation"], in: dir, rows: 40)
        #expect(coloured.status == 0, "\(coloured.text)")
        #expect(coloured.text.contains("\u{1B}[31;1m✗ expect FAILED\u{1B}[0m"), "\(coloured.text)")
        let plain = try await ConsoleTerminalTests.terminal(
            ["show", ".parley/runs/latest", "wrong-expectation"], in: dir, rows: 40,
            environment: ["NO_COLOR": "1"])
        #expect(!PseudoTerminal.hasColour(plain.text), "\(plain.text)")
        #expect(plain.text.contains("✗ expect FAILED"))
        let flag = try await ConsoleTerminalTests.terminal(["show", "--no-color"], in: dir, rows: 40)
        #expect(!PseudoTerminal.hasColour(flag.text))
        #expect(flag.text.contains("FAIL   wrong-expectation #1"))
        // Every line fits the terminal's 100 columns.
        for line in plain.text.split(separator: "\n") { #expect(line.count <= 100, "\(line)") }
    }

    @Test func showExplainsWhatItCannotFind() async throws {
        let dir = try await Self.projectWithARun()
        let unknown = try await ParleyBinary.run(["show", ".parley/runs/latest", "wrong-expectaton"], in: dir)
        #expect(unknown.status == 2)
        #expect(
            unknown.stderr.contains(
                "no flow run `wrong-expectaton` in .parley/runs/latest; did you mean `wrong-expectation`?"))
        let repetition = try await ParleyBinary.run(["show", ".parley/runs/latest", "greeting#7"], in: dir)
        #expect(repetition.status == 2)
        #expect(
            repetition.stderr.contains(
                "flow `greeting` has no run `greeting #7` in .parley/runs/latest; it has `greeting #1`, `greeting #2`"),
            "\(repetition.stderr)")
        let missing = try await ParleyBinary.run(["show", "nowhere/"], in: dir)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nowhere/: no such directory"), "\(missing.stderr)")
        let empty = try ParleyBinary.temporaryDirectory()
        let none = try await ParleyBinary.run(["show"], in: empty)
        #expect(none.status == 2)
        #expect(none.stderr.contains(".parley/runs/latest: no such directory"), "\(none.stderr)")
    }
}
