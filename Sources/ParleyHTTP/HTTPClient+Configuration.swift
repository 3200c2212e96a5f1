extension HTTPClient {
    /// The version reported in the default `User-Agent`.
    public static let version = "0.1.0"

    /// How the event loop waits for network events.
    public enum EventEngine: Sendable, Hashable {
        /// The fastest engine for the platform: on Linux, libcurl's socket interface driven by
        /// epoll, whose cost per wake-up does not grow with the number of requests in flight;
        /// elsewhere `.multiPoll`.
        case automatic
        /// `curl_multi_poll` with `curl_multi_wakeup`: portable, but each wake-up visits every
        /// request in flight, which shows at hundreds of concurrent requests.
        case multiPoll
    }

    /// Settings shared by every request of a client.
    public struct Configuration: Sendable {
        /// Connections kept open at once, idle ones included; requests beyond it wait for a
        /// free connection.
        public var maxConnections: Int
        /// The largest response body accepted (for streams: the most unread bytes buffered).
        public var maxResponseBytes: Int
        /// `User-Agent` sent unless a request sets its own.
        public var userAgent: String
        /// libcurl's receive buffer per request in flight (1 KiB to 512 KiB), allocated when the
        /// request starts and freed when it ends, whatever its size. The default is libcurl's
        /// smallest, a sixteenth of its own: a thousand requests in flight hold 3 MB more with
        /// 4 KiB buffers. A reply larger than the buffer takes a `recv` and a `poll` more per
        /// buffer's worth; ``receiveBufferSize(inFlight:)`` sizes it for a known number of
        /// requests at once.
        public var receiveBufferSize: Int
        /// How the event loop waits for network events.
        public var eventEngine: EventEngine
        /// Whether a URL's path and query go to libcurl as the request target when it would send
        /// them unchanged (``Transfer/originSplit(_:)``); off only to compare the two in tests.
        var targetsFromURLs = true

        /// Creates a configuration.
        public init(
            maxConnections: Int = 2048,
            maxResponseBytes: Int = 16 * 1024 * 1024,
            userAgent: String = "parley/\(HTTPClient.version)",
            receiveBufferSize: Int = 1024,
            eventEngine: EventEngine = .automatic
        ) {
            self.maxConnections = maxConnections
            self.maxResponseBytes = maxResponseBytes
            self.userAgent = userAgent
            self.receiveBufferSize = receiveBufferSize
            self.eventEngine = eventEngine
        }
    }

    /// A receive buffer for about `requests` requests in flight at once: 1 MiB shared among them,
    /// as a power of two from 1 KiB (from 1,000 requests up) to libcurl's own 16 KiB (64 or
    /// fewer). At 100 at once, 8 KiB: a reply of a few kilobytes in one `recv` rather than three.
    public static func receiveBufferSize(inFlight requests: Int) -> Int {
        let share = (1 << 20) / max(1, requests)
        var size = 1024
        while size * 2 <= min(share, 16 * 1024) { size *= 2 }
        return size
    }

    /// A snapshot of the client's counters.
    public struct Metrics: Sendable, Hashable {
        /// Requests submitted to libcurl and not yet finished.
        public var activeRequests: Int
        /// Requests finished, successfully or not.
        public var completedRequests: Int
        /// New connections opened (each reused connection saves one).
        public var connectionsOpened: Int
    }
}
