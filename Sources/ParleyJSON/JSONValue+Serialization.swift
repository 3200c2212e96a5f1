import Foundation

extension JSONValue {
    /// Compact JSON text, members in their order.
    public var serialized: String {
        var out = JSONByteWriter()
        out.write(self, pretty: false, indent: 0)
        return out.string
    }

    /// Compact JSON as UTF-8 bytes.
    public var bytes: [UInt8] {
        var out = JSONByteWriter()
        out.write(self, pretty: false, indent: 0)
        return out.bytes
    }

    /// JSON indented by two spaces per level, for files people read (transcripts).
    public var prettySerialized: String { String(decoding: prettyBytes, as: UTF8.self) }

    /// ``prettySerialized`` as UTF-8 bytes.
    public var prettyBytes: [UInt8] {
        var out = JSONByteWriter()
        out.write(self, pretty: true, indent: 0)
        return out.bytes
    }
}

/// Writes JSON into a byte buffer, copying unescaped runs of a string's UTF-8 in one go: transcripts
/// are written for every flow run, so this is on the hot path of large runs.
///
/// The buffer is raw memory rather than an array: an array checks that it is uniquely referenced
/// and has room on every append, and a transcript is thousands of small appends. A writer's copies
/// share its memory, so a writer is not copied while it is written (``JSONWriter`` is only ever
/// written in place).
@usableFromInline struct JSONByteWriter {
    /// Owns the memory: it is freed with the last copy of the writer.
    private final class Storage {
        var base: UnsafeMutablePointer<UInt8>

        init(capacity: Int) { base = .allocate(capacity: capacity) }

        deinit { base.deallocate() }
    }

    private let storage: Storage
    private var base: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int

    @usableFromInline init() {
        capacity = 1024
        storage = Storage(capacity: capacity)
        base = storage.base
    }

