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
        if bytes.count > limits.maxBytes {
            throw YAMLError(
                location: SourceLocation(file: file, line: 1, column: 1),
                message: "file is \(bytes.count) bytes; the limit is \(limits.maxBytes) bytes"
            )
        }
        var builder = TreeBuilder(file: file, bytes: bytes, limits: limits)
        return try builder.run()
    }
}

/// Owns one libyaml parser for the length of a parse and folds its events into nodes.
///
/// A struct, not a class: its stack is touched several times per event, and a class's stored
/// properties are checked for exclusive access at run time on every touch.
struct TreeBuilder {
    /// A collection being read: its items (or pairs) so far, mutated in place on the stack.
    private struct Frame {
        var isMapping: Bool
        var start: SourceLocation
        var tag: String?
        var anchor: String?
        var items: [YAMLNode] = []
        var pairs: [YAMLPair] = []
        var size = 1
        /// Whether a `<<` merge key was written: only then are the pairs looked through for one.
        var hasMerge = false
        var pendingKey: YAMLNode?
        /// Key locations for duplicate checks, built only once a mapping is large enough that
        /// scanning its pairs would cost more.
        var keyIndex: [String: SourceLocation]?
    }

    /// Mappings up to this many pairs look for duplicate keys by scanning.
    private static let scannedKeys = 16
    /// Room for a collection's first items: most of a flow's mappings and lists are this small, and
    /// an array grown one append at a time is copied at 1, 2 and 4.
    private static let firstCapacity = 4

    private let file: String
    private let bytes: [UInt8]
    private let limits: YAMLLimits
    private var stack: [Frame] = []
    private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    private var totalNodes = 0
    private var root: YAMLNode?
    private var documents = 0

    init(file: String, bytes: [UInt8], limits: YAMLLimits) {
        self.file = file
        self.bytes = bytes
        self.limits = limits
    }

    mutating func run() throws(YAMLError) -> YAMLNode? {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            throw YAMLError(location: location(line: 0, column: 0), message: "could not initialise the YAML parser")
        }
        defer { yaml_parser_delete(parser) }
        stack.reserveCapacity(8)

