import Foundation
import Synchronization

/// Makes the identifiers each protocol uses, unique for the life of one server.
final class IdentifierFactory: Sendable {
    private let counter = Atomic<UInt64>(0)
    /// Random per server, so identifiers from two sandboxes (or two runs) do not collide.
    private let processPart: String

    init() {
        var generator = SystemRandomNumberGenerator()
        processPart = Self.hex(generator.next(), digits: 10)
    }

    /// `value` as lower-case hex, the low `digits` digits, zero-padded.
    static func hex(_ value: UInt64, digits: Int) -> String {
        let alphabet = Array("0123456789abcdef".utf8)
        var bytes = [UInt8](repeating: UInt8(ascii: "0"), count: digits)
        var rest = value
        for index in stride(from: digits - 1, through: 0, by: -1) {
            bytes[index] = alphabet[Int(rest & 0xF)]
            rest >>= 4
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func next() -> UInt64 {
        counter.add(1, ordering: .relaxed).newValue
    }

    /// A 24-hex-character id shaped like a MongoDB ObjectId (Amigo's conversation, message,
    /// interaction ids): seconds since 1970, a per-server random part, a counter.
    func objectID() -> String {
        let seconds = UInt64(Date().timeIntervalSince1970) & 0xFFFF_FFFF
        return Self.hex(seconds, digits: 8) + processPart + Self.hex(next(), digits: 6)
    }

    /// A lower-case UUID (Amelia's tokens, session and message ids).
    func uuid() -> String {
        UUID().uuidString.lowercased()
    }

    /// Amelia's conversation id, 13 upper-case letters and a sequence: `LIXMGGIFAAIAA-1`.
    func ameliaConversationID() -> String {
        var value = next() &* 0x9E37_79B9_7F4A_7C15
        var letters = ""
        for _ in 0..<13 {
            letters.append(Character(Unicode.Scalar(UInt8(ascii: "A") + UInt8(value % 26))))
            value /= 26
            if value == 0 { value = 0x5DEE_CE66_D }
        }
        return letters + "-1"
    }

    /// A number from a counter, for AgentHuman's integer ids.
    func sequence(startingAt base: Int) -> Int {
        base + Int(next())
    }

    /// A JWT-shaped bearer token: three base64url parts, the middle one naming the subject.
    func jwt(subject: String, expiresAt: Date) -> String {
        func base64url(_ text: String) -> String {
            Data(text.utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let header = base64url(#"{"alg":"HS256","typ":"JWT"}"#)
        let payload = base64url(
            #"{"sub":"\#(subject)","exp":\#(Int(expiresAt.timeIntervalSince1970)),"jti":"\#(objectID())"}"#)
        var generator = SystemRandomNumberGenerator()
        let signature = base64url((0..<4).map { _ in String(generator.next(), radix: 36) }.joined())
        return "\(header).\(payload).\(signature)"
    }
}
