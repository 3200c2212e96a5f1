import MultipartKit

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
    /// line and its content) with MultipartKit's parser; `nil` when it is not well-formed multipart
    /// data, ends inside a part, or has no part. Parts without a `Content-Disposition` name are left
    /// out (the request then lacks its fields).
    static func parse(_ body: [UInt8], boundary: String) -> MultipartForm? {
        guard !boundary.isEmpty else { return nil }
        let parser = MultipartParser(boundary: boundary)
        var parts: [Part] = []
        var disposition: String?
        var contentType: String?
        var content: [UInt8] = []
        var inPart = false
        var completed = 0
        parser.onHeader = { name, value in
            inPart = true
            switch name.lowercased() {
            case "content-disposition": disposition = value
            case "content-type": contentType = value
            default: break
            }
        }
        parser.onBody = { buffer in
            inPart = true
            content.append(contentsOf: buffer.readableBytesView)
        }
        parser.onPartComplete = {
            if let disposition, let name = parameter("name", in: disposition) {
                parts.append(
                    Part(
                        name: name, filename: parameter("filename", in: disposition), contentType: contentType,
                        value: String(decoding: content, as: UTF8.self)))
            }
            completed += 1
            (disposition, contentType, content, inPart) = (nil, nil, [], false)
        }
        do { try parser.execute(body) } catch { return nil }
        return completed > 0 && !inPart ? MultipartForm(parts: parts) : nil
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
