/// Reading a document a value at a time: a stream event's few fields are read where they lie,
/// without a tree, and a string's UTF-8 without making a `String` of it.
///
/// Every value is checked as strictly as ``JSONValue/init(parsing:maxDepth:)`` checks it, whether
/// it is read or skipped: a reader sees the same errors, at the same offsets, as a parse would
/// give. Each value is read once, by one of the methods below; a value left unread is skipped (and
/// checked). Reading a value twice is a programming error.
extension JSONReader {
    // The methods that take a closure are not generic over what it returns: a generic method of
    // this module called from another runs unspecialized, through its result type's witnesses
    // (a third of reading a stream event's string).

    /// Reads the document `bytes` hold: `body` reads its value, and the document must end after it.
    public static func read(
        _ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = 512, strings: StringInterner? = nil,
        _ body: (inout JSONReader) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        var reader = JSONReader(bytes: bytes, maxDepth: maxDepth, strings: strings)
        reader.startDocument()
        reader.pending = true
        try body(&reader)
        try reader.skipIfPending()
        try reader.endDocument()
    }

    /// Where the value to read starts, in bytes from the start of the document.
    public var offset: Int { index }

    /// The value, as a tree.
    public mutating func value() throws(JSONParseError) -> JSONValue {
        take()
        return try parseValue()
    }

    /// Checks the value and moves past it.
    public mutating func skip() throws(JSONParseError) {
        take()
        try skipValue()
    }

    /// The value when it is a string (from the reader's `strings` when they hold it); `nil` for any
    /// other value, which is checked and skipped.
    public mutating func string() throws(JSONParseError) -> String? {
        take()
        guard isAt(UInt8(ascii: "\"")) else {
            try skipValue()
            return nil
        }
        return try parseString()
    }

    /// `body` given the UTF-8 of the value when it is a string (where it lies in the document unless
    /// it has escapes); `false` for any other value, which is checked and skipped.
    public mutating func withString(_ body: (UnsafeBufferPointer<UInt8>) -> Void) throws(JSONParseError) -> Bool {
        take()
        guard isAt(UInt8(ascii: "\"")) else {
            try skipValue()
            return false
        }
        try withParsedString(body)
        return true
    }

    /// The value's text when it is a scalar, as ``JSONValue/scalarText`` gives it (a string as it
    /// is, a number as written, `true` or `false`); `nil` for `null`, an array or an object, which
    /// are checked and skipped.
    public mutating func scalarText() throws(JSONParseError) -> String? {
        take()
        guard index < bytes.count else { throw fail(.unexpectedEnd, "unexpected end of JSON") }
        switch bytes[index] {
        case UInt8(ascii: "\""): return try parseString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber().text
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return try parseValue().scalarText
        default:
            try skipValue()
            return nil
        }
    }

    /// The value when it is a number; `nil` for any other value, which is checked and skipped.
    public mutating func number() throws(JSONParseError) -> JSONNumber? {
        take()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index].isDigit else {
            try skipValue()
            return nil
        }
        return try parseNumber()
    }

    /// The value when it is `true` or `false`; `nil` for any other value, which is checked and skipped.
    public mutating func bool() throws(JSONParseError) -> Bool? {
        take()
        if isAt(UInt8(ascii: "t")) {
            try expectWord("true")
            return true
        }
        if isAt(UInt8(ascii: "f")) {
            try expectWord("false")
            return false
        }
        try skipValue()
        return nil
    }

    /// Reads an object's members that `names` names, the first of each name: `member` is given the
    /// reader at the member's value and the name's place in `names`, and reads the value (a value it
    /// leaves is skipped). Other members are checked and skipped. Returns `false`, having checked
    /// and skipped the value, when it is not an object.
    public mutating func readObject(
        _ names: JSONMemberNames, _ member: (inout JSONReader, Int) throws(JSONParseError) -> Void
    ) throws(JSONParseError) -> Bool {
        take()
        guard isAt(UInt8(ascii: "{")) else {
            try skipValue()
            return false
        }
        var seen: UInt64 = 0
        try object { reader throws(JSONParseError) in
            guard let slot = try reader.memberName(names), seen & (1 << UInt64(slot)) == 0 else {
                try reader.skipValue()
                return
            }
            seen |= 1 << UInt64(slot)
            reader.pending = true
            try member(&reader, slot)
            try reader.skipIfPending()
        }
        return true
    }

    /// Marks the value at `index` read.
    @inline(__always) private mutating func take() {
        precondition(pending, "a JSON value was read twice")
        pending = false
    }

    private mutating func skipIfPending() throws(JSONParseError) {
        guard pending else { return }
        pending = false
        try skipValue()
    }

    private func isAt(_ byte: UInt8) -> Bool {
        index < bytes.count && bytes[index] == byte
    }
}
