internal import CYAML

/// Reads YAML text into a located node tree, refusing what the flow language never needs.
///
/// Beyond libyaml's syntax checks it rejects duplicate keys, keys that are not scalars, a second
/// document, nesting deeper than ``YAMLLimits/maxDepth``, inputs larger than
/// ``YAMLLimits/maxBytes`` and alias expansion beyond ``YAMLLimits/maxNodes``. Anchors, aliases and
/// `<<` merge keys work.
public enum YAMLParser {
    /// Parses `text`; returns `nil` when the input holds no document (empty or comments only).
    public static func parse(_ text: String, file: String, limits: YAMLLimits = .default) throws(YAMLError) -> YAMLNode?
    {
        try parse(bytes: Array(text.utf8), file: file, limits: limits)
    }

    /// Parses raw bytes (UTF-8, or UTF-16 with a byte-order mark).
    public static func parse(bytes: [UInt8], file: String, limits: YAMLLimits = .default) throws(YAMLError) -> YAMLNode?
    {
        try parse(bytes: bytes, file: file, limits: limits, preloading: true)
    }

    /// `preloading: false` makes libyaml's reader decode even input that could be handed over
    /// decoded, so that tests can compare the two.
    static func parse(bytes: [UInt8], file: String, limits: YAMLLimits, preloading: Bool) throws(YAMLError)
        -> YAMLNode?
    {
        if bytes.count > limits.maxBytes {
            throw YAMLError(
                location: SourceLocation(file: file, line: 1, column: 1),
                message: "file is \(bytes.count) bytes; the limit is \(limits.maxBytes) bytes"
            )
        }
        var builder = TreeBuilder(file: file, bytes: bytes, limits: limits)
        return try builder.run(preloading: preloading)
    }
}

/// Owns one libyaml parser for the length of a parse and folds its events into a document.
///
/// A struct, not a class: its stack is touched several times per event, and a class's stored
/// properties are checked for exclusive access at run time on every touch.
struct TreeBuilder {
    /// A collection being read. Its children so far are the end of ``pending`` from ``base`` on
    /// (key, value, key, value for a mapping); they are copied into the document when it ends.
    private struct Frame {
        var isMapping: Bool
        var line: Int
        var column: Int
        var tag: String?
        var anchor: String?
        var base: Int
        var size = 1
        /// Whether a `<<` merge key was written: only then are the pairs looked through for one.
        var hasMerge = false
        /// Key locations for duplicate checks, built only once a mapping is large enough that
        /// scanning its pairs would cost more.
        var keyIndex: [String: SourceLocation]?
    }

    /// Mappings up to this many pairs look for duplicate keys by scanning.
    private static let scannedKeys = 16

    private let file: String
    private let bytes: [UInt8]
    private let limits: YAMLLimits
    private var writer: DocumentWriter
    private var stack: [Frame] = []
    private var pending: [Int32] = []
    private var anchors: [String: (index: Int32, size: Int)] = [:]
    private var totalNodes = 0
    private var root: Int32?
    private var documents = 0
    /// Whether the input went to libyaml decoded (``preload(_:into:)``).
    private(set) var preloaded = false

    init(file: String, bytes: [UInt8], limits: YAMLLimits) {
        self.file = file
        self.bytes = bytes
        self.limits = limits
        self.writer = DocumentWriter(file: file, reservingFor: bytes.count)
    }

    mutating func run(preloading: Bool) throws(YAMLError) -> YAMLNode? {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            throw YAMLError(location: location(line: 0, column: 0), message: "could not initialise the YAML parser")
        }
        defer { yaml_parser_delete(parser) }
        stack.reserveCapacity(8)
        pending.reserveCapacity(32)

