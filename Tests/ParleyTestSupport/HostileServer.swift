import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A server on a loopback port that misbehaves on purpose: it reads each HTTP request and then,
/// depending on the request, answers properly, says nothing, trickles, floods, resets the
/// connection or sends bytes that are not HTTP. Raw sockets, one thread per connection, so it can
/// do what no well-behaved server framework would.
public final class HostileServer: @unchecked Sendable {
    /// What the server does with one request.
    public enum Behaviour: Sendable {
        /// A normal answer; the connection stays open for the next request.
        case answer(status: Int, contentType: String, body: [UInt8])
        /// Reads the request and never answers (the connection stays open).
        case silent
        /// 200 and a chunked body that never ends: `line` (with a line break) once per `every`.
        case trickle(contentType: String, line: [UInt8], every: Duration)
        /// 200 and a chunked body of `lines` repeated until `bytes` have been sent, then the end.
        case flood(contentType: String, lines: [UInt8], bytes: Int)
        /// Closes the connection with a reset (RST) once the request is read.
        case reset
        /// Answers with these bytes instead of HTTP, then closes.
        case garbage([UInt8])
    }

    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    private let listener: Int32
    private let route: @Sendable (_ method: String, _ path: String) -> Behaviour
    private let lock = NSLock()
    private var connections: Set<Int32> = []
    private var stopped = false
    private var requestCount = 0
    private var requestHeads: [String] = []

    /// Starts listening; `route` picks the behaviour for each request by method and path.
    public init(_ route: @escaping @Sendable (_ method: String, _ path: String) -> Behaviour) throws {
        self.route = route
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(message: "socket: \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(fd, address, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, address, &length) == 0
            }
        }
        guard ok else {
            close(fd)
            throw Failure(message: "cannot listen on loopback: \(errno)")
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Requests read so far.
    public var requests: Int {
        lock.lock()
        defer { lock.unlock() }
        return requestCount
    }

    /// The head of every request read so far (request line and header fields), in order.
    public var heads: [String] {
        lock.lock()
        defer { lock.unlock() }
        return requestHeads
    }

    /// Stops accepting and closes every connection (waking threads blocked on them).
    public func stop() {
        lock.lock()
        let open = connections
        let already = stopped
        stopped = true
        connections = []
        lock.unlock()
        guard !already else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    deinit { stop() }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    private func acceptLoop() {
        while !isStopped {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            lock.lock()
            if stopped {
                lock.unlock()
                close(client)
                return
            }
            connections.insert(client)
            lock.unlock()
            let thread = Thread { [self] in
                serve(client)
                lock.lock()
                let owned = connections.remove(client) != nil
                lock.unlock()
                if owned { shutdown(client, Int32(SHUT_RDWR)) }
                close(client)
            }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        var buffered: [UInt8] = []
        while let (method, path) = readRequest(fd, &buffered) {
            lock.lock()
            requestCount += 1
            lock.unlock()
            switch route(method, path) {
            case .answer(let status, let contentType, let body):
                let head =
                    "HTTP/1.1 \(status) X\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n\r\n"
                guard write(fd, Array(head.utf8) + body) else { return }
            case .silent:
                var byte: UInt8 = 0
                while !isStopped, recv(fd, &byte, 1, 0) > 0 {}
                return
            case .trickle(let contentType, let line, let every):
                guard write(fd, Self.chunkedHead(contentType)) else { return }
                while !isStopped {
                    guard write(fd, Self.chunk(line + [0x0A])) else { return }
                    Thread.sleep(
                        forTimeInterval: Double(every.components.attoseconds) / 1e18 + Double(every.components.seconds))
                }
                return
            case .flood(let contentType, let lines, let bytes):
                guard write(fd, Self.chunkedHead(contentType)) else { return }
                var block: [UInt8] = []
                while block.count < 64 * 1024 { block += lines }
                var sent = 0
                while sent < bytes, !isStopped {
                    guard write(fd, Self.chunk(block)) else { return }
                    sent += block.count
                }
                _ = write(fd, Array("0\r\n\r\n".utf8))
            case .reset:
                var linger = linger(l_onoff: 1, l_linger: 0)
                setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
                return
            case .garbage(let bytes):
                _ = write(fd, bytes)
                return
            }
        }
    }

    private static func chunkedHead(_ contentType: String) -> [UInt8] {
        Array("HTTP/1.1 200 OK\r\nContent-Type: \(contentType)\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
    }

    private static func chunk(_ bytes: [UInt8]) -> [UInt8] {
        Array(String(bytes.count, radix: 16).utf8) + [0x0D, 0x0A] + bytes + [0x0D, 0x0A]
    }

    /// Reads one request (head and a `Content-Length` body); `nil` when the connection closed.
    private func readRequest(_ fd: Int32, _ buffered: inout [UInt8]) -> (String, String)? {
        let separator: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
        var headEnd: Int?
        while headEnd == nil {
            if let found = Self.find(separator, in: buffered) {
                headEnd = found
                break
            }
            guard let more = read(fd) else { return nil }
            buffered += more
        }
        guard let end = headEnd else { return nil }
        let head = String(decoding: buffered[0..<end], as: UTF8.self)
        buffered.removeFirst(end + 4)
        lock.lock()
        requestHeads.append(head)
        lock.unlock()
        let lines = head.components(separatedBy: "\r\n")
        let parts = (lines.first ?? "").split(separator: " ")
        guard parts.count >= 2 else { return nil }
        var length = 0
        for line in lines.dropFirst() {
            let pair = line.split(separator: ":", maxSplits: 1)
            if pair.count == 2, pair[0].lowercased() == "content-length" {
                length = Int(pair[1].trimmingCharacters(in: .whitespaces)) ?? 0
            }
        }
        while buffered.count < length {
            guard let more = read(fd) else { return nil }
            buffered += more
        }
        buffered.removeFirst(length)
        return (String(parts[0]), String(parts[1]))
    }

    private func read(_ fd: Int32) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { return Array(chunk[0..<n]) }
            if n < 0, errno == EINTR { continue }
            return nil
        }
    }

    private func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}

/// The resident memory of this process and its peak so far, from `/proc/self/status`.
public enum ProcessMemory {
    /// Current resident set size in bytes (`VmRSS`), if readable.
    public static var resident: Int? { value(of: "VmRSS") }

    private static func value(of field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let digits = line.split(separator: " ").compactMap { Int($0) }
            return digits.first.map { $0 * 1024 }
        }
        return nil
    }
}
