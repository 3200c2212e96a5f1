internal import CCurl
import Synchronization
import ParleyClock

/// One request in flight: what to send, and the response as it arrives.
///
/// The caller prepares it (validation, header list, body copy) on its own task so that this
/// work is spread over cores, then hands it to the transfer loop. From then on every `var` is
/// read and written only on the loop thread, which is why the class is `@unchecked Sendable`;
/// the one exception, `cancelRequested`, is atomic.
final class Transfer: @unchecked Sendable {
    /// What the loop does with the response. Its continuation is unchecked: it is resumed where
    /// `completion` is taken (set to `nil`), so once; a checked one cost an object per request.
    enum Completion {
        /// Collect the whole body, then resume the caller.
        case buffered(UnsafeContinuation<Result<HTTPResponse, HTTPError>, Never>)
        /// Resume the caller once the headers are in; the body flows through a `BodyStream`.
        case streaming(UnsafeContinuation<Result<StreamHead, HTTPError>, Never>)
    }

    /// Status line and headers of a streamed response.
    struct StreamHead: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var timing: HTTPTiming
    }

    // MARK: Prepared by the caller, read-only afterwards

    let url: String
    let method: HTTPMethod
    let headerList: UnsafeMutablePointer<curl_slist>?
    /// Owned copy of the request body, alive until the transfer is deallocated, which happens
    /// only after libcurl has let go of the easy handle (libcurl does not copy `POSTFIELDS`).
    let body: UnsafeMutableRawBufferPointer?
    let timeouts: HTTPTimeouts
    let verifyTLS: Bool
    let maxResponseBytes: Int
    let started: MonotonicInstant
    let firstByteDeadline: MonotonicInstant?
    let totalDeadline: MonotonicInstant?
    /// Set by the caller just before submission; the loop resumes and clears it.
    @exclusivity(unchecked) var completion: Completion?
    /// Set when the stream's consumer exists; bytes go there instead of `receivedBody`.
    let bodyStream: BodyStream?
    /// Set from any thread by cancellation; checked by the loop when the transfer starts.
    let cancelRequested = Atomic<Bool>(false)

    // MARK: Loop-thread state
    //
    // One thread reads and writes these, one callback at a time, and no access to one overlaps
    // another: the run-time exclusivity checks (about a hundred a turn, each a lookup in the
    // thread's access set) are left out.

    /// The loop that runs the transfer; it outlives every transfer it holds.
    unowned(unsafe) var loop: TransferLoop?
    @exclusivity(unchecked) var easy: EasyHandle?
    /// Index in the loop's active list, or -1 when not active.
    @exclusivity(unchecked) var slot = -1
    @exclusivity(unchecked) var status = 0
    @exclusivity(unchecked) var headers = HTTPHeaders()
    @exclusivity(unchecked) var headersComplete = false
    @exclusivity(unchecked) var headersAt: MonotonicInstant?
    @exclusivity(unchecked) var firstBodyAt: MonotonicInstant?
    @exclusivity(unchecked) var lastActivity: MonotonicInstant
    @exclusivity(unchecked) var receivedBody: [UInt8] = []
    @exclusivity(unchecked) var bytesReceived = 0
    /// Why a callback aborted the transfer, when it did.
    @exclusivity(unchecked) var failure: HTTPError?

    init(request: HTTPRequest, maxResponseBytes: Int, bodyStream: BodyStream?) throws(HTTPError) {
        func invalid(_ message: String) -> HTTPError {
            HTTPError(code: .invalidRequest, message: message, url: request.url)
        }
        guard Self.hasHTTPScheme(request.url) else {
            throw invalid("the URL must be absolute and start with http:// or https://")
        }
        guard !request.url.anyUTF8({ $0 <= 0x20 || $0 == 0x7F }) else {
            throw invalid("the URL contains spaces or control characters")
        }
        guard request.method.isValidToken else {
            throw invalid("the method is not a valid HTTP token")
        }
        let encodedBody = request.body?.encoded()
        var headerList: UnsafeMutablePointer<curl_slist>?
        do {
            headerList = try Self.makeHeaderList(
                request.headers, contentType: request.body?.contentType, bodySize: encodedBody?.count ?? 0,
                suppressFormContentType: request.body == nil && request.method == .post)
        } catch let message {
            throw invalid(message.text)
        }

        self.url = request.url
        self.method = request.method
        self.headerList = headerList
        if let encodedBody {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(encodedBody.count, 1), alignment: 1)
            encodedBody.withUnsafeBytes { source in
                if let base = source.baseAddress, let target = buffer.baseAddress {
                    target.copyMemory(from: base, byteCount: source.count)
                }
            }
            self.body = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<encodedBody.count])
        } else {
            self.body = nil
        }
        self.timeouts = request.timeouts
        self.verifyTLS = request.verifyTLS
        self.maxResponseBytes = max(0, maxResponseBytes)
        self.bodyStream = bodyStream
        let now = MonotonicInstant.now
        self.started = now
        self.lastActivity = now
        self.firstByteDeadline = request.timeouts.firstByte.map { now + $0 }
        self.totalDeadline = request.timeouts.total.map { now + $0 }
    }

    deinit {
        curl_slist_free_all(headerList)
        if let body, let base = body.baseAddress {
            base.deallocate()
        }
    }

    /// The URL as errors show it; computed only when an error is made, which is rare.
    var redactedURL: String {
        URLRedaction.redact(url)
    }

    /// An error about this transfer, carrying how far the response got.
    func error(_ code: HTTPError.Code, _ message: String) -> HTTPError {
        HTTPError(
            code: code, message: message, redactedURL: redactedURL,
            status: headersComplete ? status : nil, bytesReceived: bytesReceived)
    }

    // MARK: Deadlines

    /// The earliest of this transfer's own deadlines and the error it fails with then.
    func nextDeadline() -> (at: MonotonicInstant, code: HTTPError.Code)? {
        var best: (at: MonotonicInstant, code: HTTPError.Code)? = totalDeadline.map { ($0, .totalTimeout) }
        if !headersComplete {
            if let firstByte = firstByteDeadline, best.map({ firstByte < $0.at }) ?? true {
                best = (firstByte, .firstByteTimeout)
            }
        } else if let idle = timeouts.idle {
            let stall = lastActivity + idle
            if best.map({ stall < $0.at }) ?? true {
                best = (stall, .idleTimeout)
            }
        }
        return best
    }

    /// The error for an expired deadline.
    func timeoutError(_ code: HTTPError.Code) -> HTTPError {
        switch code {
        case .firstByteTimeout:
            error(code, "no response within \(Self.format(timeouts.firstByte))")
        case .idleTimeout:
            error(code, "no data for \(Self.format(timeouts.idle))")
        default:
            error(code, "not complete within \(Self.format(timeouts.total))")
        }
    }

    private static func format(_ duration: Duration?) -> String {
        guard let duration else { return "the limit" }
        let milliseconds = duration.milliseconds
        return milliseconds < 10_000 ? "\(milliseconds) ms" : "\(milliseconds / 1000) s"
    }

    // MARK: Completion (loop thread)

    /// Resumes whoever waits on this transfer; called exactly once, after the easy handle was
    /// released.
    func complete(_ outcome: Result<Void, HTTPError>) {
        let end = loop?.now ?? .now
        switch completion {
        case .buffered(let continuation):
            continuation.resume(
                returning: outcome.map { _ in
                    HTTPResponse(status: status, headers: headers, body: receivedBody, timing: timing(end: end))
                })
        case .streaming(let continuation):
            // Resumed here only when the headers never completed (a failure, or a response
            // libcurl finished without a blank line); otherwise `headersDidComplete` did it.
            continuation.resume(
                returning: outcome.map { _ in
                    StreamHead(status: status, headers: headers, timing: timing(end: nil))
                })
        case nil:
            break
        }
        completion = nil
        bodyStream?.finish(outcome)
    }

    func timing(end: MonotonicInstant?) -> HTTPTiming {
        HTTPTiming(
            started: started,
            headers: headersAt.map { $0 - started },
            firstByte: (firstBodyAt ?? (end != nil ? headersAt : nil)).map { $0 - started },
            total: end.map { $0 - started })
    }
}
