/// Why bytes are not JSON, and where: the byte offset and the line and column it falls on.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    /// What kind of mistake, for callers that word their own messages (the sandbox answers like
    /// Python's `json` module, as the platforms it imitates do).
    public enum Kind: Sendable {
        case unexpectedEnd, extraData, unexpectedCharacter, invalidLiteral, tooDeep
        case expectedName, expectedColon, expectedComma
        case controlCharacter, unterminatedString, invalidEscape, invalidUnicodeEscape, loneSurrogate
        case invalidNumber, invalidUTF8
    }

    public var kind: Kind
    /// 0-based byte offset of the mistake.
    public var offset: Int
    /// 1-based line of the mistake.
    public var line: Int
    /// 1-based column of the mistake, in characters (Unicode scalars) from the start of its line.
    public var column: Int
    public var message: String
    public var description: String { "\(message) at line \(line), column \(column) (byte \(offset))" }

    /// An error at `offset` of `bytes`, its line and column counted from the bytes before it.
    init(kind: Kind, offset: Int, in bytes: UnsafeBufferPointer<UInt8>, message: String) {
        self.kind = kind
        self.offset = offset
        self.message = message
        var line = 1
        var column = 1
        for byte in bytes[..<min(offset, bytes.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        self.line = line
        self.column = column
    }
}

extension JSONValue {
    /// Parses one JSON document (RFC 8259) from UTF-8 bytes; nesting is capped at `maxDepth` levels.
    ///
    /// Strict where the RFC is: no leading zeros, trailing commas, comments, `NaN`/`Infinity`, raw
    /// control characters in strings, unpaired surrogates in `\u` escapes, invalid UTF-8 or text after
    /// the value. Where the RFC leaves the choice to the parser: a leading byte order mark is skipped;
    /// numbers of any size or precision are kept exactly as written (``JSONNumber``); repeated member
    /// names are all kept, in order (lookups by name find the first); nesting deeper than `maxDepth`
    /// is an error.
    public init(parsing bytes: some Collection<UInt8>, maxDepth: Int = 512) throws(JSONParseError) {
        self = try Array(bytes).withUnsafeBufferPointer { bytes throws(JSONParseError) in
            try JSONValue(parsing: bytes, maxDepth: maxDepth)
        }
    }

    /// ``init(parsing:maxDepth:)`` of bytes where they lie (a line in a reader's buffer), without a copy.
    public init(parsing bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = 512) throws(JSONParseError) {
        var parser = JSONReader(bytes: bytes, maxDepth: maxDepth)
        self = try parser.parseDocument()
    }

    /// Parses one JSON document from text.
    public init(parsing text: String) throws(JSONParseError) {
        try self.init(parsing: Array(text.utf8))
    }
}

/// Member names to pick out of an object (``JSONReader/readObject(_:_:)``), prepared once: at
/// most 64.
public struct JSONMemberNames: Sendable {
    let names: [[UInt8]]
    /// Each name's first eight bytes (all of a shorter one, zeros after), as one word.
    private let firstWords: [UInt64]
    /// Each name's last eight bytes, as one word (its first word for a shorter name): with the
    /// first, all of a name of up to 16 bytes.
    private let lastWords: [UInt64]
    /// The names of each length, a bit per name; the last entry holds every name of 63 bytes or more.
    private let byLength: [UInt64]

    public init(_ names: [String]) {
        precondition(names.count <= 64, "more than 64 member names")
        self.names = names.map { Array($0.utf8) }
        firstWords = self.names.map { $0.withUnsafeBufferPointer(Self.firstWord) }
        lastWords = self.names.map { $0.withUnsafeBufferPointer(Self.lastWord) }
        var byLength = [UInt64](repeating: 0, count: 64)
        for (slot, name) in self.names.enumerated() { byLength[min(name.count, 63)] |= 1 << UInt64(slot) }
        self.byLength = byLength
    }

    public var count: Int { names.count }

    /// Which name `key` (UTF-8) is, if any: its place in the names. Only names of the key's length
    /// are looked at, by their first and last eight bytes as words (all of a name of up to 16
    /// bytes), the bytes between compared only for longer ones.
    public func slot(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        var candidates = byLength[min(key.count, 63)]
        guard candidates != 0 else { return nil }
        let first = Self.firstWord(key)
        let last = Self.lastWord(key)
        while candidates != 0 {
            let slot = candidates.trailingZeroBitCount
            candidates &= candidates &- 1
            guard firstWords[slot] == first, lastWords[slot] == last else { continue }
            if key.count <= 16 || names[slot].withUnsafeBufferPointer({ sameBytes($0, key) }) { return slot }
        }
        return nil
    }

    private static func firstWord(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let base = bytes.baseAddress else { return 0 }
        if bytes.count >= 8 { return UInt64(littleEndian: UnsafeRawPointer(base).loadUnaligned(as: UInt64.self)) }
        var word: UInt64 = 0
        for offset in 0..<bytes.count { word |= UInt64(bytes[offset]) << UInt64(8 * offset) }
        return word
    }

    private static func lastWord(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let base = bytes.baseAddress, bytes.count > 8 else { return firstWord(bytes) }
        return UInt64(littleEndian: UnsafeRawPointer(base + bytes.count - 8).loadUnaligned(as: UInt64.self))
    }
}

/// A small recursive-descent parser over bytes: no Foundation, no intermediate strings for
/// structure, strings decoded once. It reads the bytes where they lie, without bounds checks: every
/// read is after a comparison with the end.
///
/// It parses whole documents into trees (``JSONValue/init(parsing:maxDepth:)``), and reads them a
/// value at a time for readers that build only what they use (``read(_:maxDepth:strings:_:)``).
public struct JSONReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    /// A value starts at `index` that the reader's user has yet to read (or skip).
    var pending = false
    var depth = 0
    let maxDepth: Int
    /// The members and items read so far of the objects and arrays still open, innermost last.
    /// Each object or array is moved out at its exact size once closed: one allocation, where an
    /// array of its own would grow append by append (four for five members), and no copy.
    private var openMembers: OpenValues<(String, JSONValue)>?
    private var openItems: OpenValues<JSONValue>?

    /// Where recurring strings are kept, if anywhere.
    let strings: StringInterner?

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int, strings: StringInterner? = nil) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.strings = strings
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        startDocument()
        let value = try parseValue()
        try endDocument()
        return value
    }

    /// Past a leading byte order mark and white space, to the document's value.
    mutating func startDocument() {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        skipWhitespace()
    }

    /// Past the white space after the document's value, to the end: anything else is an error.
    mutating func endDocument() throws(JSONParseError) {
        skipWhitespace()
        if index < bytes.count { throw fail(.extraData, "unexpected text after the JSON value") }
    }

    /// Reads a member name and its `:`; returns which of `names` it is.
    mutating func memberName(_ names: JSONMemberNames) throws(JSONParseError) -> Int? {
        let start = index + 1
        // Plain ASCII names (nearly all) are compared where they lie; others are decoded first.
        let end = plainASCIIEnd(from: start)
        let slot: Int?
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            slot = names.slot(of: UnsafeBufferPointer(rebasing: bytes[start..<end]))
            index = end + 1
        } else {
            slot = try withParsedString { names.slot(of: $0) }
        }
        try colon()
        return slot
    }

    /// Checks one value as ``parseValue()`` would, without building it.
    mutating func skipValue() throws(JSONParseError) {
        guard index < bytes.count else { throw fail(.unexpectedEnd, "unexpected end of JSON") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            try object { parser throws(JSONParseError) in
                try parser.skipString()
                try parser.colon()
                try parser.skipValue()
            }
        case UInt8(ascii: "["):
            try array { parser throws(JSONParseError) in try parser.skipValue() }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try scanNumber()
        default: _ = try parseValue()
        }
    }

    /// Checks a string as ``parseString()`` would; only one with escapes is decoded.
    private mutating func skipString() throws(JSONParseError) {
        let opening = index
        index += 1
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                index += 1
                return
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw fail(.controlCharacter, "control character 0x\(hex(b)) in a string; escape it") }
            index += b < 0x80 ? 1 : try utf8SequenceLength()
        }
        index = opening
        try withParsedString { _ in }
    }

    func fail(_ kind: JSONParseError.Kind, _ message: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(kind: kind, offset: offset ?? index, in: bytes, message: message)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else { throw fail(.unexpectedEnd, "unexpected end of JSON") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectWord("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectWord("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectWord("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default:
            let byte = bytes[index]
            let shown = byte < 0x80 && byte >= 0x20 ? "`\(Character(Unicode.Scalar(byte)))`" : "byte 0x\(hex(byte))"
            throw fail(.unexpectedCharacter, "unexpected character \(shown)")
        }
    }

    mutating func expectWord(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw fail(.unexpectedEnd, "unexpected end of JSON") }
        let matches = word.withUTF8Buffer {
            sameBytes($0, UnsafeBufferPointer(rebasing: bytes[index..<(index + count)]))
        }
        guard matches else { throw fail(.invalidLiteral, "invalid literal") }
        index += count
    }

    private mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > maxDepth { throw fail(.tooDeep, "JSON nested deeper than \(maxDepth) levels") }
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        let open = openMembers ?? OpenValues()
        openMembers = open
        let base = open.count
        defer { open.drop(from: base) }
        try object { parser throws(JSONParseError) in
            let key = try parser.parseString()
            try parser.colon()
            open.push((key, try parser.parseValue()))
        }
        return .object(open.take(from: base))
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        let open = openItems ?? OpenValues()
        openItems = open
        let base = open.count
        defer { open.drop(from: base) }
        try array { parser throws(JSONParseError) in
            open.push(try parser.parseValue())
        }
        return .array(open.take(from: base))
    }

    /// Walks an object from its `{` to past its `}`; `member` reads one member from its name on.
    mutating func object(
        _ member: (inout JSONReader) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        try enter()
        defer { depth -= 1 }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw fail(.expectedName, "expected a member name")
            }
            try member(&self)
            skipWhitespace()
            guard index < bytes.count else { throw fail(.expectedComma, "unexpected end of JSON in an object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return
            }
            throw fail(.expectedComma, "expected `,` or `}`")
        }
    }

    /// Walks an array from its `[` to past its `]`; `item` reads one item.
    private mutating func array(_ item: (inout JSONReader) throws(JSONParseError) -> Void) throws(JSONParseError) {
        try enter()
        defer { depth -= 1 }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            try item(&self)
            skipWhitespace()
            guard index < bytes.count else { throw fail(.expectedComma, "unexpected end of JSON in an array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return
            }
            throw fail(.expectedComma, "expected `,` or `]`")
        }
    }

    /// The `:` after a member name, and the space around it.
    private mutating func colon() throws(JSONParseError) {
        // Compact JSON (every stream event): the colon right after the name, the value right after it.
        if index + 1 < bytes.count, bytes[index] == UInt8(ascii: ":"), bytes[index + 1] > 0x20 {
            index += 1
            return
        }
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
            throw fail(.expectedColon, "expected `:`")
        }
        index += 1
        skipWhitespace()
    }

    /// Where the run of plain ASCII string bytes (no quote, backslash or control character)
    /// starting at `start` ends. Nearly every string is one: stepped over eight bytes at a time,
    /// the end found in the word that holds it; only the document's last few bytes one by one.
    private func plainASCIIEnd(from start: Int) -> Int {
        var at = start
        if let base = UnsafeRawPointer(bytes.baseAddress) {
            while at + 8 <= bytes.count {
                let ends = ByteWord.plainASCIIEnds(
                    UInt64(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
                if ends != 0 { return at + ends.trailingZeroBitCount >> 3 }
                at += 8
            }
        }
        while at < bytes.count {
            let b = bytes[at]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20 || b >= 0x80 { break }
            at += 1
        }
        return at
    }

    mutating func parseString() throws(JSONParseError) -> String {
        let strings = strings
        return try withParsedString { bytes in
            if let strings { strings.string(bytes) } else { String(decoding: bytes, as: UTF8.self) }
        }
    }

    /// `body` given the UTF-8 of the string at `index` (where it lies unless it has escapes), once
    /// the string is checked; `index` is then past it.
    mutating func withParsedString<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) throws(JSONParseError) -> R {
        let opening = index
        index += 1
        let start = index
        index = plainASCIIEnd(from: start)
        // Fast path: no escapes, the bytes are the string.
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let result = body(UnsafeBufferPointer(rebasing: bytes[start..<index]))
                index += 1
                return result
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw fail(.controlCharacter, "control character 0x\(hex(b)) in a string; escape it") }
            index += b < 0x80 ? 1 : try utf8SequenceLength()
        }
        var scalars = Array(bytes[start..<index])
        while index < bytes.count {
            let b = bytes[index]
            switch b {
            case UInt8(ascii: "\""):
                index += 1
                return scalars.withUnsafeBufferPointer(body)
            case UInt8(ascii: "\\"):
                let escape = index
                index += 1
                guard index < bytes.count else { throw fail(.unterminatedString, "unterminated escape") }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""): scalars.append(0x22)
                case UInt8(ascii: "\\"): scalars.append(0x5C)
                case UInt8(ascii: "/"): scalars.append(0x2F)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800...0xDBFF).contains(code) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else {
                            throw fail(
                                .loneSurrogate, "\\u escape of a high surrogate not followed by a low one", at: escape)
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else {
                            throw fail(
                                .loneSurrogate, "\\u escape of a high surrogate not followed by a low one", at: escape)
                        }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(code) {
                        throw fail(.loneSurrogate, "\\u escape of a low surrogate without a high one", at: escape)
                    }
                    // Every code point outside the surrogates is a scalar.
                    if let scalar = Unicode.Scalar(code) { scalars.append(contentsOf: scalar.utf8) }
                default:
                    let shown = e >= 0x20 && e < 0x7F ? String(Character(Unicode.Scalar(e))) : "0x\(hex(e))"
                    throw fail(.invalidEscape, "invalid escape `\\\(shown)`", at: escape)
                }
            default:
                if b < 0x20 { throw fail(.controlCharacter, "control character 0x\(hex(b)) in a string; escape it") }
                if b < 0x80 {
                    // The plain run this byte starts, appended at once (a tool's result is JSON
                    // text, an escaped quote every few bytes).
                    let end = plainASCIIEnd(from: index + 1)
                    scalars.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end]))
                    index = end
                } else {
                    let length = try utf8SequenceLength()
                    scalars.append(contentsOf: bytes[index..<(index + length)])
                    index += length
                }
            }
        }
        throw fail(.unterminatedString, "unterminated string", at: opening)
    }

    /// The length of the well-formed UTF-8 sequence starting at `index` (Unicode's table 3-7: no
    /// overlong forms, no surrogates, nothing above U+10FFFF).
    private func utf8SequenceLength() throws(JSONParseError) -> Int {
        let lead = bytes[index]
        let length: Int
        var second: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            second = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            second = 0x80...0x9F
        case 0xF0:
            length = 4
            second = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            second = 0x80...0x8F
        default: throw fail(.invalidUTF8, "invalid UTF-8 (byte 0x\(hex(lead)))")
        }
        guard index + length <= bytes.count, second.contains(bytes[index + 1]),
            bytes[(index + 2)..<(index + length)].allSatisfy({ $0 & 0xC0 == 0x80 })
        else { throw fail(.invalidUTF8, "invalid UTF-8 (byte 0x\(hex(lead)) starts a broken sequence)") }
        return length
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail(.invalidUnicodeEscape, "short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw fail(.invalidUnicodeEscape, "invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, kept as text.
    mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        JSONNumber(validated: String(decoding: bytes[try scanNumber()], as: UTF8.self))
    }

    /// Checks a number and moves past it; returns where it lies.
    private mutating func scanNumber() throws(JSONParseError) -> Range<Int> {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, bytes[index].isDigit else {
            throw fail(.invalidNumber, "invalid number: a digit must follow `-`")
        }
        if bytes[index] == UInt8(ascii: "0"), index + 1 < bytes.count, bytes[index + 1].isDigit {
            throw fail(.invalidNumber, "invalid number: leading zeros are not allowed")
        }
        skipDigits()
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, bytes[index].isDigit else {
                throw fail(.invalidNumber, "invalid number: a digit must follow `.`")
            }
            skipDigits()
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, bytes[index].isDigit else {
                throw fail(.invalidNumber, "invalid number: the exponent has no digits")
            }
            skipDigits()
        }
        return start..<index
    }

    private mutating func skipDigits() {
        while index < bytes.count, bytes[index].isDigit { index += 1 }
    }

    private func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return byte < 0x10 ? "0" + digits : digits
    }
}

