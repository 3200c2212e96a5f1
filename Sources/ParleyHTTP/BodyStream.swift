import Synchronization

/// Hands a streamed response body from the transfer loop to one consuming task.
///
/// The loop appends bytes as they arrive; the consumer takes everything buffered at once, so a
/// chunk costs one lock round trip and no task is created per chunk. Unconsumed bytes are
/// bounded by `limit`: a consumer that falls that far behind fails the transfer with
/// `.tooLarge` rather than letting memory grow without bound.
final class BodyStream: Sendable {
    enum Delivery {
        case accepted
        case consumerGone
        case overLimit
    }

    private struct State {
        var buffered: [UInt8] = []
        /// Set once: `.success` when the body ended cleanly, `.failure` otherwise.
        var end: Result<Void, HTTPError>?
        /// Unchecked: taken from the state (under its lock) by whoever resumes it, so resumed once.
        var waiter: UnsafeContinuation<Void, Never>?
        var consumerGone = false
    }

    private let state = Mutex(State())
    private let limit: Int
    private let url: String

    init(limit: Int, url: String) {
        self.limit = limit
        self.url = url
    }

    // MARK: Producer side (transfer loop)

    /// Appends bytes; the loop aborts the transfer unless they were accepted.
    func deliver(_ bytes: UnsafeRawBufferPointer) -> Delivery {
        let (delivery, waiter) = state.withLock { state -> (Delivery, UnsafeContinuation<Void, Never>?) in
            if state.consumerGone { return (.consumerGone, nil) }
            if state.buffered.count + bytes.count > limit { return (.overLimit, nil) }
            state.buffered.append(contentsOf: bytes)
            let waiter = state.waiter
            state.waiter = nil
            return (.accepted, waiter)
        }
        waiter?.resume()
        return delivery
    }

    /// Ends the body; later calls are ignored.
    func finish(_ end: Result<Void, HTTPError>) {
        let waiter = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            if state.end == nil { state.end = end }
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    // MARK: Consumer side

    /// Whether the body has ended, cleanly or not.
    var hasEnded: Bool {
        state.withLock { $0.end != nil }
    }

    /// Marks the consumer as gone: buffered bytes are dropped, later deliveries are refused and
    /// a suspended `nextChunk` returns `error`.
    func abandon(with error: HTTPError) {
        let waiter = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            state.consumerGone = true
            state.buffered = []
            if state.end == nil { state.end = .failure(error) }
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// What ``nextChunk()`` would return without waiting, if anything: the bytes buffered so far,
    /// `nil` at the clean end, or the failure.
    func ready() -> Result<[UInt8]?, HTTPError>? {
        state.withLock { Self.take(&$0) }
    }

    /// The bytes buffered so far, `nil` at the clean end of the body, or the failure.
    /// Must not be called concurrently: the body has one consumer.
    func nextChunk() async -> Result<[UInt8]?, HTTPError> {
        while true {
            if let ready = ready() { return ready }
            var concurrentConsumer = false
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.waiter != nil {
                        concurrentConsumer = true
                        return true
                    }
                    if !state.buffered.isEmpty || state.end != nil { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
            if concurrentConsumer {
                return .failure(
                    HTTPError(
                        code: .invalidRequest, message: "the response body is already being consumed by another task",
                        url: url))
            }
        }
    }

    private static func take(_ state: inout State) -> Result<[UInt8]?, HTTPError>? {
        if !state.buffered.isEmpty {
            var chunk: [UInt8] = []
            swap(&chunk, &state.buffered)
            return .success(chunk)
        }
        switch state.end {
        case .success: return .success(nil)
        case .failure(let error): return .failure(error)
        case nil: return nil
        }
    }
}
