/// A JSON number kept as its text, so that every digit survives: an id such as
/// `12345678901234567890` read from an agent's answer is written back, extracted and compared as it
/// came, where a `Double` would round it to `12345678901234567000`.
///
/// Numbers compare by exact decimal value (`1`, `1.0`, `1e0` and `10e-1` are equal; `-0` equals `0`),
/// however many digits they have. ``double`` and ``exactly(_:)`` convert when arithmetic is needed.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number's JSON text: as parsed, or, for a number made from a Swift value, an integer's
    /// digits and a `Double`'s shortest text that reads back to the same `Double`.
    public let text: String

    /// A number whose text the parser has already checked against the JSON grammar.
    init(validated text: String) {
        self.text = text
    }

    /// The number `text` spells in JSON's grammar (`-12`, `0.5`, `1e400`); `nil` for anything else,
    /// including leading zeros, a leading `+`, `.5`, `NaN` and surrounding spaces.
    public init?(_ text: String) {
        guard case .number(let number)? = try? JSONValue(parsing: text), number.text == text else { return nil }
        self = number
    }

    /// An integer, exactly.
    public init(_ value: some BinaryInteger) {
        text = String(value)
    }

    /// A finite `Double`: whole values up to 2^53 as integers (`3`, not `3.0`), others in the shortest
    /// text that reads back to the same value. `nil` for infinities and NaN, which JSON cannot hold.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        if let whole = Self.whole(value) {
            text = String(whole)
        } else {
            text = value.description
        }
    }

    /// A finite `Double` written as an integer: whole values below 2^53 in magnitude (every integer
    /// there is exact).
    static func whole(_ value: Double) -> Int64? {
        value.rounded() == value && abs(value) < 9_007_199_254_740_992 ? Int64(value) : nil
    }

    /// A finite `Double` that is the nearest to a whole number of thousandths below 10^12 in
    /// magnitude (a duration in milliseconds, rounded to the microsecond): that number, apart from
    /// its sign. Its shortest text, the one `description` gives, is then the decimal itself, without
    /// trailing zeros: any shorter decimal is at least 0.001 away, far outside the value's rounding
    /// interval.
    static func thousandths(_ value: Double) -> (negative: Bool, magnitude: UInt64)? {
        guard abs(value) < 1e12 else { return nil }
        let scaled = (value * 1000).rounded()
        guard scaled / 1000 == value else { return nil }
        return (value < 0, UInt64(abs(scaled)))
    }

    public var description: String { text }

    /// The nearest `Double`; `nil` when the number is beyond `Double`'s range (`1e400`).
    public var double: Double? {
        guard let value = Self.parseDouble(text), value.isFinite else { return nil }
        return value
    }

    /// The `Double` that `Double(_:)` reads from `text`, a number of at most 15 digits without an
    /// exponent (nearly every one a reply, a record or a header holds) read without `strtod`.
    public static func parseDouble(_ text: String) -> Double? {
        simpleDouble(text) ?? Double(text)
    }

    /// Powers of ten a `Double` holds exactly, 10^0 through 10^15.
    private static let exactPowersOfTen: [Double] = (0...15).map { pow10 in
        (0..<pow10).reduce(1.0) { power, _ in power * 10 }
    }

    /// The value of a number of at most 15 digits and no exponent (`0.25`, `-120`, `3.5`, nearly
    /// every number a reply or a record holds), without `strtod`: its digits as an integer over a
    /// power of ten, both exact in a `Double`, so that the one division rounds correctly (Clinger's
    /// fast path). `nil` for any other text.
    static func simpleDouble(_ text: String) -> Double? {
        let value = text.utf8.withContiguousStorageIfAvailable { bytes -> Double? in
            var at = 0
            let negative = bytes.first == UInt8(ascii: "-")
            if negative { at = 1 }
            var digits: UInt64 = 0
            var count = 0
            var fractionDigits = 0
            var point = false
            while at < bytes.count {
                let byte = bytes[at]
                at += 1
                if byte == UInt8(ascii: "."), !point {
                    point = true
                    continue
                }
                let digit = byte &- UInt8(ascii: "0")
                guard digit < 10, count < 15 else { return nil }
                digits = digits * 10 + UInt64(digit)
                count += 1
                if point { fractionDigits += 1 }
            }
            guard count > 0 else { return nil }
            let magnitude = Double(digits) / exactPowersOfTen[fractionDigits]
            return negative ? -magnitude : magnitude
        }
        return value ?? nil
    }

    /// The number as an `Int`, when it is a whole number in `Int`'s range (`7`, `7.0`, `7e2`).
    public var int: Int? { exactly(Int.self) }

    /// The number as `type`, when it is a whole number in that type's range; `nil` otherwise.
    public func exactly<T: FixedWidthInteger>(_ type: T.Type) -> T? {
        if !text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }) {
            return T(text)  // Plain integer text: the common case, no decimal arithmetic.
        }
        let value = decimal
        guard value.exponent >= 0, value.digits.count + value.exponent <= 40 else {
            return value.digits.isEmpty ? 0 : nil
        }
        var result: T = 0
        let digits = value.digits + Array(repeating: UInt8(ascii: "0"), count: value.exponent)
        for digit in digits {
            let (shifted, o1) = result.multipliedReportingOverflow(by: 10)
            let step = T(digit - UInt8(ascii: "0"))
            let (next, o2) =
                value.negative ? shifted.subtractingReportingOverflow(step) : shifted.addingReportingOverflow(step)
            if o1 || o2 { return nil }
            result = next
        }
        return result
    }

    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        lhs.text == rhs.text || lhs.decimal == rhs.decimal
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(decimal)
    }

    /// The exact value as `±digits × 10^exponent`, digits without leading or trailing zeros (zero has
    /// no digits and no sign), so that equal values have equal forms whatever their notation.
    struct Decimal: Hashable {
        var negative: Bool
        var digits: [UInt8]
        var exponent: Int
    }

    /// Exponents are capped at ±10^15 when comparing: numbers further out than that (which no
    /// `Double` can hold either) compare by their digits and sign alone.
    static let exponentCap = 1_000_000_000_000_000

    var decimal: Decimal {
        let bytes = Array(text.utf8)
        var i = 0
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { i += 1 }
        var digits: [UInt8] = []
        digits.reserveCapacity(bytes.count)
        while i < bytes.count, bytes[i].isDigit {
            digits.append(bytes[i])
            i += 1
        }
        var exponent = 0
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < bytes.count, bytes[i].isDigit {
                digits.append(bytes[i])
                exponent -= 1
                i += 1
            }
        }
        if i < bytes.count, bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var sign = 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
                if bytes[i] == UInt8(ascii: "-") { sign = -1 }
                i += 1
            }
            var written = 0
            while i < bytes.count, bytes[i].isDigit {
                if written < Self.exponentCap { written = written * 10 + Int(bytes[i] - UInt8(ascii: "0")) }
                i += 1
            }
            exponent += sign * min(written, Self.exponentCap)
        }
        let leading = digits.prefix { $0 == UInt8(ascii: "0") }.count
        digits.removeFirst(leading)
        guard !digits.isEmpty else { return Decimal(negative: false, digits: [], exponent: 0) }
        while digits.last == UInt8(ascii: "0") {
            digits.removeLast()
            exponent += 1
        }
        return Decimal(negative: negative, digits: digits, exponent: exponent)
    }
}

extension UInt8 {
    var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
}
