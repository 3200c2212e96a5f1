import ParleyFlow
import ParleyJSON

extension SandboxFault {
    /// Why a `--faults` specification could not be read.
    public struct SpecError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Reads `parley sandbox --faults`: comma-separated `KIND[=ARG][:ENDPOINT][@PROBABILITY]`.
    ///
    /// Kinds: `429` (ARG: Retry-After seconds, default 1), `503`, `500`, `drop` (connection closed
    /// mid-stream or mid-body), `malformed` (a line or body that is not JSON), `slow` (ARG: extra wait
    /// before the first byte, default 2s), `system-error` (Amelia answers a message with a system error), and for
    /// Amelia's webhook deliveries `duplicate` (delivered twice), `late` (ARG: how much later, default 500ms) and
    /// `reorder` (delivered after the next message). ENDPOINT is a name such as `amigo.interact` (default: every
    /// endpoint; `amelia.webhook` for the delivery faults).
    /// PROBABILITY is `5%` or `0.05` (default: every request).
    /// Example: `429@5%,503@5%,drop:amigo.interact@5%,malformed@5%,slow=1s@5%`.
    /// The fault kinds `--faults` names.
    static let kindNames = [
        "429", "503", "500", "drop", "malformed", "slow", "system-error", "duplicate", "late", "reorder",
    ]

    public static func parse(_ spec: String) throws(SpecError) -> [SandboxFault] {
        var faults: [SandboxFault] = []
        for rawItem in spec.split(separator: ",") {
            let item = String(rawItem).trimmingSpaces
            guard !item.isEmpty else { continue }
            var rest = Substring(item)
            var probability: Double?
            if let at = rest.lastIndex(of: "@") {
                let text = rest[rest.index(after: at)...]
                rest = rest[..<at]
                let number = text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
                guard let value = number, (0...1).contains(value) else {
                    throw SpecError(message: "`\(item)`: the probability must be like 5% or 0.05, not `\(text)`")
                }
                probability = value
            }
            var endpoint: SandboxEndpoint?
            if let colon = rest.firstIndex(of: ":") {
                let name = String(rest[rest.index(after: colon)...])
                rest = rest[..<colon]
                guard let known = SandboxEndpoint(rawValue: name) else {
                    let names = SandboxEndpoint.allCases.map(\.rawValue)
                    throw SpecError(
                        message: "`\(item)`: unknown endpoint `\(name)`\(Suggestion.hint(for: name, in: names))")
                }
                endpoint = known
            }
            let parts = rest.split(separator: "=", maxSplits: 1).map(String.init)
            let argument = parts.count > 1 ? parts[1] : nil
            let kind: Kind
            switch parts.first ?? "" {
            case "429", "rate-limited":
                guard let seconds = Int(argument ?? "1"), seconds >= 0 else {
                    throw SpecError(message: "`\(item)`: Retry-After is whole seconds, not `\(argument ?? "")`")
                }
                kind = .rateLimited(retryAfter: seconds)
            case "503", "unavailable": kind = .unavailable
            case "500", "internal-error": kind = .internalError
            case "system-error": kind = .systemError
            case "drop": kind = .dropMidStream
            case "malformed": kind = .malformedLine
            case "slow", "late":
                guard let wait = DurationText.parse(argument ?? (parts[0] == "slow" ? "2s" : "500ms")) else {
                    throw SpecError(
                        message: "`\(item)`: the wait is a duration like 500ms or 2s, not `\(argument ?? "")`")
                }
                kind = parts[0] == "slow" ? .slowFirstByte(wait) : .lateDelivery(wait)
            case "duplicate": kind = .duplicateDelivery
            case "reorder": kind = .reorderDelivery
            case let other:
                throw SpecError(
                    message:
                        "`\(item)`: unknown fault `\(other)`; use \(Self.kindNames.joined(separator: ", "))"
                        + Suggestion.hint(for: other, in: Self.kindNames))
            }
            switch kind {
            case .duplicateDelivery, .lateDelivery, .reorderDelivery:
                // Delivery faults concern deliveries only; counting other requests would dilute `every`.
                endpoint = endpoint ?? .ameliaWebhook
            default:
                break
            }
            faults.append(SandboxFault(kind, endpoint: endpoint, probability: probability))
        }
        return faults
    }
}
