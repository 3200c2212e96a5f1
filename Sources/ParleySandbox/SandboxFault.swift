import ParleyFlow
import Synchronization
import ParleyJSON

/// A failure the sandbox injects on purpose, so that clients' retries and error handling can be tested.
///
/// A fault hits every `every`-th request it applies to (`every: 3`: the 3rd, 6th, 9th…), or each
/// request with a `probability` (drawn from a generator seeded by the sandbox's seed, so a run can be
/// repeated), up to `limit` times.
public struct SandboxFault: Sendable, Hashable {
    /// What goes wrong.
    public enum Kind: Sendable, Hashable {
        /// Refuse with 429 and `Retry-After` before doing anything, so resending is safe.
        case rateLimited(retryAfter: Int)
        /// Refuse with 503 (maintenance) before doing anything.
        case unavailable
        /// Fail with 500 before doing anything, as a broken deployment does.
        case internalError
        /// Close the connection in the middle of the answer: after the first line of an Amigo
        /// stream, or halfway through the JSON body of an Amelia poll or an AgentHuman message.
        /// The turn has already happened on the server, as when a real connection drops mid-reply
        /// (and polled Amelia messages are gone, as they would be).
        case dropMidStream
        /// Break the answer's JSON: a line that is not JSON in an Amigo stream (before the agent's
        /// message), or a truncated body for an Amelia poll or an AgentHuman message.
        case malformedLine
        /// Wait this long before answering at all (on top of the reply latency).
        case slowFirstByte(Duration)
        /// Amelia only: take the user's message, then answer it with an `OutboundSystemErrorMessage`
        /// instead of a reply, as when something fails on Amelia's side.
        case systemError
        /// Amelia webhooks: deliver the message a second time once the first delivery got through.
        case duplicateDelivery
        /// Amelia webhooks: deliver the message this much later, after the messages that follow it.
        case lateDelivery(Duration)
        /// Amelia webhooks: deliver the message after the next one.
        case reorderDelivery
    }

    /// What goes wrong.
    public var kind: Kind
    /// The endpoint it applies to; `nil` applies to every endpoint.
    public var endpoint: SandboxEndpoint?
    /// Hits every `every`-th request it applies to (1: each one).
    public var every: Int
    /// Stops after this many hits; `nil` never stops.
    public var limit: Int?
    /// Hits each request it applies to with this probability (0…1) instead of every n-th.
    public var probability: Double?

    /// A fault hitting every `every`-th request to `endpoint` (or to any endpoint) — or, with
    /// `probability`, each request by chance — at most `limit` times.
    public init(
        _ kind: Kind, endpoint: SandboxEndpoint? = nil, every: Int = 1, limit: Int? = nil, probability: Double? = nil
    ) {
        self.kind = kind
        self.endpoint = endpoint
        self.every = max(1, every)
        self.limit = limit
        self.probability = probability.map { min(1, max(0, $0)) }
    }
}

/// Decides, request by request, which configured faults hit.
final class FaultInjector: Sendable {
    private let faults: [SandboxFault]
    /// Per fault: requests seen, hits so far; and the generator for probabilistic faults.
    private let counts: Mutex<(counts: [(seen: Int, hits: Int)], random: SeededRandom)>

    init(_ faults: [SandboxFault], seed: UInt64 = 0) {
        self.faults = faults
        self.counts = Mutex((Array(repeating: (0, 0), count: faults.count), SeededRandom(seed: seed, stream: "faults")))
    }

    /// The faults that hit this request to `endpoint`.
    func draw(_ endpoint: SandboxEndpoint) -> [SandboxFault.Kind] {
        guard !faults.isEmpty else { return [] }
        return counts.withLock { state in
            var hits: [SandboxFault.Kind] = []
            for (index, fault) in faults.enumerated() where fault.endpoint == nil || fault.endpoint == endpoint {
                state.counts[index].seen += 1
                if let probability = fault.probability {
                    let draw = Double(state.random.next() >> 11) / Double(1 << 53)
                    guard draw < probability else { continue }
                } else {
                    guard state.counts[index].seen % fault.every == 0 else { continue }
                }
                if let limit = fault.limit, state.counts[index].hits >= limit { continue }
                state.counts[index].hits += 1
                hits.append(fault.kind)
            }
            return hits
        }
    }
}

extension Array where Element == SandboxFault.Kind {
    /// The refusal to answer with instead of handling the request, if any.
    var refusal: SandboxFault.Kind? {
        first {
            switch $0 {
            case .rateLimited, .unavailable, .internalError: true
            default: false
            }
        }
    }

    /// The extra wait before answering.
    var firstByteDelay: Duration {
        reduce(.zero) { total, kind in
            if case .slowFirstByte(let delay) = kind { return total + delay }
            return total
        }
    }

    var dropsMidStream: Bool { contains(.dropMidStream) }
    var malformsStream: Bool { contains(.malformedLine) }
    var failsOnTheAgentSide: Bool { contains(.systemError) }

    /// How much later a webhook delivery is made, if it is late.
    var lateDelivery: Duration? {
        lazy.compactMap { kind -> Duration? in
            if case .lateDelivery(let delay) = kind { return delay }
            return nil
        }.first
    }
}
