import Foundation
import ParleyHTTP
import ParleyJSON
import Synchronization

/// Amelia's WEBHOOK delivery: each message of a conversation created with `deliveryMode: WEBHOOK`
/// is POSTed to its `webhookUrl` when its time comes, in order, with `X-Amelia-Webhook-Secret`
/// when the conversation has a secret — as a real sender does, it tries again (up to
/// ``attempts`` times, waiting longer each time) when a delivery fails or is not answered 2xx.
///
/// Faults make it misbehave the way senders do: deliver a message twice, late (after later
/// messages), or swapped with the next one.
final class AmeliaWebhookSender: Sendable {
    static let attempts = 5
    static let firstRetryDelay = Duration.milliseconds(100)

    private let faults: FaultInjector
    private let counter: RequestCounter
    private let state = Mutex<(client: HTTPClient?, stopped: Bool, stats: SandboxWebhookStats)>(
        (nil, false, SandboxWebhookStats()))

    init(faults: FaultInjector, counter: RequestCounter) {
        self.faults = faults
        self.counter = counter
    }

    /// Starts delivering a session's pending messages unless a delivery loop already runs for it.
    func wake(_ box: AmeliaSessionBox, target: AmeliaWebhookTarget) {
        let start = box.state.withLock { state -> Bool in
            guard !state.delivering, !state.pending.isEmpty else { return false }
            state.delivering = true
            return true
        }
        guard start else { return }
        Task { await self.deliverPending(box, target: target) }
    }

    /// Deliveries so far.
    var stats: SandboxWebhookStats { state.withLock { $0.stats } }

    /// Stops delivering; deliveries not yet made are dropped.
    func stop() {
        let client = state.withLock { state -> HTTPClient? in
            state.stopped = true
            defer { state.client = nil }
            return state.client
        }
        client?.shutdown()
    }

    /// The session's messages, one by one as each becomes due, until none is left.
    private func deliverPending(_ box: AmeliaSessionBox, target: AmeliaWebhookTarget) async {
        var held: (message: JSON, twice: Bool)?
        while true {
            let next = box.state.withLock { state -> (ContinuousClock.Instant, JSON)? in
                guard let first = state.pending.first else {
                    // Checked and cleared under the lock that `wake` takes, so no message is left behind.
                    if held == nil { state.delivering = false }
                    return nil
                }
                return first
            }
            guard let (due, _) = next else {
                if let (message, twice) = held {
                    held = nil
                    await post(message, to: target, twice: twice)
                    continue
                }
                return
            }
            try? await Task.sleep(until: due, clock: .continuous)
            guard let message = box.state.withLock({ $0.takeAvailable(now: .now, limit: 1).first }) else { continue }
            let drawn = faults.draw(.ameliaWebhook)
            if let late = drawn.lateDelivery {
                // Sent on its own after a while: later messages overtake it.
                Task {
                    try? await Task.sleep(for: late)
                    await self.post(message, to: target, twice: drawn.contains(.duplicateDelivery))
                }
                continue
            }
            if drawn.contains(.reorderDelivery), held == nil {
                held = (message, drawn.contains(.duplicateDelivery))
                continue
            }
            await post(message, to: target, twice: drawn.contains(.duplicateDelivery))
            if let (message, twice) = held {
                held = nil
                await post(message, to: target, twice: twice)
            }
        }
    }

    /// POSTs one message, retrying failures; `twice` delivers it again once it got through.
    private func post(_ message: JSON, to target: AmeliaWebhookTarget, twice: Bool = false) async {
        let delivered = await attempt(message, to: target)
        if twice, delivered { _ = await attempt(message, to: target) }
    }

    private func attempt(_ message: JSON, to target: AmeliaWebhookTarget) async -> Bool {
        var request = HTTPRequest(method: .post, url: target.url, body: .json(message.bytes))
        if let secret = target.secret { request.headers.add(name: "X-Amelia-Webhook-Secret", value: secret) }
        request.timeouts.total = .seconds(10)
        var delay = Self.firstRetryDelay
        for attempt in 1...Self.attempts {
            guard let client = client() else { return false }
            counter.record(.ameliaWebhook)
            let status: Int?
            do {
                status = try await client.execute(request).status
            } catch {
                status = nil
            }
            let delivered = status.map { (200..<300).contains($0) } ?? false
            state.withLock { state in
                state.stats.attempts += 1
                if delivered {
                    state.stats.delivered += 1
                } else if status != nil {
                    state.stats.refused += 1
                } else {
                    state.stats.failed += 1
                }
                if !delivered, attempt == Self.attempts { state.stats.abandoned += 1 }
            }
            if delivered { return true }
            guard attempt < Self.attempts else { break }
            try? await Task.sleep(for: delay)
            delay = delay * 2
        }
        return false
    }

    /// The client deliveries go through, created on the first delivery; `nil` once stopped.
    private func client() -> HTTPClient? {
        state.withLock { state in
            guard !state.stopped else { return nil }
            if let client = state.client { return client }
            let client = HTTPClient()
            state.client = client
            return client
        }
    }
}

/// Where a WEBHOOK conversation's messages go.
struct AmeliaWebhookTarget: Sendable {
    var url: String
    var secret: String?
}

/// What the sandbox's Amelia webhook sender has done.
public struct SandboxWebhookStats: Sendable, Equatable {
    /// POSTs made, retries included.
    public var attempts = 0
    /// POSTs answered 2xx.
    public var delivered = 0
    /// POSTs answered with another status.
    public var refused = 0
    /// POSTs that got no answer (no connection, a timeout).
    public var failed = 0
    /// Messages given up on after every attempt failed.
    public var abandoned = 0

    public init() {}
}