        // libyaml reads from the buffer lazily, so it must stay alive and unmoved for the whole loop.
        return try bytes.withUnsafeBufferPointer { (buffer) throws(YAMLError) -> YAMLNode? in
            yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(parser, &event) == 1 else {
                    throw parserError(parser.pointee)
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                try handle(event)
            }
            return root
        }
    }

    private mutating func handle(_ event: yaml_event_t) throws(YAMLError) {
        // Only the events that make a node or report a problem are located: a location retains the
        // file name, and a collection's end needs none.
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
            let value = string(s.value, length: s.length) ?? ""
            try complete(
                .scalar(YAMLScalar(value: value, style: style(s.style))), at: location(event.start_mark),
                tag: string(s.tag), size: 1, anchor: string(s.anchor))
        case YAML_ALIAS_EVENT:
            let name = string(event.data.alias.anchor) ?? ""
            guard let target = anchors[name] else {
                throw YAMLError(
                    location: location(event.start_mark),
                    message: "alias *\(name) refers to no anchor &\(name) defined before it")
            }
            try complete(
                target.node.content, at: target.node.location, tag: target.node.tag, size: target.size, anchor: nil)
        case YAML_SEQUENCE_START_EVENT:
            let start = location(event.start_mark)
            try push(at: start)
            let s = event.data.sequence_start
            var frame = Frame(isMapping: false, start: start, tag: string(s.tag), anchor: string(s.anchor))
            frame.items.reserveCapacity(Self.firstCapacity)
            stack.append(consume frame)
        case YAML_MAPPING_START_EVENT:
            let start = location(event.start_mark)
            try push(at: start)
            let m = event.data.mapping_start
            var frame = Frame(isMapping: true, start: start, tag: string(m.tag), anchor: string(m.anchor))
            frame.pairs.reserveCapacity(Self.firstCapacity)
            stack.append(consume frame)
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return }
            let content: YAMLNode.Content =
                frame.isMapping
                ? .mapping(frame.hasMerge ? try resolveMerges(frame.pairs) : frame.pairs) : .sequence(frame.items)
            try complete(content, at: frame.start, tag: frame.tag, size: frame.size, anchor: frame.anchor)
        default:
            break
        }
    }

    private func push(at start: SourceLocation) throws(YAMLError) {
        if stack.count >= limits.maxDepth {
            throw YAMLError(location: start, message: "nesting is deeper than the limit of \(limits.maxDepth) levels")
        }
    }

    /// Attaches a finished node to its parent (or makes it the document root).
    @inline(__always)
    private mutating func complete(
        _ content: consuming YAMLNode.Content, at location: SourceLocation, tag: String?, size: Int, anchor: String?
    ) throws(YAMLError) {
        // The node is made from its parts where it is stored; only an anchor's copy is extra.
        totalNodes += size
        if totalNodes > limits.maxNodes {
            throw YAMLError(
                location: location,
                message:
                    "the document expands to more than \(limits.maxNodes) nodes (aliases included); refusing to read "
                    + "further"
            )
        }
        if let anchor { anchors[anchor] = (YAMLNode(content: copy content, location: location, tag: tag), size) }
        guard !stack.isEmpty else {
            root = YAMLNode(content: content, location: location, tag: tag)
            return
        }
        let top = stack.count - 1
        stack[top].size += size
        if !stack[top].isMapping {
            stack[top].items.append(YAMLNode(content: content, location: location, tag: tag))
            return
        }
        if let key = stack[top].pendingKey.take() {
            stack[top].pairs.append(YAMLPair(key: key, value: YAMLNode(content: content, location: location, tag: tag)))
            return
        }
        guard case .scalar(let keyScalar) = content else {
            let kind = YAMLNode(content: copy content, location: location, tag: tag).kindDescription
            throw YAMLError(location: location, message: "a mapping key must be a plain value, not \(kind)")
        }
        let keyText = keyScalar.value
        if keyScalar.style != .plain || keyText != "<<" {
            if let first = Self.firstLocation(of: keyText, in: &stack[top]) {
                throw YAMLError(
                    location: location,
                    message: "duplicate key `\(keyText)` (first defined at line \(first.line), column \(first.column))")
            }
            stack[top].keyIndex?[keyText] = location
        } else {
            stack[top].hasMerge = true
        }
        stack[top].pendingKey = YAMLNode(content: content, location: location, tag: tag)
    }

    /// Where `key` was first written in the mapping being read, if it was.
    private static func firstLocation(of key: String, in frame: inout Frame) -> SourceLocation? {
        func isMerge(_ pair: YAMLPair) -> Bool { pair.key.string == "<<" && pair.key.scalar?.style == .plain }
        if frame.keyIndex == nil, frame.pairs.count >= scannedKeys {
            var index: [String: SourceLocation] = [:]
            for pair in frame.pairs {
                if let text = pair.key.string, !isMerge(pair), index[text] == nil { index[text] = pair.key.location }
            }
            frame.keyIndex = index
        }
        if let index = frame.keyIndex { return index[key] }
        for pair in frame.pairs where pair.key.string == key && !isMerge(pair) {
            return pair.key.location
        }
        return nil
    }

    /// Applies `<<: *base` (or `<<: [*a, *b]`): explicit keys win, then earlier merged maps.
    private func resolveMerges(_ pairs: [YAMLPair]) throws(YAMLError) -> [YAMLPair] {
        guard pairs.contains(where: isMergeKey) else { return pairs }
        var result = pairs.filter { !isMergeKey($0) }
        var seen = Set(result.compactMap { $0.key.string })
        for pair in pairs where isMergeKey(pair) {
            let sources: [YAMLNode]
            switch pair.value.content {
            case .mapping: sources = [pair.value]
            case .sequence(let items): sources = items
            case .scalar:
                throw YAMLError(
                    location: pair.value.location,
                    message: "`<<` merges a mapping or a list of mappings, not \(pair.value.kindDescription)")
            }
            for source in sources {
                guard let entries = source.mapping else {
                    throw YAMLError(
                        location: source.location, message: "`<<` merges mappings, not \(source.kindDescription)")
                }
                for entry in entries {
                    guard let key = entry.key.string, !seen.contains(key) else { continue }
                    seen.insert(key)
                    result.append(entry)
                }
            }
        }
        return result
    }

    private func isMergeKey(_ pair: YAMLPair) -> Bool {
        pair.key.string == "<<" && pair.key.scalar?.style == .plain
    }

    // MARK: - C conversions

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, length: Int) -> String? {
        guard let pointer else { return nil }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
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
