import Foundation
import Testing
import ParleyJSON
@testable import ParleyProviders
import ParleyRun
import ParleySandbox

/// Injected failures, the same for every protocol: each one either is survived without delivering
/// a user message twice, or ends the flow run as `error` with an explanation — never `failed`,
/// never a hang.
@Suite struct ProviderFaultTests {
    @Test(arguments: Wire.allCases)
    func aMessageRefusedWith503IsSentAgainAndDeliveredOnce(_ wire: Wire) async throws {
        let faults = wire.messageEndpoints.map { SandboxFault(.unavailable, endpoint: $0, limit: 1) }
        try await withSandbox(SandboxConfiguration(faults: faults)) { server in
            let result = try await run(refundFlow, target: wire.target(server.baseURL))
            #expect(result.outcome == .passed, "\(result.summary)")
            let id = try #require(result.conversationIDs.first)
            #expect(server.stats.userMessages[id] == 3, "no message may be delivered twice")
            #expect(
                server.stats.requests(wire.messageEndpoints) == 3 + faults.count, "each refused call was sent once more"
            )
        }
    }

    @Test(arguments: Wire.allCases)
    func aPersistent500EndsTheRunAsErrorNamingTheStatus(_ wire: Wire) async throws {
        let faults = wire.messageEndpoints.map { SandboxFault(.internalError, endpoint: $0) }
        try await withSandbox(SandboxConfiguration(faults: faults)) { server in
            let result = try await run(refundFlow, target: wire.target(server.baseURL))
            #expect(result.outcome == .error, "\(result.summary)")
            #expect(result.failure?.errorKind == ErrorKind.server)
            let message = try #require(result.failure?.message)
            #expect(message.contains("(500)"), "\(message)")
            #expect(message.contains("failed while"), "\(message)")
            // A message that may have been delivered is never sent again.
            #expect(server.stats.requests(wire.messageEndpoints) == 1)
            #expect(server.stats.totalUserMessages == 0)
        }
    }

    @Test(arguments: Wire.allCases)
    func aConnectionDroppedInTheMiddleOfAReplyEndsTheRunAsError(_ wire: Wire) async throws {
        try await withSandbox(SandboxConfiguration(faults: [wire.faultOnFirstReply(.dropMidStream)])) { server in
            let result = try await run(refundFlow, target: wire.target(server.baseURL))
            #expect(result.outcome == .error, "\(result.summary)")
            #expect(result.failure?.errorKind == ErrorKind.connectionDropped)
            let message = try #require(result.failure?.message)
            #expect(message.contains("dropped the connection in the middle of a reply"), "\(message)")
            #expect(server.stats.totalUserMessages == 1, "the dropped turn happened once and was not repeated")
            #expect(server.stats.requests(wire.messageEndpoints) == 1)
        }
    }

    @Test(arguments: Wire.allCases)
    func aMalformedAnswerEndsTheRunAsAProtocolError(_ wire: Wire) async throws {
        try await withSandbox(SandboxConfiguration(faults: [wire.faultOnFirstReply(.malformedLine)])) { server in
            let result = try await run(refundFlow, target: wire.target(server.baseURL))
            #expect(result.outcome == .error, "\(result.summary)")
            #expect(result.failure?.errorKind == ErrorKind.protocolViolation)
            let message = try #require(result.failure?.message)
            #expect(message.contains("not JSON"), "\(message)")
            #expect(server.stats.totalUserMessages == 1)
        }
    }

    @Test(arguments: Wire.allCases)
    func aReplyThatNeverCompletesEndsTheRunAtTheTurnTimeout(_ wire: Wire) async throws {
        // The reply comes only after 1.5 s; the flow allows 250 ms (a reply would pass the step).
        try await withSandbox(SandboxConfiguration(latency: .milliseconds(1500))) { server in
            let flow = refundFlow.replacingOccurrences(of: "turn_timeout: 30s", with: "turn_timeout: 250ms")
            let result = try await run(flow, target: wire.target(server.baseURL))
            #expect(result.outcome == .error, "\(result.summary)")
            #expect(result.failure?.errorKind == ErrorKind.timeout)
            #expect(result.failure?.message == "no complete reply from the agent within the turn timeout of 250ms")
            #expect(result.failure?.location.line == 4, "the error points at the step that waited")
        }
    }
}