    /// What has been written.
    @usableFromInline var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.baseAddress?.update(from: base, count: count)
            initialized = count
        }
    }

    /// What has been written, where it lies, for the duration of `body`.
    @usableFromInline func withBytes<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        try withExtendedLifetime(storage) { () throws(E) -> R in
            try body(UnsafeBufferPointer(start: base, count: count))
        }
    }

    /// What has been written, as text (the writer writes only valid UTF-8), copied once.
    var string: String {
        String(unsafeUninitializedCapacity: count) { buffer in
            buffer.baseAddress?.update(from: base, count: count)
            return count
        }
    }

    /// Makes room for `more` bytes.
    @inline(__always) private mutating func reserve(_ more: Int) {
        if more > capacity - count { grow(more) }
    }

    @inline(never) private mutating func grow(_ more: Int) {
        let grown = max(2 * capacity, count + more)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        moved.update(from: base, count: count)
        storage.base.deallocate()
        storage.base = moved
        base = moved
        capacity = grown
    }

    @inline(__always) mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    /// Two bytes: a colon and a space after a member's name, a backslash and the character it escapes.
    @inline(__always) mutating func append(_ first: UInt8, _ second: UInt8) {
        reserve(2)
        base[count] = first
        base[count + 1] = second
        count += 2
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        reserve(bytes.count)
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    mutating func write(_ value: JSONValue, pretty: Bool, indent: Int) {
        switch value {
        case .null: append("null")
        case .bool(let b): append(b ? "true" : "false")
        case .number(let n): appendText(n.text)
        case .string(let s): writeString(s)
        case .array(let items):
            guard !items.isEmpty else {
                append(UInt8(ascii: "["), UInt8(ascii: "]"))
                return
            }
            append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { append(UInt8(ascii: ",")) }
                if pretty { newline(indent + 1) }
                write(item, pretty: pretty, indent: indent + 1)
            }
            if pretty { newline(indent) }
            append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else {
                append(UInt8(ascii: "{"), UInt8(ascii: "}"))
                return
            }
            append(UInt8(ascii: "{"))
            for (i, (key, member)) in members.enumerated() {
                if i > 0 { append(UInt8(ascii: ",")) }
                if pretty { newline(indent + 1) }
                writeString(key)
                append(UInt8(ascii: ":"))
                if pretty { append(UInt8(ascii: " ")) }
                write(member, pretty: pretty, indent: indent + 1)
            }
            if pretty { newline(indent) }
            append(UInt8(ascii: "}"))
        }
    }

    /// A line break and the indentation of `level`.
    mutating func newline(_ level: Int) {
        reserve(1 + 2 * level)
        base[count] = UInt8(ascii: "\n")
        (base + count + 1).update(repeating: UInt8(ascii: " "), count: 2 * level)
        count += 1 + 2 * level
    }

    /// An integer's decimal digits, written in place.
    mutating func appendInteger(negative: Bool, magnitude: UInt64) {
        reserve(21)
        if negative {
            base[count] = UInt8(ascii: "-")
            count += 1
        }
        var digits = 1
        var rest = magnitude
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        var value = magnitude
        for at in stride(from: count + digits - 1, through: count, by: -1) {
            base[at] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
        }
        count += digits
    }

    /// A number of thousandths as a decimal, `-12.3` for -12,300: at least one digit before the
    /// point, none after it that is a trailing zero (and no point for a whole number).
    mutating func appendThousandths(negative: Bool, magnitude: UInt64) {
        appendInteger(negative: negative, magnitude: magnitude / 1000)
        var fraction = magnitude % 1000
        guard fraction != 0 else { return }
        var digits = 3
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        reserve(1 + digits)
        base[count] = UInt8(ascii: ".")
        for at in stride(from: digits, through: 1, by: -1) {
            base[count + at] = UInt8(ascii: "0") + UInt8(fraction % 10)
            fraction /= 10
        }
        count += 1 + digits
    }

    mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// A timestamp as a JSON string (``Timestamp/iso8601(_:)``'s text, which needs no escaping),
    /// written where it goes rather than made a string first.
    mutating func writeTimestamp(_ date: Date) {
        reserve(2 + Timestamp.length(fractionDigits: 3))
        base[count] = UInt8(ascii: "\"")
        count += 1 + Timestamp.write(date, fractionDigits: 3, to: base + count + 1)
        base[count] = UInt8(ascii: "\"")
        count += 1
    }

    /// A JSON string: quotes, backslashes and control characters escaped, everything else as UTF-8.
    mutating func writeString(_ text: String) {
        // In place (no copy of the string, no reference counting) unless the string is bridged.
        if text.utf8.withContiguousStorageIfAvailable({ writeString(utf8: $0) }) == nil {
            var text = text
            text.withUTF8 { writeString(utf8: $0) }
        }
    }

    private mutating func writeString(utf8: UnsafeBufferPointer<UInt8>) {
        // Room for the common case (nothing to escape) at once, and for reading a whole word at
        // the copy's end.
        reserve(utf8.count + 2 + 8)
        base[count] = UInt8(ascii: "\"")
        let start = count + 1
        // Copied whole, then checked where it lies, eight bytes at a time: the bytes after the
        // copy (the buffer's own) are masked out of the last word.
        if let source = utf8.baseAddress { (base + start).update(from: source, count: utf8.count) }
        UnsafeMutableRawPointer(base + start + utf8.count).storeBytes(of: 0, as: UInt64.self)
        var at = 0
        while at < utf8.count {
            var flags = ByteWord.escapes(
                UInt64(littleEndian: UnsafeRawPointer(base + start + at).loadUnaligned(as: UInt64.self)))
            if utf8.count - at < 8 { flags &= (1 << UInt64(8 * (utf8.count - at))) - 1 }
            if flags != 0 {
                count = start + at + flags.trailingZeroBitCount >> 3
                writeEscaping(utf8, from: at + flags.trailingZeroBitCount >> 3)
                return
            }
            at += 8
        }
        count = start + utf8.count
        append(UInt8(ascii: "\""))
    }

    /// The rest of a string from `from`, the first byte to escape, and its closing quote.
    private mutating func writeEscaping(_ utf8: UnsafeBufferPointer<UInt8>, from: Int) {
        var runStart = from
        for at in from..<utf8.count {
            let byte = utf8[at]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            append(UnsafeBufferPointer(rebasing: utf8[runStart..<at]))
            runStart = at + 1
            escape(byte)
        }
        append(UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): append(UInt8(ascii: "\\"), UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): append(UInt8(ascii: "\\"), UInt8(ascii: "\\"))
        case UInt8(ascii: "\n"): append(UInt8(ascii: "\\"), UInt8(ascii: "n"))
        case UInt8(ascii: "\r"): append(UInt8(ascii: "\\"), UInt8(ascii: "r"))
        case UInt8(ascii: "\t"): append(UInt8(ascii: "\\"), UInt8(ascii: "t"))
        default:
            let hex = Self.hexDigits
            append("\\u00")
            append(hex[Int(byte >> 4)], hex[Int(byte & 0xF)])
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Text written as it is (a number's).
    mutating func appendText(_ text: String) {
        var text = text
        text.withUTF8 { append($0) }
    }
}
