import Synchronization
/// A `multipart/form-data` body (RFC 7578) built from text fields and files.
public struct MultipartForm: Sendable {
    private enum Part: Sendable {
        case field(name: String, value: String)
        case file(name: String, filename: String, contentType: String, data: [UInt8])

        /// The bytes of its name, value or data: most of what the part encodes to.
        var size: Int {
            switch self {
            case .field(let name, let value): name.utf8.count + value.utf8.count
            case .file(let name, let filename, _, let data): name.utf8.count + filename.utf8.count + data.count
            }
        }
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
        out.reserveCapacity(parts.reduce(96 + boundary.utf8.count) { $0 + 128 + boundary.utf8.count + $1.size })
        func put(_ text: StaticString) {
            text.withUTF8Buffer { out.append(contentsOf: $0) }
        }
        func put(_ text: String) { Self.append(text, to: &out) }
        for part in parts {
            put("--")
            put(boundary)
            put("\r\n")
            switch part {
            case .field(let name, let value):
                put(#"Content-Disposition: form-data; name=""#)
                Self.appendQuoted(name, to: &out)
                put("\"\r\n\r\n")
                put(value)
            case .file(let name, let filename, let contentType, let data):
                put(#"Content-Disposition: form-data; name=""#)
                Self.appendQuoted(name, to: &out)
                put(#""; filename=""#)
                Self.appendQuoted(filename, to: &out)
                put("\"\r\nContent-Type: ")
                put(Self.headerSafe(contentType))
                put("\r\n\r\n")
                out += data
            }
            put("\r\n")
        }
        put("--")
        put(boundary)
        put("--\r\n")
        return out
    }

    /// Appends a name escaped for a quoted-string parameter the way browsers do (HTML form
    /// submission): `"` becomes `%22` and line breaks become `%0D` / `%0A`, so a name cannot break
    /// the header.
    private static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        // Field names nearly never hold one of the three: copied whole.
        guard text.anyUTF8({ $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }) else {
            append(text, to: &out)
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += "%22".utf8
            case UInt8(ascii: "\r"): out += "%0D".utf8
            case UInt8(ascii: "\n"): out += "%0A".utf8
            default: out.append(byte)
            }
        }
    }

    /// Appends `text` copied from its storage: appending a `String.UTF8View` walks it byte by byte.
    private static func append(_ text: String, to out: inout [UInt8]) {
        if text.utf8.withContiguousStorageIfAvailable({ out.append(contentsOf: $0) }) == nil {
            out.append(contentsOf: text.utf8)
        }
    }

    private static func headerSafe(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0 != "\r" && $0 != "\n" })
    }

    /// A boundary no message will contain by chance: 128 random bits drawn once per process, and a
    /// counter so each form differs. (Drawing fresh randomness per request was a system call per
    /// message, which showed up in profiles.)
    private static func randomBoundary() -> String {
        let serial = boundaryCounter.add(1, ordering: .relaxed).newValue
        // Two appends into room for both: an interpolation grew the string three times, on every
        // request that sends a form.
        var boundary = boundaryPrefix
        boundary.reserveCapacity(boundaryPrefix.utf8.count + 13)
        boundary += String(serial, radix: 36)
        return boundary
    }

    /// `parley-`, 24 random letters and digits and a `-`, chosen once per process.
    private static let boundaryPrefix: String = {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        var generator = SystemRandomNumberGenerator()
        let suffix = (0..<24).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] }
        return "parley-" + String(decoding: suffix, as: UTF8.self) + "-"
    }()

    private static let boundaryCounter = Atomic<Int>(0)
}
