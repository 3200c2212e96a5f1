import Foundation

/// Wall-clock times in the textual forms Parley's files and the providers' protocols use, formatted
/// by hand: this runs for every turn of every transcript, and Foundation's format styles are slow.
public enum Timestamp {
    /// `2026-11-21T20:37:37.777Z`: Parley's own files (results, transcripts, summaries).
    public static func iso8601(_ date: Date) -> String {
        format(date, fractionDigits: 3)
    }

    /// `2026-01-15T10:30:00.123456Z`: Amigo (pydantic) style, microseconds and `Z`.
    public static func microseconds(_ date: Date) -> String {
        format(date, fractionDigits: 6)
    }

    /// `2026-01-15T10:30:00Z`: whole seconds.
    public static func seconds(_ date: Date) -> String {
        format(date, fractionDigits: 0)
    }

    /// Milliseconds since 1970 (Amelia's `timestamp`).
    public static func epochMilliseconds(_ date: Date) -> Int {
        Int((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// UTC `YYYY-MM-DDTHH:MM:SS[.fff…]Z`, the fraction rounded to `fractionDigits` (0–9) digits.
    public static func format(_ date: Date, fractionDigits: Int) -> String {
        // Written in place: one allocation for the string, none for a buffer first.
        String(unsafeUninitializedCapacity: length(fractionDigits: fractionDigits)) { out in
            write(date, fractionDigits: fractionDigits, to: out.baseAddress!)
        }
    }

    /// How many bytes ``format(_:fractionDigits:)`` writes.
    static func length(fractionDigits: Int) -> Int {
        let digits = min(max(fractionDigits, 0), 9)
        return 20 + (digits > 0 ? 1 + digits : 0)
    }

    /// Writes ``format(_:fractionDigits:)``'s bytes at `out`, which has room for
    /// ``length(fractionDigits:)`` of them; returns how many it wrote. A transcript's writer puts
    /// them straight into its buffer.
    static func write(_ date: Date, fractionDigits: Int, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let digitsAfterPoint = min(max(fractionDigits, 0), 9)
        var scale: Int64 = 1
        for _ in 0..<digitsAfterPoint { scale *= 10 }
        // Clamped to years 1970–9999 so that no configured lifetime can overflow the conversion.
        let interval = min(max(date.timeIntervalSince1970, 0), 253_402_300_799)
        var seconds = Int64(interval.rounded(.down))
        var fraction = Int64(((interval - Double(seconds)) * Double(scale)).rounded())
        if fraction >= scale {
            seconds += 1
            fraction -= scale
        }
        let (year, month, day) = civilDate(daysSince1970: seconds / 86_400)
        let secondOfDay = seconds % 86_400
        var at = 0
        func digits(_ value: Int64, _ count: Int) {
            var value = value
            for offset in stride(from: count - 1, through: 0, by: -1) {
                out[at + offset] = UInt8(48 + value % 10)
                value /= 10
            }
            at += count
        }
        func byte(_ ascii: Unicode.Scalar) {
            out[at] = UInt8(ascii: ascii)
            at += 1
        }
        digits(year, 4)
        byte("-")
        digits(month, 2)
        byte("-")
        digits(day, 2)
        byte("T")
        digits(secondOfDay / 3600, 2)
        byte(":")
        digits(secondOfDay / 60 % 60, 2)
        byte(":")
        digits(secondOfDay % 60, 2)
        if digitsAfterPoint > 0 {
            byte(".")
            digits(fraction, digitsAfterPoint)
        }
        byte("Z")
        return at
    }

    /// The proleptic Gregorian year, month (1–12) and day (1–31) of a day counted from 1970-01-01
    /// (day 0), for days from 0 on: Howard Hinnant's `civil_from_days`, without `gmtime_r`'s time
    /// zone machinery (a quarter of writing a turn's timestamps).
    static func civilDate(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468  // days from 0000-03-01
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // from March 1
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Parses an ISO 8601 / RFC 3339 date-time with a zone (`Z` or `±hh:mm`), fractions optional.
    ///
    /// The form Parley writes (UTC, `Z`) is read by hand — run directories hold one per turn — so
    /// that reading back what ``format(_:fractionDigits:)`` wrote gives the same text when written again.
    public static func parse(_ text: String) -> Date? {
        if let date = parseUTC(Array(text.utf8)) { return date }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.f…]Z`, years 1970–9999; `nil` for anything else.
    private static func parseUTC(_ bytes: [UInt8]) -> Date? {
        guard bytes.count >= 20, bytes.count <= 30, bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                let b = bytes[i]
                guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(b - UInt8(ascii: "0"))
            }
            return value
        }
        let separators: [(Int, UInt8)] = [
            (4, UInt8(ascii: "-")), (7, UInt8(ascii: "-")), (10, UInt8(ascii: "T")), (13, UInt8(ascii: ":")),
            (16, UInt8(ascii: ":")),
        ]
        guard separators.allSatisfy({ bytes[$0.0] == $0.1 }), let year = number(0..<4), let month = number(5..<7),
            let day = number(8..<10), let hour = number(11..<13), let minute = number(14..<16),
            let second = number(17..<19), year >= 1970, (1...12).contains(month), (1...31).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var fraction = 0.0
        if bytes.count > 20 {
            guard bytes[19] == UInt8(ascii: "."), bytes.count > 21, let digits = number(20..<(bytes.count - 1))
            else { return nil }
            var scale = 1.0
            for _ in 20..<(bytes.count - 1) { scale *= 10 }
            fraction = Double(digits) / scale
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = timegm(&parts)
        // timegm normalises 31 February into March; such a date is not one.
        guard parts.tm_mday == Int32(day), parts.tm_mon == Int32(month - 1) else { return nil }
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }
}
