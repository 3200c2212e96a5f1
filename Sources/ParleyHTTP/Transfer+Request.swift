internal import CCurl
internal import CCurlShims

extension Transfer {
    /// Why a request could not be turned into libcurl options; never quotes header values.
    struct RequestProblem: Error {
        var text: String
    }

    static func hasHTTPScheme(_ url: String) -> Bool {
        var bytes = url.utf8.makeIterator()
        for expected in "http".utf8 {
            guard let byte = bytes.next(), HTTPHeaders.asciiLowercased(byte) == expected else { return false }
        }
        var next = bytes.next()
        if let byte = next, HTTPHeaders.asciiLowercased(byte) == UInt8(ascii: "s") { next = bytes.next() }
        return next == UInt8(ascii: ":") && bytes.next() == UInt8(ascii: "/") && bytes.next() == UInt8(ascii: "/")
    }

    /// Where a URL splits into its origin (`http://host:port/`, up to and with the byte at the
    /// index), for libcurl to connect to, and its path and query (from the index on), for libcurl
    /// to send as the request target (`CURLOPT_REQUEST_TARGET`) verbatim: the very bytes libcurl
    /// would send for the whole URL. libcurl 7.88 parses and formats a URL a character at a time,
    /// several times over for every request (parsing and normalizing it, into the request line,
    /// into a "path?query" made for authentication schemes Parley does not use): 150 to 300
    /// instructions per character, about 26,000 a turn for Amigo's URLs (6 % of a turn).
    ///
    /// `nil` — the whole URL goes to libcurl — for a URL with a fragment, an empty query, a path
    /// with a dot segment (libcurl removes those), or a byte outside RFC 3986's characters in its
    /// path or query: only URLs libcurl sends exactly as written are split.
    static func originSplit(_ url: String) -> Int? {
        let split = url.utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            // After "scheme://" (checked when the transfer was made), the authority ends at the path.
            guard var at = bytes.firstIndex(of: UInt8(ascii: ":")), at + 2 < bytes.count else { return nil }
            at += 3
            while at < bytes.count, !isPathDelimiter(bytes[at]) { at += 1 }
            guard at < bytes.count, bytes[at] == UInt8(ascii: "/") else { return nil }
            let path = at
            var previous: UInt8 = 0
            // The path, up to its query: a segment starting with a dot may be one libcurl removes.
            while at < bytes.count {
                let byte = bytes[at]
                guard isTargetByte(byte) else { return nil }
                if byte == UInt8(ascii: "?") { break }
                if byte == UInt8(ascii: "."), previous == UInt8(ascii: "/") { return nil }
                previous = byte
                at += 1
            }
            guard at < bytes.count else { return path }
            // The query (most of a URL's bytes): only its characters matter. One that ends in "?"
            // (an empty one among them) is left to libcurl, whatever it makes of it.
            while at < bytes.count {
                guard isTargetByte(bytes[at]) else { return nil }
                at += 1
            }
            return bytes[at - 1] == UInt8(ascii: "?") ? nil : path
        }
        return split ?? nil
    }

    private static func isPathDelimiter(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#")
    }

    /// RFC 3986's characters of a path and query: unreserved, sub-delims, `:`, `@`, `/`, `?`, `%`
    /// (``targetCharacters``), as two sets of 64 bits (bytes 0–63 and 64–127): a test per byte.
    @inline(__always)
    static func isTargetByte(_ byte: UInt8) -> Bool {
        let set: UInt64 = byte < 64 ? 0xafff_fff2_0000_0000 : byte < 128 ? 0x47ff_fffe_87ff_ffff : 0
        return set & (1 << UInt64(byte & 63)) != 0
    }

    static let targetCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/?%"

    /// Builds libcurl's header list: the caller's fields, the body's `Content-Type` unless the
    /// caller set one, and for larger bodies an empty `Expect:` so that libcurl never waits for
    /// `100 Continue` before sending (servers that ignore it would cost a second per request).
    static func makeHeaderList(
        _ headers: HTTPHeaders, contentType: String?, bodySize: Int, suppressFormContentType: Bool
    ) throws(RequestProblem) -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>?
        var exhausted = false
        // Each line is put together on the stack: libcurl copies it.
        func append(_ name: String, _ separator: StaticString = "", _ value: String = "") {
            guard !exhausted else { return }
            let count = name.utf8.count + separator.utf8CodeUnitCount + value.utf8.count
            let extended = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count + 1) { line in
                // From each string's storage (a copy, not a walk of its UTF-8 view).
                func put(_ text: String, at start: Int) -> Int {
                    text.utf8.withContiguousStorageIfAvailable { line[start...].initialize(fromContentsOf: $0) }
                        ?? line[start...].initialize(fromContentsOf: text.utf8)
                }
                var at = put(name, at: 0)
                separator.withUTF8Buffer { at = line[at...].initialize(fromContentsOf: $0) }
                at = put(value, at: at)
                line[at] = 0
                return line.withMemoryRebound(to: CChar.self) { curl_slist_append(list, $0.baseAddress) }
            }
            if let extended {
                list = extended
            } else {
                exhausted = true
            }
        }
        for (name, value) in headers {
            guard !name.isEmpty, !name.anyUTF8({ !HTTPHeaders.isTokenByte($0) }) else {
                curl_slist_free_all(list)
                throw RequestProblem(text: "a header name is not a valid HTTP token")
            }
            guard HTTPHeaders.isValidValue(value) else {
                curl_slist_free_all(list)
                throw RequestProblem(text: "the value of header \(name) contains a line break or NUL")
            }
            // libcurl drops "Name:" (that syntax removes one of its own headers); "Name;" sends
            // the field with an empty value.
            if value.isEmpty { append(name, ";") } else { append(name, ": ", value) }
        }
        if !headers.contains("Content-Type") {
            if let contentType {
                // By scalar: "\r\n" is one Character, equal to neither "\r" nor "\n".
                let broken = contentType.anyUTF8 { $0 == 0x0D || $0 == 0x0A }
                let safe = broken ? String(contentType.unicodeScalars.filter { $0 != "\r" && $0 != "\n" }) : contentType
                append("Content-Type", ": ", safe)
            } else if suppressFormContentType {
                // A body-less POST would otherwise claim to be a form.
                append("Content-Type:")
            }
        }
        // libcurl 7.x asks for 100 Continue above 1 KiB or 1 MiB depending on the version; below
        // 1 KiB it never does, so small bodies (the common case) skip the extra field.
        if bodySize >= 1024 && !headers.contains("Expect") {
            append("Expect:")
        }
        if exhausted {
            curl_slist_free_all(list)
            throw RequestProblem(text: "out of memory while building the header list")
        }
        return list
    }

    /// Sets every option the request needs on a freshly reset easy handle.
    func configure(
        _ handle: EasyHandle, userAgent: String, receiveBufferSize: Int, targetFromURL: Bool, noProxy: Bool
    ) -> CURLcode {
        let easy = handle.raw
        let context = Unmanaged.passUnretained(self).toOpaque()
        var failed = CURLE_OK
        func check(_ code: CURLcode) {
            if code != CURLE_OK && failed == CURLE_OK { failed = code }
        }
        handle.errorBuffer[0] = 0
        // The scheme was checked to be http or https when the transfer was made, and redirects
        // are not followed, so CURLOPT_PROTOCOLS_STR (parsed anew for every request) is not needed.
        if targetFromURL, let split = Self.originSplit(url) {
            // libcurl copies both: the target is the URL's own tail, the origin is put together on
            // the stack.
            url.withCString { whole in
                check(parley_easy_setopt_string(easy, CURLOPT_REQUEST_TARGET, whole + split))
                withUnsafeTemporaryAllocation(of: CChar.self, capacity: split + 2) { origin in
                    guard let base = origin.baseAddress else { return }
                    base.update(from: whole, count: split + 1)
                    base[split + 1] = 0
                    check(parley_easy_setopt_string(easy, CURLOPT_URL, base))
                }
            }
        } else {
            check(parley_easy_setopt_string(easy, CURLOPT_URL, url))
        }
        if noProxy {
            // No proxy variable was set when the client started: libcurl need not look again.
            check(parley_easy_setopt_string(easy, CURLOPT_PROXY, ""))
            check(parley_easy_setopt_string(easy, CURLOPT_NOPROXY, ""))
        }
        // Signals would be delivered to whichever thread; timeouts are ours anyway.
        check(parley_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        check(parley_easy_setopt_pointer(easy, CURLOPT_PRIVATE, context))
        check(parley_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, handle.errorBuffer))
        check(parley_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, transferWriteCallback))
        check(parley_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, context))
        check(parley_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, transferHeaderCallback))
        check(parley_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, context))
        check(parley_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList))
        check(parley_easy_setopt_string(easy, CURLOPT_USERAGENT, userAgent))
        // A proxy's "200 Connection established" must not be taken for the response.
        check(parley_easy_setopt_long(easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1))
        check(parley_easy_setopt_long(easy, CURLOPT_BUFFERSIZE, receiveBufferSize))
        if let connect = timeouts.connect {
            check(parley_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, max(1, connect.milliseconds)))
        }
        if !verifyTLS {
            check(parley_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 0))
            check(parley_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 0))
        }
        switch method {
        case .get where body == nil:
            break  // libcurl's default after a reset
        case .head where body == nil:
            check(parley_easy_setopt_long(easy, CURLOPT_NOBODY, 1))
        default:
            if body != nil || method == .post {
                // Without POSTFIELDS, a POST would read its body from stdin.
                let bytes = body ?? UnsafeMutableRawBufferPointer(start: nil, count: 0)
                check(parley_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count)))
                check(parley_easy_setopt_pointer(easy, CURLOPT_POSTFIELDS, bytes.baseAddress ?? emptyBody))
            }
            if method != .post {
                check(parley_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method.rawValue))
            }
        }
        return failed
    }
}

/// A valid pointer for zero-length bodies: libcurl treats a null POSTFIELDS as "no fields set".
nonisolated(unsafe) private let emptyBody = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
