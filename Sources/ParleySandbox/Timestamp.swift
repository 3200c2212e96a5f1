import Foundation

/// Wall-clock times in the textual forms the providers use, without a `DateFormatter` per call.
enum Timestamp {
    /// `2026-01-15T10:30:00.123456Z`: Amigo (pydantic) style, microseconds and `Z`.
    static func amigo(_ date: Date) -> String {
        format(date, fractionDigits: 6)
    }

    /// `2026-01-15T10:30:00Z`: AgentHuman style, whole seconds.
    static func seconds(_ date: Date) -> String {
        format(date, fractionDigits: 0)
    }

    /// Milliseconds since 1970, Amelia's `timestamp`.
    static func epochMilliseconds(_ date: Date) -> Int {
        Int((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    static func format(_ date: Date, fractionDigits: Int) -> String {
        // Clamped to years 1970–9999 so that no configured lifetime can overflow the conversion.
        let interval = min(max(date.timeIntervalSince1970, 0), 253_402_300_799)
        let whole = interval.rounded(.down)
        var seconds = time_t(whole)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var out = String(parts.tm_year + 1900)
        out += "-" + pad(Int(parts.tm_mon) + 1, 2) + "-" + pad(Int(parts.tm_mday), 2)
        out += "T" + pad(Int(parts.tm_hour), 2) + ":" + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2)
        if fractionDigits > 0 {
            var scale = 1.0
            for _ in 0..<fractionDigits { scale *= 10 }
            let fraction = min(Int(((interval - whole) * scale).rounded(.down)), Int(scale) - 1)
            out += "." + pad(fraction, fractionDigits)
        }
        return out + "Z"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// Parses an ISO 8601 / RFC 3339 date-time with a zone (`Z` or `±hh:mm`), fractions optional.
    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
