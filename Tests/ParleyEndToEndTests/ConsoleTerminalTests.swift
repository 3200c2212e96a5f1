import Foundation
import Testing
import ParleyTestSupport

/// The run console as the binary prints it, on a real pseudo-terminal and into a pipe.
@Suite struct ConsoleTerminalTests {
    /// A folder with a flow that passes and one that always fails against the built-in agent.
    static func project() throws -> String {
        let dir = try ParleyBinary.temporaryDirectory()
        try "flow: greeting\nsteps:\n  - expect: /how can I help/i\n".write(
            toFile: dir + "/greeting.yaml", atomically: true, encoding: .utf8)
        try "flow: wrong-expectation\nsteps:\n  - send: Where is my order?\n  - expect: /has shipped/i\n".write(
            toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    static func terminal(
        _ arguments: [String], in directory: String, rows: Int, environment extra: [String: String] = [:]
    ) async throws -> PseudoTerminal.Output {
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = nil
        environment["TERM"] = "xterm-256color"
        for (key, value) in extra { environment[key] = value }
        return try await PseudoTerminal.run(
            ParleyBinary.path, arguments, in: directory, environment: environment, columns: 100, rows: rows)
    }

    static func lines(_ text: String, startingWith prefix: String) -> Int {
        text.split(separator: "\n").count { line in
            // What follows the last carriage return is what the line shows.
            let shown = line.split(separator: "\r", omittingEmptySubsequences: false).last ?? line
            return shown.replacingOccurrences(of: "\u{1B}[2K", with: "").hasPrefix(prefix)
        }
    }

    @Test func onATerminalWithMoreRunsThanRowsPassingRunsStayOnTheProgressLine() async throws {
        let dir = try Self.project()
        let run = try await Self.terminal(
            ["run", ".", "--repeat", "10", "--out", "out", "--no-color"], in: dir, rows: 12)
        #expect(run.status == 1, "\(run.text)")
        #expect(Self.lines(run.text, startingWith: "PASS") == 0, "\(run.text)")
        #expect(Self.lines(run.text, startingWith: "FAIL  wrong-expectation") == 10, "failures print in full")
        #expect(run.text.contains("bad.yaml:4:5: failed: expected the agent's reply to match /has shipped/i"))
        #expect(run.text.contains("\r\u{1B}[2K[20/20] 10 passed · 10 failed"), "the live progress line")
        #expect(run.text.contains("✓ greeting"), "the latest passing run on the progress line")
        #expect(run.text.contains("Did not pass (1 flow):\n  FAIL  wrong-expectation  10 failed of 10 runs"))
        #expect(!PseudoTerminal.hasColour(run.text), "--no-color")
        // No progress line is wider than the terminal: a wrapped one could not be redrawn in place.
        for piece in run.text.components(separatedBy: "\r\u{1B}[2K") {
            let line = piece.split(separator: "\n", omittingEmptySubsequences: false).first ?? ""
            #expect(line.count < 100, "\(line)")
        }

        let roomy = try await Self.terminal(["run", ".", "--repeat", "10", "--out", "out2"], in: dir, rows: 60)
        #expect(Self.lines(roomy.text, startingWith: "\u{1B}[32;1mPASS") == 10, "\(roomy.text)")
        #expect(PseudoTerminal.hasColour(roomy.text), "colours on a terminal")

        let compact = try await Self.terminal(
            ["run", "greeting.yaml", "--out", "out3", "--compact"], in: dir, rows: 60, environment: ["NO_COLOR": "1"])
        #expect(compact.status == 0)
        #expect(Self.lines(compact.text, startingWith: "PASS") == 0, "\(compact.text)")
        #expect(!PseudoTerminal.hasColour(compact.text), "NO_COLOR")

        // A terminal without cursor control gets the lines a log gets.
        let dumb = try await Self.terminal(
            ["run", "greeting.yaml", "--repeat", "20", "--out", "out4"], in: dir, rows: 12,
            environment: ["TERM": "dumb"])
        #expect(dumb.status == 0)
        #expect(Self.lines(dumb.text, startingWith: "PASS  greeting") == 20, "\(dumb.text)")
        #expect(!dumb.text.contains("\r") && !dumb.text.contains("\u{1B}"))
    }

    @Test func offATerminalEveryRunGetsOneStableLineOrWithCompactProgressLines() async throws {
        let dir = try Self.project()
        let piped = try await ParleyBinary.run(["run", ".", "--repeat", "5", "--out", "out"], in: dir)
        #expect(piped.status == 1)
        #expect(Self.lines(piped.stdout, startingWith: "PASS  greeting") == 5, "\(piped.stdout)")
        #expect(Self.lines(piped.stdout, startingWith: "FAIL  wrong-expectation") == 5)
        #expect(!piped.stdout.contains("\r") && !piped.stdout.contains("\u{1B}"), "plain lines in a log")
        #expect(piped.stdout.contains("  FAIL  wrong-expectation  5 failed of 5 runs (#1, #2, #3, #4, #5)"))
        #expect(piped.stdout.contains("  read one: parley show out 'wrong-expectation #1'"))

        let compact = try await ParleyBinary.run(
            ["run", ".", "--repeat", "10", "--out", "out2", "--compact"], in: dir)
        #expect(compact.status == 1)
        #expect(Self.lines(compact.stdout, startingWith: "PASS") == 0, "\(compact.stdout)")
        #expect(Self.lines(compact.stdout, startingWith: "FAIL  wrong-expectation") == 10)
        let progress = compact.stdout.split(separator: "\n").filter { $0.hasPrefix("[") }
        #expect(progress.map { $0.prefix { $0 != "]" } } == (1...10).map { "[\($0 * 2)/20" }, "\(progress)")
        #expect(progress.last?.hasPrefix("[20/20] 10 passed · 10 failed · ") == true)
        #expect(!compact.stdout.contains("\r"))

        let both = try await ParleyBinary.run(["run", ".", "--compact", "-v"], in: dir)
        #expect(both.status == 64, "a usage error, like every option the parser refuses")
        #expect(both.stderr.contains("--verbose prints every run in full; leave out --compact"))
    }
}
