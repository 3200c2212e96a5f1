import Foundation

/// Reads and writes the short duration notation used in flows and configuration: `30s`, `500ms`, `2m`.
public enum DurationText {
    /// Parses `500ms`, `1.5s`, `2m`, `1h`, `1m30s`, or a bare number of seconds.
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingSpaces.lowercased()
        guard !trimmed.isEmpty else { return nil }
        if let seconds = Double(trimmed), seconds >= 0, seconds.isFinite {
            return .milliseconds(Int64((seconds * 1000).rounded()))
        }
        var total: Double = 0  // milliseconds
        var rest = Substring(trimmed)
        var sawPart = false
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unit.count)
            let factor: Double
            switch unit {
            case "ms": factor = 1
            case "s", "sec", "secs": factor = 1000
            case "m", "min", "mins": factor = 60_000
            case "h", "hr", "hrs": factor = 3_600_000
            default: return nil
            }
            total += value * factor
            sawPart = true
            rest = rest.drop { $0 == " " }
        }
        guard sawPart, total.isFinite, total < 1e12 else { return nil }
        return .milliseconds(Int64(total.rounded()))
    }

    /// A compact human form: `250ms`, `1.5s`, `2m`, `1m30s`.
    public static func format(_ duration: Duration) -> String {
        let ms = duration.milliseconds
        if ms < 1000 { return "\(ms)ms" }
        if ms < 60_000 {
            let tenths = (ms + 50) / 100
            return tenths % 10 == 0 ? "\(tenths / 10)s" : "\(tenths / 10).\(tenths % 10)s"
        }
        let seconds = ms / 1000
        let (m, s) = (seconds / 60, seconds % 60)
        if m < 60 { return s == 0 ? "\(m)m" : "\(m)m\(s)s" }
        let (h, mm) = (m / 60, m % 60)
        return mm == 0 ? "\(h)h" : "\(h)h\(mm)m"
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Seconds as a floating-point number.
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
