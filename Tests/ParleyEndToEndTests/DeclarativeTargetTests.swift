import Foundation
import Testing
import ParleyFlow
import ParleyResults

/// The example flows, run by the `parley` binary through targets that exist only as configuration
/// (`examples/http-targets.yaml`), against a `parley sandbox` process: Amelia (polled and by
/// webhook), AgentHuman, the helpdesk bot and the webchat backend through `provider: http`, the
/// chat-completions endpoint through `provider: openai`.
///
/// One target at a time: each case waits on processes, and running them side by side would take
/// threads the rest of the test run needs.
@Suite(.serialized) struct DeclarativeTargetTests {
    /// What each example target can do, as its configuration says.
    static let agentFirstTargets: Set<String> = ["amelia-http", "amelia-webhook-http", "helpdesk-http", "openai-chat"]
    /// Targets that report tool calls (no state transitions: those are Amigo's and the demo agent's).
    static let toolCallTargets: Set<String> = ["openai-chat"]

    /// Why a flow cannot run on a target with only user-first and (maybe) agent-first starts, or `nil`.
    static func needsMore(_ flow: Flow, agentFirst: Bool, toolCalls: Bool) -> Bool {
        if flow.opening == .agentFirst && !agentFirst { return true }
        if flow.steps.contains(where: { $0.kind == .expectState }) { return true }
        if !toolCalls, flow.steps.contains(where: { $0.action.assertsActions }) { return true }
        if flow.opening == .eventFirst { return true }
        if flow.steps.contains(where: { [.event, .tag, .insights].contains($0.kind) }) { return true }
        let simulates = flow.steps.contains { $0.kind == .recommend || $0.kind == .simulate }
        if simulates, (flow.simulator ?? .target) == .target { return true }
        return false
    }

    @Test(arguments: [
        "amelia-http", "amelia-webhook-http", "agenthuman-http", "helpdesk-http", "webchat-http", "openai-chat",
    ])
    func theExampleFlowsPassThroughATargetDescribedInConfiguration(target: String) async throws {
        let sandbox = try await SandboxProcess.start()
        defer { sandbox.stop() }
        let directory = try ParleyBinary.temporaryDirectory()
        let example = try String(
            contentsOfFile: ParleyBinary.packageRoot + "/examples/http-targets.yaml", encoding: .utf8)
        #expect(example.contains("127.0.0.1:8700"))
        try example.replacingOccurrences(of: "127.0.0.1:8700", with: "127.0.0.1:\(sandbox.port)")
            .write(toFile: directory + "/parley.yaml", atomically: true, encoding: .utf8)

        let out = directory + "/out"
        let result = try await ParleyBinary.run(
            [
                "run", ParleyBinary.packageRoot + "/flows", "--config", directory + "/parley.yaml",
                "--target", target, "--skip-unsupported", "--out", out,
            ], timeout: 300)
        #expect(result.status == 0, "\(result.all)")

        let flows = FlowLoader(environment: [:]).load(paths: [ParleyBinary.packageRoot + "/flows"]).flows
        let expectedSkips = Set(
            flows.filter {
                Self.needsMore(
                    $0, agentFirst: Self.agentFirstTargets.contains(target),
                    toolCalls: Self.toolCallTargets.contains(target))
            }.map(\.name))
        let skipped = Set(
            result.stdout.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("SKIP") else { return nil }
                return line.dropFirst(4).trimmingCharacters(in: .whitespaces).split(separator: ":").first.map(
                    String.init)
            })
        #expect(skipped == expectedSkips, "\(result.stdout)")
        #expect(skipped.count < flows.count * 3 / 4, "most flows run")

        let records = try RunWriter.readRecords(directory: out)
        let runnable = flows.filter { !expectedSkips.contains($0.name) }
        #expect(records.count == runnable.reduce(0) { $0 + $1.runCount })
        #expect(Set(records.map(\.flow)) == Set(runnable.map(\.name)))
        for record in records {
            #expect(record.outcome == .passed, "\(record.flow): \(record.failure?.message ?? "")")
            #expect(record.target == target)
        }
    }

    @Test func validatePointsAtTheMistakeInsideATargetsValue() async throws {
        let directory = try ParleyBinary.temporaryDirectory()
        try """
        default_target: bot
        targets:
          bot:
            provider: http
            base_url: http://127.0.0.1:9
            send:
              request: { method: POST, path: "/chat/${sesion}", json: { text: "${message}" } }
              reply: { json: { text: $.reply..text } }
        """.write(toFile: directory + "/parley.yaml", atomically: true, encoding: .utf8)
        try "steps:\n  - send: hi\n  - expect: hello\n".write(
            toFile: directory + "/hi.yaml", atomically: true, encoding: .utf8)
        let result = try await ParleyBinary.run(["validate", "hi.yaml"], in: directory)
        #expect(result.status == 2, "\(result.all)")
        #expect(
            result.stderr.contains(
                """
                parley.yaml:7:45: error: unknown variable ${sesion} in `send.request.path` (known here: message; \
                variables come from `variables:` and `extract:`)
                 7 |       request: { method: POST, path: "/chat/${sesion}", json: { text: "${message}" } }
                   |                                             ^
                """), "\(result.stderr)")
        #expect(
            result.stderr.contains(
                """
                parley.yaml:8:37: error: bad path `$.reply..text` in `send.reply.json.text`: recursive descent (`..`) \
                is not supported; write each step
                 8 |       reply: { json: { text: $.reply..text } }
                   |                                     ^
                """), "\(result.stderr)")
        #expect(result.stderr.contains("2 errors; nothing was run"))
    }
}