/// A stack of the values read so far of the containers still open, whose top elements are moved,
/// not copied, into the array of the container that closes.
private final class OpenValues<Element> {
    private var base: UnsafeMutablePointer<Element>
    private var capacity = 16
    private(set) var count = 0

    init() { base = .allocate(capacity: capacity) }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inline(__always) func push(_ element: consuming Element) {
        if count == capacity {
            let grown = UnsafeMutablePointer<Element>.allocate(capacity: 2 * capacity)
            grown.moveInitialize(from: base, count: count)
            base.deallocate()
            base = grown
            capacity *= 2
        }
        (base + count).initialize(to: consume element)
        count += 1
    }

    /// The elements from `start` on, moved into an array of exactly their number.
    func take(from start: Int) -> [Element] {
        let taken = count - start
        guard taken > 0 else { return [] }
        count = start
        // Reserved and appended: `init(unsafeUninitializedCapacity:)` is not specialized, and looks
        // the array's storage type up in the runtime's tables on every call (about 500 instructions).
        var array: [Element] = []
        array.reserveCapacity(taken)
        for offset in 0..<taken { array.append((base + start + offset).move()) }
        return array
    }

    /// Destroys the elements from `start` on: those of a container whose reading failed.
    func drop(from start: Int) {
        guard count > start else { return }
        (base + start).deinitialize(count: count - start)
        count = start
    }
}
