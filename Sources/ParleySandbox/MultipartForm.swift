#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// The parts of a `multipart/form-data` body: plain fields and file parts alike, by name, in order.
struct MultipartForm: Sendable {
    struct Part: Sendable {
        var name: String
        var filename: String?
        var contentType: String?
        var value: String
    }

    var parts: [Part]

    /// Every value sent under `name` (fields may repeat).
    func values(_ name: String) -> [String] {
        parts.filter { $0.name == name }.map(\.value)
    }

    func first(_ name: String) -> Part? {
        parts.first { $0.name == name }
    }

    /// The boundary of a `multipart/form-data; boundary=…` content type, if it is one.
    static func boundary(fromContentType contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingSpaces }
        guard let first = pieces.first, first.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingSpaces.lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingSpaces
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            // RFC 2046 limits boundaries to 70 characters; an empty one would trap in the parser.
            return value.isEmpty || value.count > 200 ? nil : value
        }
        return nil
    }

    /// Parses a body (RFC 7578: parts between `--boundary` lines, each with its header lines, a blank
    /// line and its content); `nil` when it is not well-formed multipart data or has no part.
    /// Parts without a `Content-Disposition` name are left out (the request then lacks its fields).
    static func parse(_ body: [UInt8], boundary: String) -> MultipartForm? {
        guard !boundary.isEmpty else { return nil }
        let delimiter = Array("--\(boundary)".utf8)
        let crlf: [UInt8] = [0x0D, 0x0A]
        // The first delimiter may follow a preamble; later ones always start on a new line.
        guard let first = Self.find(delimiter, in: body, from: 0) else { return nil }
        var cursor = first + delimiter.count
        var parts: [Part] = []
        var count = 0
        while true {
            if body[cursor...].starts(with: [0x2D, 0x2D]) { break }  // `--boundary--`: the end
            // Transport padding.
            while cursor < body.count, body[cursor] == 0x20 || body[cursor] == 0x09 { cursor += 1 }
            guard body[cursor...].starts(with: crlf) else { return nil }
            cursor += 2
            let headerEnd: Int, contentStart: Int
            if body[cursor...].starts(with: crlf) {  // no header lines at all
                (headerEnd, contentStart) = (cursor, cursor + 2)
            } else {
                guard let blank = Self.find(crlf + crlf, in: body, from: cursor) else { return nil }
                (headerEnd, contentStart) = (blank, blank + 4)
            }
            let closing = crlf + delimiter
            guard let next = Self.find(closing, in: body, from: contentStart) else { return nil }
            let headers = String(decoding: body[cursor..<headerEnd], as: UTF8.self)
            if let part = Self.part(headers: headers, content: body[contentStart..<next]) { parts.append(part) }
            count += 1
            cursor = next + closing.count
        }
        return count > 0 ? MultipartForm(parts: parts) : nil
    }

    /// Where `needle` first occurs in `haystack` at or after `start`: `memchr` to each candidate first
    /// byte, then `memcmp` (generic collection searches were a visible share of request handling).
    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let head = needle.first, start <= haystack.count else { return nil }
        return haystack.withUnsafeBytes { hay in
            needle.withUnsafeBytes { pattern in
                guard let base = hay.baseAddress, let patternBase = pattern.baseAddress else { return nil }
                var offset = start
                while hay.count - offset >= pattern.count {
                    guard let hit = memchr(base + offset, Int32(head), hay.count - offset - pattern.count + 1) else {
                        return nil
                    }
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + at, patternBase, pattern.count) == 0 { return at }
                    offset = at + 1
                }
                return nil
            }
        }
    }

    /// A part from its header lines and content; `nil` without a `Content-Disposition` name.
    private static func part(headers: String, content: ArraySlice<UInt8>) -> Part? {
        var disposition: String?
        var contentType: String?
        for line in headers.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].trimmingSpaces
            switch line[..<colon].lowercased() {
            case "content-disposition": disposition = value
            case "content-type": contentType = value
            default: break
            }
        }
        guard let disposition, let name = parameter("name", in: disposition) else { return nil }
        return Part(
            name: name, filename: parameter("filename", in: disposition), contentType: contentType,
            value: String(decoding: content, as: UTF8.self))
    }

    /// A parameter of a header value: `name` in `form-data; name="recorded_message"; filename="m.txt"`.
    static func parameter(_ key: String, in header: String) -> String? {
        var rest = Substring(header)
        while let semicolon = rest.firstIndex(of: ";") {
            rest = rest[rest.index(after: semicolon)...]
            let piece = rest.prefix { $0 != ";" }.trimmingSpaces
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingSpaces.lowercased() == key else { continue }
            var value = pair[1].trimmingSpaces
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            return value
        }
        return nil
    }
}
