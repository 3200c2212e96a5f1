import Foundation
import MultipartKit
import NIOCore

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
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = pieces.first, first.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            // RFC 2046 limits boundaries to 70 characters; an empty one would trap in the parser.
            return value.isEmpty || value.count > 200 ? nil : value
        }
        return nil
    }

    /// Parses a body; `nil` when it is not well-formed multipart data.
    static func parse(_ body: [UInt8], boundary: String) -> MultipartForm? {
        guard !boundary.isEmpty else { return nil }
        let parser = MultipartParser(boundary: boundary)
        var parts: [Part] = []
        var headers: [(String, String)] = []
        var data: [UInt8] = []
        var completed = 0
        parser.onHeader = { name, value in headers.append((name, value)) }
        parser.onBody = { buffer in data.append(contentsOf: buffer.readableBytesView) }
        parser.onPartComplete = {
            completed += 1
            defer {
                headers = []
                data = []
            }
            guard let disposition = headers.first(where: { $0.0.lowercased() == "content-disposition" })?.1,
                  let name = Self.parameter("name", in: disposition)
            else { return }
            let contentType = headers.first { $0.0.lowercased() == "content-type" }?.1
            parts.append(Part(name: name, filename: Self.parameter("filename", in: disposition), contentType: contentType,
                              value: String(decoding: data, as: UTF8.self)))
        }
        do {
            try parser.execute(body)
        } catch {
            return nil
        }
        return completed > 0 ? MultipartForm(parts: parts) : nil
    }

    /// A parameter of a header value: `name` in `form-data; name="recorded_message"; filename="m.txt"`.
    static func parameter(_ key: String, in header: String) -> String? {
        var rest = Substring(header)
        while let semicolon = rest.firstIndex(of: ";") {
            rest = rest[rest.index(after: semicolon)...]
            let piece = rest.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces)
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == key else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }
}
