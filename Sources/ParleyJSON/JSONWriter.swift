import Foundation

/// Writes JSON text straight from values (``JSONCodable/write(to:)``), byte for byte as
/// ``JSONValue/bytes`` and ``JSONValue/prettyBytes`` write the value's tree, without building the
/// tree: a transcript and a result line are written for every flow run.
///
/// A record is written through its ``JSONRecord/members(_:)``, the writer being the member coder.
public struct JSONWriter: JSONMemberCoder {
    public typealias Failure = Never

    @usableFromInline var out = JSONByteWriter()
    @usableFromInline let pretty: Bool
    /// How many containers are open.
    @usableFromInline var depth = 0
    /// Whether each open container has no item yet: bit `n` for the container at depth `n + 1`,
    /// the first 64; deeper ones in ``deeperEmpty``. Kept as bits because every key and value looks.
    @usableFromInline var empty: UInt64 = 0
    @usableFromInline var deeperEmpty: [Bool] = []
    /// A member's name was just written: its value follows without a separator.
    @usableFromInline var afterKey = false

    /// A writer of compact JSON, or of JSON indented by two spaces per level.
    public init(pretty: Bool) {
        self.pretty = pretty
    }

    /// What has been written.
    public var bytes: [UInt8] { out.bytes }

    /// What has been written, where it lies (no copy), for the duration of `body`.
    public func withBytes<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        try out.withBytes(body)
    }

    /// Before an item of the container being written: a comma after the first, then the line break.
    @usableFromInline mutating func separate() {
        guard depth > 0 else { return }
        if depth <= 64 {
            let bit: UInt64 = 1 << UInt64(depth - 1)
            if empty & bit != 0 { empty &= ~bit } else { out.append(UInt8(ascii: ",")) }
        } else if deeperEmpty[depth - 65] {
            deeperEmpty[depth - 65] = false
        } else {
            out.append(UInt8(ascii: ","))
        }
        if pretty { out.newline(depth) }
    }

    @usableFromInline mutating func beforeValue() {
        if afterKey { afterKey = false } else { separate() }
    }

    /// A member's name; its value is written next.
    public mutating func key(_ name: String) {
        separate()
        out.writeString(name)
        if pretty { out.append(UInt8(ascii: ":"), UInt8(ascii: " ")) } else { out.append(UInt8(ascii: ":")) }
        afterKey = true
    }

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    private mutating func open(_ bracket: UInt8) {
        beforeValue()
        out.append(bracket)
        depth += 1
        if depth <= 64 { empty |= 1 << UInt64(depth - 1) } else { deeperEmpty.append(true) }
    }

    private mutating func close(_ bracket: UInt8) {
        let wasEmpty: Bool
        if depth <= 64 {
            let bit: UInt64 = 1 << UInt64(depth - 1)
            wasEmpty = empty & bit != 0
            empty &= ~bit
        } else {
            wasEmpty = deeperEmpty.removeLast()
        }
        depth -= 1
        if pretty, !wasEmpty { out.newline(depth) }
        out.append(bracket)
    }

    /// A string value.
    public mutating func string(_ text: String) {
        beforeValue()
        out.writeString(text)
    }

    /// A time as `2026-11-21T20:37:37.777Z` (``Timestamp/iso8601(_:)``).
    public mutating func timestamp(_ date: Date) {
        beforeValue()
        out.writeTimestamp(date)
    }

    /// A whole number: the digits ``JSONNumber`` gives it, without making one.
    public mutating func integer<Integer: FixedWidthInteger>(_ value: Integer) {
        beforeValue()
        if let magnitude = UInt64(exactly: value.magnitude) {
            out.appendInteger(negative: value < 0, magnitude: magnitude)
        } else {
            out.appendText(String(value))
        }
    }

    /// A `Double` as ``JSONNumber`` writes it (whole values without `.0`); infinities and NaN,
    /// which JSON cannot hold, as `null`.
    public mutating func number(_ value: Double) {
        beforeValue()
        if !value.isFinite {
            out.append("null")
        } else if let whole = JSONNumber.whole(value) {
            out.appendInteger(negative: whole < 0, magnitude: whole.magnitude)
        } else if let (negative, thousandths) = JSONNumber.thousandths(value) {
            out.appendThousandths(negative: negative, magnitude: thousandths)
        } else {
            out.appendText(value.description)
        }
    }

    /// `true` or `false`.
    public mutating func bool(_ value: Bool) {
        beforeValue()
        out.append(value ? "true" : "false")
    }

    /// Any value, written from its tree.
    public mutating func value(_ value: JSONValue) {
        beforeValue()
        out.write(value, pretty: pretty, indent: depth)
    }

    @inlinable public mutating func field<Value: JSONCodable>(_ key: String, _ value: inout Value) {
        self.key(key)
        value.write(to: &self)
    }

    @inlinable public mutating func optional<Value: JSONCodable>(_ key: String, _ value: inout Value?) {
        if let value {
            self.key(key)
            value.write(to: &self)
        }
    }
}

extension JSONCodable {
    /// Writes the value as ``json`` holds it; types with a cheaper way override this.
    @inlinable public func write(to writer: inout JSONWriter) {
        writer.value(json)
    }

    /// The value's compact JSON, written straight from it (the same bytes as `json.bytes`).
    @inlinable public var jsonBytes: [UInt8] {
        var writer = JSONWriter(pretty: false)
        write(to: &writer)
        return writer.bytes
    }

    /// The value's indented JSON, written straight from it (the same bytes as `json.prettyBytes`).
    @inlinable public var prettyJSONBytes: [UInt8] {
        withPrettyJSONBytes { Array($0) }
    }

    /// ``prettyJSONBytes`` where the writer left them, for the duration of `body`: a transcript
    /// goes to its file without a copy.
    @inlinable public func withPrettyJSONBytes<R, E: Error>(
        _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R
    ) throws(E) -> R {
        var writer = JSONWriter(pretty: true)
        write(to: &writer)
        return try writer.withBytes(body)
    }
}