        // libyaml reads from the buffer lazily, so it must stay alive and unmoved for the whole loop.
        try bytes.withUnsafeBufferPointer { (buffer) throws(YAMLError) in
            yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
            if preloading { preloaded = Self.preload(buffer, into: parser) }
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(parser, &event) == 1 else {
                    throw parserError(parser.pointee)
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                try handle(event)
            }
        }
        guard let root else { return nil }
        return YAMLNode(document: writer.finish(), index: root)
    }

    /// Whether this libyaml's reader works as ``preload(_:into:)`` expects (the 0.2 series').
    private static let readerIsKnown: Bool = {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        yaml_get_version(&major, &minor, &patch)
        return major == 0 && minor == 2
    }()

    /// Puts the whole input into libyaml's working buffer as its reader would have decoded it, when
    /// that is a copy: every byte a tab, a line break or printable ASCII (so UTF-8, no byte-order
    /// mark, no character the reader refuses, one character a byte). The reader otherwise decodes
    /// and checks the input a character at a time, about 30 instructions a byte, a sixth of the
    /// parse. Anything else, or input larger than the buffer, is left to the reader.
    ///
    /// The state set is the reader's after its last fill: the characters and a closing NUL in the
    /// buffer, `unread` counting them, the raw input consumed (`offset`) and `eof` set, after which
    /// the reader returns at once.
    private static func preload(
        _ input: UnsafeBufferPointer<UInt8>, into parser: UnsafeMutablePointer<yaml_parser_t>
    ) -> Bool {
        guard readerIsKnown, let start = parser.pointee.buffer.start, let end = parser.pointee.buffer.end,
            input.count < end - start, let source = input.baseAddress,
            parser.pointee.raw_buffer.pointer == parser.pointee.raw_buffer.last
        else { return false }
        for byte in input where byte < 0x20 || byte > 0x7E {
            guard byte == 0x09 || byte == 0x0A || byte == 0x0D else { return false }
        }
        start.update(from: source, count: input.count)
        start[input.count] = 0
        parser.pointee.buffer.pointer = start
        parser.pointee.buffer.last = start + input.count + 1
        parser.pointee.unread = input.count + 1
        parser.pointee.encoding = YAML_UTF8_ENCODING
        parser.pointee.offset = input.count
        parser.pointee.input.string.current = parser.pointee.input.string.end
        parser.pointee.eof = 1
        return true
    }

    private mutating func handle(_ event: yaml_event_t) throws(YAMLError) {
        // Only the events that make a node or report a problem are located: a collection's end
        // takes its start from its frame.
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                throw YAMLError(
                    location: location(event.start_mark),
                    message: "a file holds one YAML document, but a second one starts here")
            }
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let bytes = UnsafeBufferPointer(start: UnsafePointer(s.value), count: s.value == nil ? 0 : s.length)
            let index = writer.scalar(
                String(decoding: bytes, as: UTF8.self), style: style(s.style), line: Int(event.start_mark.line) + 1,
                column: Int(event.start_mark.column) + 1, tag: string(s.tag))
            try complete(index, size: 1, anchor: string(s.anchor))
        case YAML_ALIAS_EVENT:
            let name = string(event.data.alias.anchor) ?? ""
            guard let target = anchors[name] else {
                throw YAMLError(
                    location: location(event.start_mark),
                    message: "alias *\(name) refers to no anchor &\(name) defined before it")
            }
            try complete(target.index, size: target.size, anchor: nil)
        case YAML_SEQUENCE_START_EVENT:
            let s = event.data.sequence_start
            try push(event.start_mark, isMapping: false, tag: string(s.tag), anchor: string(s.anchor))
        case YAML_MAPPING_START_EVENT:
            let m = event.data.mapping_start
            try push(event.start_mark, isMapping: true, tag: string(m.tag), anchor: string(m.anchor))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return }
            let index: Int32
            if frame.isMapping && frame.hasMerge {
                let merged = try resolveMerges(pending[frame.base...])
                index = writer.collection(
                    .mapping, children: merged[...], line: frame.line, column: frame.column, tag: frame.tag)
            } else {
                index = writer.collection(
                    frame.isMapping ? .mapping : .sequence, children: pending[frame.base...], line: frame.line,
                    column: frame.column, tag: frame.tag)
            }
            pending.removeSubrange(frame.base...)
            try complete(index, size: frame.size, anchor: frame.anchor)
        default:
            break
        }
    }

    private mutating func push(_ mark: yaml_mark_t, isMapping: Bool, tag: String?, anchor: String?) throws(YAMLError) {
        if stack.count >= limits.maxDepth {
            throw YAMLError(
                location: location(mark), message: "nesting is deeper than the limit of \(limits.maxDepth) levels")
        }
        stack.append(
            Frame(
                isMapping: isMapping, line: Int(mark.line) + 1, column: Int(mark.column) + 1, tag: tag, anchor: anchor,
                base: pending.count))
    }

    /// Attaches a finished node to its parent (or makes it the document root).
    @inline(__always)
    private mutating func complete(_ index: Int32, size: Int, anchor: String?) throws(YAMLError) {
        totalNodes += size
        if totalNodes > limits.maxNodes {
            throw YAMLError(
                location: location(of: index),
                message:
                    "the document expands to more than \(limits.maxNodes) nodes (aliases included); refusing to read "
                    + "further"
            )
        }
        if let anchor { anchors[anchor] = (index, size) }
        guard !stack.isEmpty else {
            root = index
            return
        }
        let top = stack.count - 1
        stack[top].size += size
        if stack[top].isMapping, (pending.count - stack[top].base) & 1 == 0 {
            try checkKey(index, of: top)
        }
        pending.append(index)
    }

    /// Refuses a key that is not a scalar or that the mapping already has; notes a `<<` merge key.
    private mutating func checkKey(_ index: Int32, of top: Int) throws(YAMLError) {
        let record = writer.records[Int(index)]
        guard record.kind == .scalar else {
            throw YAMLError(
                location: location(of: index), message: "a mapping key must be a plain value, not \(describe(index))")
        }
        if isMergeKey(record) {
            stack[top].hasMerge = true
            return
        }
        let base = stack[top].base
        if stack[top].keyIndex == nil, (pending.count - base) / 2 >= Self.scannedKeys {
            stack[top].keyIndex = keyIndex(from: base)
        }
        let keyText = writer.texts[Int(record.first)]
        let first: SourceLocation?
        if let keyIndex = stack[top].keyIndex {
            first = keyIndex[keyText]
        } else {
            first = firstLocation(of: record, from: base)
        }
        if let first {
            throw YAMLError(
                location: location(of: index),
                message: "duplicate key `\(keyText)` (first defined at line \(first.line), column \(first.column))")
        }
        if stack[top].keyIndex != nil {
            let at = location(of: index)
            stack[top].keyIndex?[keyText] = at
        }
    }

    /// A plain `<<`.
    private func isMergeKey(_ record: YAMLDocument.Record) -> Bool {
        record.kind == .scalar && record.style == .plain && writer.texts[Int(record.first)] == "<<"
    }

    /// The text of a scalar key, unless it is a `<<` merge key.
    private func keyText(_ index: Int32) -> String? {
        let record = writer.records[Int(index)]
        guard record.kind == .scalar, !isMergeKey(record) else { return nil }
        return writer.texts[Int(record.first)]
    }

    /// Where each key of the mapping whose slots start at `base` was first written.
    private func keyIndex(from base: Int) -> [String: SourceLocation] {
        var index: [String: SourceLocation] = [:]
        for slot in stride(from: base, to: pending.count, by: 2) {
            if let text = keyText(pending[slot]), index[text] == nil { index[text] = location(of: pending[slot]) }
        }
        return index
    }

    /// Where the scalar `key` was first written in the mapping whose slots start at `base`, if it was.
    private func firstLocation(of key: YAMLDocument.Record, from base: Int) -> SourceLocation? {
        for slot in stride(from: base, to: pending.count, by: 2) {
            let record = writer.records[Int(pending[slot])]
            guard record.kind == .scalar, !isMergeKey(record) else { continue }
            if writer.texts[Int(record.first)] == writer.texts[Int(key.first)] { return location(of: pending[slot]) }
        }
        return nil
    }

    /// Applies `<<: *base` (or `<<: [*a, *b]`) to a mapping's slots: explicit keys win, then
    /// earlier merged maps.
    private func resolveMerges(_ slots: ArraySlice<Int32>) throws(YAMLError) -> [Int32] {
        let records = writer.records, children = writer.children
        var result: [Int32] = []
        var merges: [Int32] = []
        var seen = Set<String>()
        for slot in stride(from: slots.startIndex, to: slots.endIndex, by: 2) {
            guard let text = keyText(slots[slot]) else {
                merges.append(slots[slot + 1])
                continue
            }
            seen.insert(text)
            result.append(slots[slot])
            result.append(slots[slot + 1])
        }
        for value in merges {
            let record = records[Int(value)]
            let sources: ArraySlice<Int32>
            switch record.kind {
            case .mapping: sources = [value]
            case .sequence: sources = children[Int(record.first)..<Int(record.first + record.count)]
            case .scalar:
                throw YAMLError(
                    location: location(of: value),
                    message: "`<<` merges a mapping or a list of mappings, not \(describe(value))")
            }
            for source in sources {
                let mapping = records[Int(source)]
                guard mapping.kind == .mapping else {
                    throw YAMLError(
                        location: location(of: source), message: "`<<` merges mappings, not \(describe(source))")
                }
                let start = Int(mapping.first)
                for slot in stride(from: start, to: start + 2 * Int(mapping.count), by: 2) {
                    guard let key = keyText(children[slot]), seen.insert(key).inserted else { continue }
                    result.append(children[slot])
                    result.append(children[slot + 1])
                }
            }
        }
        return result
    }

    /// A node's kind for a message, while the document is still being written.
    private func describe(_ index: Int32) -> String {
        YAMLNode(document: writer.finish(), index: index).kindDescription
    }

    private func location(of index: Int32) -> SourceLocation {
        let record = writer.records[Int(index)]
        return SourceLocation(file: file, line: Int(record.line), column: Int(record.column))
    }

    // MARK: - C conversions

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    private func style(_ style: yaml_scalar_style_t) -> YAMLScalar.Style {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: return .literal
        case YAML_FOLDED_SCALAR_STYLE: return .folded
        default: return .plain
        }
    }

    private func location(_ mark: yaml_mark_t) -> SourceLocation {
        location(line: Int(mark.line), column: Int(mark.column))
    }

    private func location(line: Int, column: Int) -> SourceLocation {
        SourceLocation(file: file, line: line + 1, column: column + 1)
    }

    /// Turns libyaml's error fields into one located sentence.
    private func parserError(_ parser: yaml_parser_t) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        switch parser.error {
        case YAML_READER_ERROR:
            var message = problem
            if parser.problem_value != -1 {
                message += " (byte 0x\(String(UInt8(truncatingIfNeeded: parser.problem_value), radix: 16)))"
            }
            return YAMLError(location: locationOfByte(parser.problem_offset), message: message)
        case YAML_MEMORY_ERROR:
            return YAMLError(location: location(line: 0, column: 0), message: "out of memory while reading YAML")
        default:
            let at = location(parser.problem_mark)
            var message = problem
            if problem == "found character that cannot start any token", character(at: at) == "\t" {
                message = "a tab character cannot start a token; YAML indents with spaces"
            }
            if let context = parser.context.map({ String(cString: $0) }) {
                let where_ = location(parser.context_mark)
                message += " (\(context) at line \(where_.line), column \(where_.column))"
            }
            return YAMLError(location: at, message: message)
        }
    }

    /// Line and character column of a byte offset, for reader errors that carry only an offset.
    private func locationOfByte(_ offset: Int) -> SourceLocation {
        var line = 0, column = 0
        for byte in bytes.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 0
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return location(line: line, column: column)
    }

    private func character(at location: SourceLocation) -> Character? {
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard location.line - 1 < lines.count else { return nil }
        let text = String(decoding: lines[location.line - 1], as: UTF8.self)
        guard location.column - 1 < text.count else { return nil }
        return text[text.index(text.startIndex, offsetBy: location.column - 1)]
    }
}
