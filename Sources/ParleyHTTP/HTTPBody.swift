/// The body of a request, with its content type.
public enum HTTPBody: Sendable {
    /// Raw bytes sent as they are, with the given `Content-Type`.
    case bytes([UInt8], contentType: String)
    /// A `multipart/form-data` body.
    case multipart(MultipartForm)
    /// An `application/x-www-form-urlencoded` body made of `(name, value)` pairs, in order.
    case form([(String, String)])

    /// A JSON body from already-encoded UTF-8 bytes.
    public static func json(_ bytes: [UInt8]) -> HTTPBody {
        .bytes(bytes, contentType: "application/json")
    }

    /// A JSON body from an already-encoded JSON string.
    public static func json(_ text: String) -> HTTPBody {
        .bytes(Array(text.utf8), contentType: "application/json")
    }

    /// A UTF-8 text body.
    public static func text(_ text: String, contentType: String = "text/plain; charset=utf-8") -> HTTPBody {
        .bytes(Array(text.utf8), contentType: contentType)
    }

    /// The `Content-Type` header value this body is sent with.
    public var contentType: String {
        switch self {
        case .bytes(_, let contentType): contentType
        case .multipart(let form): form.contentType
        case .form: "application/x-www-form-urlencoded"
        }
    }

    /// The bytes sent on the wire.
    public func encoded() -> [UInt8] {
        switch self {
        case .bytes(let bytes, _): bytes
        case .multipart(let form): form.encoded()
        case .form(let pairs): Self.formURLEncoded(pairs)
        }
    }

    /// Encodes pairs as `application/x-www-form-urlencoded` (WHATWG URL standard): space becomes
    /// `+`, and everything outside `A–Z a–z 0–9 * - . _` is percent-encoded as UTF-8.
    static func formURLEncoded(_ pairs: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(pairs.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 2 })
        for (index, pair) in pairs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            appendFormComponent(pair.0, to: &out)
            out.append(UInt8(ascii: "="))
            appendFormComponent(pair.1, to: &out)
        }
        return out
    }

    private static func appendFormComponent(_ text: String, to out: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "*"), UInt8(ascii: "-"),
                UInt8(ascii: "."), UInt8(ascii: "_"):
                out.append(byte)
            case UInt8(ascii: " "):
                out.append(UInt8(ascii: "+"))
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
    }
}
