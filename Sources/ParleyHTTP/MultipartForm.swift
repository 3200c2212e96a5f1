import Synchronization
/// A `multipart/form-data` body (RFC 7578) built from text fields and files.
public struct MultipartForm: Sendable {
    private enum Part: Sendable {
        case field(name: String, value: String)
        case file(name: String, filename: String, contentType: String, data: [UInt8])
    }

    /// The boundary line that separates parts; it must not occur in any part's content.
    public let boundary: String
    private var parts: [Part] = []

    /// Creates an empty form; without a boundary, a random one is chosen, which is vanishingly
    /// unlikely to occur in the content.
    public init(boundary: String? = nil) {
        self.boundary = boundary ?? Self.randomBoundary()
    }

    /// Appends a text field.
    public mutating func addField(name: String, value: String) {
        parts.append(.field(name: name, value: value))
    }

    /// Appends a file part.
    public mutating func addFile(
        name: String, filename: String, contentType: String = "application/octet-stream", data: [UInt8]
    ) {
        parts.append(.file(name: name, filename: filename, contentType: contentType, data: data))
    }

    /// The `Content-Type` header value, carrying the boundary.
    public var contentType: String {
        "multipart/form-data; boundary=\(boundary)"
    }

    /// The encoded body.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        let dashBoundary = Array("--\(boundary)".utf8)
        let crlf: [UInt8] = [0x0D, 0x0A]
        for part in parts {
            out += dashBoundary
            out += crlf
            switch part {
            case .field(let name, let value):
                out += Array("Content-Disposition: form-data; name=\"\(Self.quoted(name))\"".utf8)
                out += crlf
                out += crlf
                out += Array(value.utf8)
            case .file(let name, let filename, let contentType, let data):
                out += Array(
                    ("Content-Disposition: form-data; name=\"\(Self.quoted(name))\"; "
                        + "filename=\"\(Self.quoted(filename))\"").utf8)
                out += crlf
                out += Array("Content-Type: \(Self.headerSafe(contentType))".utf8)
                out += crlf
                out += crlf
                out += data
            }
            out += crlf
        }
        out += dashBoundary
        out += Array("--".utf8)
        out += crlf
        return out
    }

    /// Escapes a name for a quoted-string parameter the way browsers do (HTML form submission):
    /// `"` becomes `%22` and line breaks become `%0D` / `%0A`, so a name cannot break the header.
    private static func quoted(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "%22"
            case "\r": result += "%0D"
            case "\n": result += "%0A"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func headerSafe(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0 != "\r" && $0 != "\n" })
    }

    /// A boundary no message will contain by chance: 128 random bits drawn once per process, and a
    /// counter so each form differs. (Drawing fresh randomness per request was a system call per
    /// message, which showed up in profiles.)
    private static func randomBoundary() -> String {
        let serial = boundaryCounter.add(1, ordering: .relaxed).newValue
        return "parley-\(boundaryPrefix)-\(String(serial, radix: 36))"
    }

    private static let boundaryPrefix: String = {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        var generator = SystemRandomNumberGenerator()
        let suffix = (0..<24).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] }
        return String(decoding: suffix, as: UTF8.self)
    }()

    private static let boundaryCounter = Atomic<Int>(0)
}
