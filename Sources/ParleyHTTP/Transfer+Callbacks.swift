internal import CCurl
import ParleyClock

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// libcurl calls these on the loop thread, from inside curl_multi_socket_action or
// curl_multi_perform. They are capture-free C functions: the transfer arrives through the
// WRITEDATA / HEADERDATA pointer, unretained because the loop holds every active transfer.

/// CURLOPT_WRITEFUNCTION: one piece of the response body.
func transferWriteCallback(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    let length = size &* count
    guard let context else { return 0 }
    // Any value other than `length` makes libcurl abort with CURLE_WRITE_ERROR.
    let accepted = Unmanaged<Transfer>.fromOpaque(context)._withUnsafeGuaranteedRef {
        $0.receiveBody(UnsafeRawBufferPointer(start: data, count: length))
    }
    return accepted ? length : 0
}

/// CURLOPT_HEADERFUNCTION: one header line, status line or the blank line that ends a head.
func transferHeaderCallback(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    let length = size &* count
    guard let context else { return 0 }
    let accepted = Unmanaged<Transfer>.fromOpaque(context)._withUnsafeGuaranteedRef {
        $0.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
    }
    return accepted ? length : 0
}

extension Transfer {
    /// Handles a piece of the body; returns false to abort the transfer (reason in `failure`).
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let now = loop?.now ?? .now
        lastActivity = now
        if firstBodyAt == nil { firstBodyAt = now }
        if !headersComplete { headersDidComplete(at: now) }
        bytesReceived += bytes.count
        if let bodyStream {
            switch bodyStream.deliver(bytes) {
            case .accepted:
                return true
            case .consumerGone:
                failure = error(.cancelled, "the consumer of the response stopped reading")
                return false
            case .overLimit:
                failure = error(.tooLarge, "more than \(maxResponseBytes) unread response bytes")
                return false
            }
        }
        guard receivedBody.count + bytes.count <= maxResponseBytes else {
            failure = error(.tooLarge, "the response body exceeds \(maxResponseBytes) bytes")
            return false
        }
        receivedBody.append(contentsOf: bytes)
        return true
    }

    /// Parses one line of a response head. Interim 1xx heads are skipped; lines after the head
    /// is complete (trailers) are ignored.
    func receiveHeaderLine(_ raw: UnsafeRawBufferPointer) -> Bool {
        lastActivity = loop?.now ?? .now
        if headersComplete { return true }
        var end = raw.count
        while end > 0, raw[end - 1] == UInt8(ascii: "\n") || raw[end - 1] == UInt8(ascii: "\r") {
            end -= 1
        }
        let line = UnsafeRawBufferPointer(rebasing: raw[0..<end])
        guard let first = line.first else {
            if status == 0 { return true }
            if (100..<200).contains(status) && status != 101 {
                status = 0
                headers = HTTPHeaders(reservingCapacity: Self.expectedFieldCount)
                return true
            }
            headersDidComplete(at: lastActivity)
            return true
        }
        if first == UInt8(ascii: "H"), line.count >= 5, memcmp(line.baseAddress!, "HTTP/", 5) == 0 {
            status = Self.parseStatus(line)
            headers = HTTPHeaders(reservingCapacity: Self.expectedFieldCount)
        } else if first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            // Obsolete line folding: the line continues the previous field's value.
            headers.appendToLastValue(" " + Self.trimmed(line, from: 0))
        } else if let found = memchr(line.baseAddress!, Int32(UInt8(ascii: ":")), line.count) {
            let colon = line.baseAddress!.distance(to: UnsafeRawPointer(found))
            let name = Self.fieldName(Self.trimmedRange(UnsafeRawBufferPointer(rebasing: line[0..<colon]), from: 0))
            headers.add(name: name, value: Self.trimmed(line, from: colon + 1))
        }
        return true
    }

    /// Records that the head is complete and, for a stream, hands it to the waiting caller.
    func headersDidComplete(at now: MonotonicInstant) {
        headersComplete = true
        headersAt = now
        lastActivity = now
        if let idle = timeouts.idle {
            loop?.considerDeadline(now + idle)
        }
        if case .streaming(let continuation) = completion {
            completion = nil
            continuation.resume(
                returning: .success(StreamHead(status: status, headers: headers, timing: timing(end: nil))))
        }
    }

    /// The code from `HTTP/1.1 200 OK` or `HTTP/2 200`; 0 when unreadable.
    static func parseStatus(_ line: UnsafeRawBufferPointer) -> Int {
        guard let space = line.firstIndex(of: UInt8(ascii: " ")) else { return 0 }
        var code = 0
        var digits = 0
        for byte in line[(space + 1)...] {
            if byte == UInt8(ascii: " ") && digits == 0 { continue }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 3 else { break }
            code = code * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits == 3 ? code : 0
    }

    /// The bytes from `start`, without surrounding spaces and tabs, as UTF-8 text.
    static func trimmed(_ line: UnsafeRawBufferPointer, from start: Int) -> String {
        String(decoding: trimmedRange(line, from: start), as: UTF8.self)
    }

    /// `line` from `start` without the spaces and tabs around it.
    static func trimmedRange(_ line: UnsafeRawBufferPointer, from start: Int) -> UnsafeRawBufferPointer {
        var lower = start
        var upper = line.count
        while lower < upper, line[lower] == UInt8(ascii: " ") || line[lower] == UInt8(ascii: "\t") { lower += 1 }
        while upper > lower, line[upper - 1] == UInt8(ascii: " ") || line[upper - 1] == UInt8(ascii: "\t") {
            upper -= 1
        }
        return UnsafeRawBufferPointer(rebasing: line[lower..<upper])
    }

    /// Room for a typical response's fields, so that the list does not grow field by field.
    static let expectedFieldCount = 12

    /// Field names longer than a `String` keeps inline (15 bytes) that responses commonly carry,
    /// as servers spell them, with their bytes: one of these is returned as the literal, without
    /// an allocation.
    static let commonLongNames: [(bytes: [UInt8], name: String)] = [
        "transfer-encoding", "Transfer-Encoding", "content-encoding", "Content-Encoding",
        "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset",
        "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
        "x-content-type-options", "X-Content-Type-Options", "strict-transport-security", "Strict-Transport-Security",
        "access-control-allow-origin", "Access-Control-Allow-Origin",
    ].map { (Array($0.utf8), $0) }

    /// A field name as the server wrote it.
    static func fieldName(_ bytes: UnsafeRawBufferPointer) -> String {
        if bytes.count > 15, let base = bytes.baseAddress {
            // By index, through the buffer: `for known in commonLongNames` copied each entry (its
            // bytes and its name retained and released), 400 instructions a field.
            let found = commonLongNames.withUnsafeBufferPointer { known -> Int? in
                for index in known.indices where known[index].bytes.count == bytes.count {
                    if known[index].bytes.withUnsafeBytes({ memcmp($0.baseAddress!, base, bytes.count) }) == 0 {
                        return index
                    }
                }
                return nil
            }
            if let found { return commonLongNames[found].name }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
