import ParleyClock

/// An asynchronous HTTP client on libcurl's multi interface.
///
/// All requests of a client share one event-loop thread and one connection cache, so keep a
/// single client for the whole process and issue as many concurrent requests as needed.
/// Cancelling the task that awaits a request aborts the request.
public final class HTTPClient: Sendable {
    /// The settings the client was created with.
    public let configuration: Configuration
    let loop: TransferLoop

    /// Creates a client and starts its event-loop thread.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        loop = TransferLoop(configuration: configuration)
    }

    deinit {
        loop.shutdown()
    }

    /// Sends a request and returns the complete response. Every status, including 4xx and 5xx,
    /// is returned as a response; errors are for requests that got no complete response.
    public func execute(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        let transfer = try Transfer(
            request: request, maxResponseBytes: request.maxResponseBytes ?? configuration.maxResponseBytes,
            bodyStream: nil)
        let loop = self.loop
        let result = await withTaskCancellationHandler {
            await withUnsafeContinuation {
                (continuation: UnsafeContinuation<Result<HTTPResponse, HTTPError>, Never>) in
                transfer.completion = .buffered(continuation)
                if !loop.submit(transfer) {
                    transfer.completion = nil
                    continuation.resume(
                        returning: .failure(transfer.error(.cancelled, "the HTTP client was shut down")))
                }
            }
        } onCancel: {
            loop.cancel(transfer)
        }
        return try result.get()
    }

    /// Sends a request and returns as soon as the status line and headers have arrived; the
    /// body follows through the response's ``HTTPStreamingResponse/lines`` (or
    /// ``HTTPStreamingResponse/collectBody()``) as it arrives.
    ///
    /// The transfer is aborted when the calling task is cancelled before this returns, when the
    /// task reading the body is cancelled, or when the response is dropped unread.
    public func stream(_ request: HTTPRequest) async throws(HTTPError) -> HTTPStreamingResponse {
        let limit = request.maxResponseBytes ?? configuration.maxResponseBytes
        let body = BodyStream(limit: limit, url: request.url)
        let transfer = try Transfer(request: request, maxResponseBytes: limit, bodyStream: body)
        let control = StreamControl(client: self, transfer: transfer, body: body, limit: limit)
        let loop = self.loop
        let head = await withTaskCancellationHandler {
            await withUnsafeContinuation {
                (continuation: UnsafeContinuation<Result<Transfer.StreamHead, HTTPError>, Never>) in
                transfer.completion = .streaming(continuation)
                if !loop.submit(transfer) {
                    transfer.completion = nil
                    let error = transfer.error(.cancelled, "the HTTP client was shut down")
                    body.finish(.failure(error))
                    continuation.resume(returning: .failure(error))
                }
            }
        } onCancel: {
            loop.cancel(transfer)
        }
        switch head {
        case .success(let head):
            return HTTPStreamingResponse(
                status: head.status, headers: head.headers, timing: head.timing, control: control)
        case .failure(let error):
            throw error
        }
    }

    /// The event-loop thread as a task executor. Tasks that prefer it run on the loop thread, so
    /// the replies they wait for resume them without crossing threads; they must not block (their
    /// waiting must be `await`s), since the loop waits for them. Once the client is shut down,
    /// tasks still preferring it run on the global executor.
    public var taskExecutor: any TaskExecutor { loop }

    /// Runs `action` on the client's event loop at `due`, unless the returned timer is cancelled
    /// first: a time-out for work on ``taskExecutor`` that needs no task or thread of its own. Once
    /// the client is shut down, timers fire from a sleeping task instead.
    public func schedule(at due: MonotonicInstant, _ action: @escaping @Sendable () -> Void) -> LoopTimer {
        loop.schedule(at: due, action)
    }

    /// Stops the event loop; in-flight and later requests fail with `.cancelled`. Idempotent,
    /// and done automatically when the client is deallocated.
    public func shutdown() {
        loop.shutdown()
    }

    /// Counters describing the client's work so far.
    public var metrics: Metrics {
        Metrics(
            activeRequests: loop.activeCount.load(ordering: .relaxed),
            completedRequests: loop.completedCount.load(ordering: .relaxed),
            connectionsOpened: loop.connectionsOpened.load(ordering: .relaxed))
    }
}
