import ParleyJSON
import ParleyFlow

/// A response body made fit for an error message: credentials taken out, and cut to a length a
/// terminal can show.
///
/// Two layers of redaction: in a JSON body, string values under keys that name credentials
/// (`token`, `password`, `api_key`, …) are replaced, which catches a token the configuration has
/// never seen; then every known secret — the target's credentials, values from the environment,
/// values the login extracted — is replaced wherever it appears.
struct ResponseExcerpt {
    /// The longest excerpt shown, in characters.
    static let limit = 800

    let redactor: SecretRedactor

    init(redactor: SecretRedactor) {
        self.redactor = redactor
    }

    /// The body as text for a message: redacted, truncated, `(empty)` for nothing.
    func text(_ body: [UInt8]) -> String {
        guard !body.isEmpty, !body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else {
            return "(empty body)"
        }
        let shown: String
        if let json = try? JSONValue(parsing: body) {
            shown = Self.maskingCredentials(json).serialized
        } else {
            shown = String(decoding: body, as: UTF8.self)
        }
        return truncated(redactor.redact(shown))
    }

    /// The whole body with credentials masked and secrets replaced, for readers that pick out an error message.
    func redactedBytes(_ body: [UInt8]) -> [UInt8] {
        if let json = try? JSONValue(parsing: body) { return redactor.redact(Self.maskingCredentials(json).bytes) }
        return redactor.redact(body)
    }

    /// Text already assembled (stream lines), redacted and truncated.
    func text(_ assembled: String) -> String {
        truncated(redactor.redact(assembled))
    }

    private func truncated(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.map { $0.value < 0x20 && $0 != "\n" ? " " : Character($0) })
        guard cleaned.count > Self.limit else { return cleaned }
        return String(cleaned.prefix(Self.limit)) + "… (\(cleaned.utf8.count) bytes in all)"
    }

    /// The value with strings under credential-like keys replaced by `[redacted]`.
    static func maskingCredentials(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let items):
            return .array(items.map(maskingCredentials))
        case .object(let members):
            return .object(
                members.map { key, member in
                    if ConfigValues.isSecretName(key), case .string = member { return (key, .string("[redacted]")) }
                    return (key, maskingCredentials(member))
                })
        default:
            return value
        }
    }
}
