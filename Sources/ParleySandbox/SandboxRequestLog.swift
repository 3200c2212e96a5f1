import Synchronization

/// Every request a sandbox received, exactly as it arrived: for tests that check what a client
/// really sends (request bodies against a protocol's schemas), not what it meant to send.
public final class SandboxRequestLog: Sendable {
    /// One request as received: method, path, raw query, headers and body bytes.
    public struct Entry: Sendable {
        public var method: String
        public var path: String
        /// The query string as sent (percent escapes kept), without the `?`.
        public var query: String?
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        /// A request as a server would record it.
        public init(
            method: String, path: String, query: String?, headers: [(name: String, value: String)], body: [UInt8]
        ) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.body = body
        }

        /// The first value of a header (names are case-insensitive).
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    private let entries = Mutex<[Entry]>([])

    /// An empty log; pass it in ``SandboxConfiguration/requestLog``.
    public init() {}

    func append(_ entry: Entry) {
        entries.withLock { $0.append(entry) }
    }

    /// What arrived so far, in order of arrival.
    public var all: [Entry] { entries.withLock { $0 } }
}
