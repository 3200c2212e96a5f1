import Foundation
import Testing
import ParleyFlow
import ParleyHTTP
@testable import ParleyProviders
import ParleyResults
@testable import ParleyRuntime
import ParleyRun
import ParleySandbox

/// 200 conversations against a sandbox that fails on purpose: every run must finish, none may be
/// `failed` because of a fault, none may be lost, and no user message may reach the agent twice.
@Suite(.serialized) struct FaultToleranceTests {
    static let flowText = """
        flow: refund-under-faults
        persona: { name: Dana Ortiz, variables: { order_id: ORD-1042 } }
        turn_timeout: 60s
        steps:
          - send: Hi, my blender arrived cracked.
          - expect: /order number/i
          - send: It's ${persona.order_id}.
          - expect: /found order ORD-1042/
          - send: "Yes"
          - expect: refund has been issued
        """

    struct Scenario: Sendable, CustomStringConvertible {
        var name: String
        var spec: String
        /// Whether the fault can be absorbed by a retry (the run still passes).
        var recoverable: Bool
        var description: String { name }
    }

    /// A refusal is tried four times, so at a rate of p a request fails for good with probability
    /// p⁴: at 5% that is about one run of this test in 300 (600 requests), an unlucky draw rather
    /// than a defect; at 3% one in 3,000.
    static let scenarios = [
        Scenario(name: "429 with Retry-After", spec: "429=0@3%", recoverable: true),
        Scenario(name: "503", spec: "503@3%", recoverable: true),
        Scenario(name: "dropped mid-stream", spec: "drop@5%", recoverable: false),
        Scenario(name: "malformed line", spec: "malformed@5%", recoverable: false),
        Scenario(name: "slow first byte", spec: "slow=200ms@5%", recoverable: true),
        Scenario(name: "all at once", spec: "429=0@5%,503@5%,drop@5%,malformed@5%,slow=200ms@5%", recoverable: false),
    ]

    @Test(arguments: scenarios)
    func twoHundredConversationsFinishWithoutFailuresLossOrDuplicates(_ scenario: Scenario) async throws {
        ProcessLimits.raiseOpenFileLimit()
        let faults = try SandboxFault.parse(scenario.spec)
        let server = try await SandboxServer.start(SandboxConfiguration(seed: 7, faults: faults))
        let client = HTTPClient()
        defer { client.shutdown() }
        let c = server.configuration.credentials
        var settings = AmigoSettings(
            baseURL: server.baseURL, organization: c.amigoOrganization, apiKey: c.amigoAPIKey,
            apiKeyID: c.amigoAPIKeyID,
            userIDs: Array(SandboxProviderSpec.syntheticUsers(first: c.amigoUserID).prefix(50)),
            serviceID: c.amigoServiceID)
        settings.rateLimits = [:]
        let provider = AmigoProvider(settings: settings, client: client)
        let loaded = FlowLoader(environment: [:]).load(text: Self.flowText, file: "faults.yaml")
        let flow = try #require(loaded.flows.first)
        let requests = (1...200).map {
            FlowRunRequest(flow: flow, persona: flow.personas.first, repetition: $0, targetName: "sandbox")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "parley-faults-\(UUID().uuidString)"
        ).path
        let writer = try RunWriter(directory: directory)
        let results = Results()
        await RunCoordinator(concurrency: 50).run(
            requests,
            interpreter: { _ in
                FlowInterpreter(provider: provider, environment: [:])
            }, sink: writer,
            onEvent: { event in
                if case .finished(let result, _, _) = event { results.add(result) }
            })
        let records = try RunWriter.readRecords(directory: directory)
        let stats = server.stats
        await server.stop()

        #expect(records.count == 200, "no conversation is lost")
        #expect(Set(records.map(\.id)).count == 200)
        let failed = records.filter { $0.outcome == .failed }
        #expect(
            failed.isEmpty, "a fault must never look like the agent's fault: \(failed.first?.failure?.message ?? "")")
        if scenario.recoverable {
            #expect(
                records.allSatisfy { $0.outcome == .passed },
                "retries absorb \(scenario.name): \(records.first { $0.outcome != .passed }?.failure?.message ?? "")")
        } else {
            #expect(records.contains { $0.outcome == .error }, "a 5% fault rate over 600 replies should hit some")
            #expect(records.contains { $0.outcome == .passed })
        }
        // No user message was delivered twice: the server never got more than Parley sent.
        for result in results.all {
            guard let id = result.conversationId else { continue }
            let sent = result.turns.filter { $0.role == .user }.count
            let received = stats.userMessages[id] ?? 0
            #expect(
                received <= sent,
                "conversation \(id): the agent received \(received) user messages, Parley sent \(sent)")
            if result.outcome == .passed { #expect(received == sent) }
        }
    }

    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [FlowRunResult] = []
        func add(_ r: FlowRunResult) {
            lock.lock()
            results.append(r)
            lock.unlock()
        }
        var all: [FlowRunResult] {
            lock.lock()
            defer { lock.unlock() }
            return results
        }
    }
}
