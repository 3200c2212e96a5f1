/// One parsed YAML file: every node in one array, a collection's children named by index.
///
/// A tree of separate values costs an allocation per collection to build and a walk to free;
/// here a file's nodes are a few arrays, made once and freed at once. Aliases share the node they
/// refer to. Immutable once built.
public final class YAMLDocument: Sendable {
    /// One node: what it is, where it starts, and where its text or children are.
    struct Record {
        enum Kind: UInt8 { case scalar, sequence, mapping }

        var kind: Kind
        var style: YAMLScalar.Style
        /// Index into ``files``: 0, the parsed file, unless the node was copied from another document.
        var file: UInt16 = 0
        /// 1-based.
        var line: Int32
        /// 1-based, in characters.
        var column: Int32
        /// Index into ``texts``, or -1 when no tag was written.
        var tag: Int32
        /// A scalar's text: an index into ``texts``. A collection's children: the start in
        /// ``children``, where a mapping's pairs are stored key, value, key, value.
        var first: Int32
        /// A collection's items or pairs.
        var count: Int32
    }

    let files: [String]
    let records: [Record]
    let children: [Int32]
    let texts: [String]

    init(files: [String], records: [Record], children: [Int32], texts: [String]) {
        self.files = files
        self.records = records
        self.children = children
        self.texts = texts
    }
}

/// One node of a parsed YAML document, with the position it was written at.
///
/// A small value naming a node of its ``YAMLDocument``; it keeps the document alive.
public struct YAMLNode: Sendable {
    /// What the node holds.
    public enum Content: Sendable {
        case scalar(YAMLScalar)
        case sequence(Items)
        case mapping(Pairs)
    }

    let document: YAMLDocument
    let index: Int32

    init(document: YAMLDocument, index: Int32) {
        self.document = document
        self.index = index
    }

    var record: YAMLDocument.Record { document.records[Int(index)] }

    public var content: Content {
        let record = record
        switch record.kind {
        case .scalar: return .scalar(YAMLScalar(value: document.texts[Int(record.first)], style: record.style))
        case .sequence: return .sequence(Items(document: document, first: Int(record.first), count: Int(record.count)))
        case .mapping: return .mapping(Pairs(document: document, first: Int(record.first), count: Int(record.count)))
        }
    }

    /// Where the node starts in its file.
    public var location: SourceLocation {
        let record = record
        return SourceLocation(
            file: document.files[Int(record.file)], line: Int(record.line), column: Int(record.column))
    }

    /// An explicit tag such as `!include`, if the author wrote one.
    public var tag: String? {
        let tag = record.tag
        return tag < 0 ? nil : document.texts[Int(tag)]
    }

    /// The scalar, if this node is one.
    public var scalar: YAMLScalar? {
        let record = record
        guard record.kind == .scalar else { return nil }
        return YAMLScalar(value: document.texts[Int(record.first)], style: record.style)
    }

    /// The scalar's text, if this node is a scalar.
    public var string: String? {
        let record = record
        return record.kind == .scalar ? document.texts[Int(record.first)] : nil
    }

    /// The items, if this node is a sequence.
    public var sequence: Items? {
        let record = record
        guard record.kind == .sequence else { return nil }
        return Items(document: document, first: Int(record.first), count: Int(record.count))
    }

    /// A sequence's items, or any other node as a list of one (for keys that take one or several).
    public var asList: [YAMLNode] { sequence.map(Array.init) ?? [self] }

    /// The key/value pairs in written order, if this node is a mapping.
    public var mapping: Pairs? {
        let record = record
        guard record.kind == .mapping else { return nil }
        return Pairs(document: document, first: Int(record.first), count: Int(record.count))
    }

    /// True for an explicit or implicit null: an empty plain scalar, `~`, `null`.
    public var isNull: Bool {
        let record = record
        guard record.kind == .scalar, record.style == .plain, record.tag < 0 else { return false }
        let value = document.texts[Int(record.first)]
        guard value.utf8.count <= 4 else { return false }
        switch value {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    /// The value stored under `key` when this node is a mapping with scalar keys.
    public subscript(key: String) -> YAMLNode? {
        guard let pairs = mapping, let position = pairs.firstIndex(ofKey: key) else { return nil }
        return pairs[position].value
    }

    /// A short noun phrase for messages: "a string", "a list", "a mapping", "null".
    public var kindDescription: String {
        switch content {
        case .scalar(let s):
            if isNull { return "null" }
            if s.style == .plain {
                if Int(s.value) != nil { return "a number" }
                if ["true", "false"].contains(s.value.lowercased()) { return "a boolean" }
            }
            return "a string"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}

extension YAMLNode {
    /// A sequence's items, in written order.
    public struct Items: RandomAccessCollection, Sendable {
        let document: YAMLDocument
        let first: Int
        public let count: Int

        public var startIndex: Int { 0 }
        public var endIndex: Int { count }

        public subscript(position: Int) -> YAMLNode {
            precondition(position >= 0 && position < count, "YAML item index out of range")
            return YAMLNode(document: document, index: document.children[first + position])
        }
    }

    /// A mapping's key/value pairs, in written order.
    public struct Pairs: RandomAccessCollection, Sendable {
        let document: YAMLDocument
        let first: Int
        public let count: Int

        public var startIndex: Int { 0 }
        public var endIndex: Int { count }

        public subscript(position: Int) -> YAMLPair {
            precondition(position >= 0 && position < count, "YAML pair index out of range")
            let slot = first + 2 * position
            return YAMLPair(
                key: YAMLNode(document: document, index: document.children[slot]),
                value: YAMLNode(document: document, index: document.children[slot + 1]))
        }

        /// The text of the key at `position` when it is a scalar, read without making its node.
        public func keyText(at position: Int) -> String? {
            precondition(position >= 0 && position < count, "YAML pair index out of range")
            let record = document.records[Int(document.children[first + 2 * position])]
            return record.kind == .scalar ? document.texts[Int(record.first)] : nil
        }

        /// The position of the first pair whose key is the scalar `key`.
        public func firstIndex(ofKey key: String) -> Int? {
            position(ofKey: key, from: 0, to: count, by: 1)
        }

        /// The position of the last pair whose key is the scalar `key`.
        public func lastIndex(ofKey key: String) -> Int? {
            position(ofKey: key, from: count - 1, to: -1, by: -1)
        }

        private func position(ofKey key: String, from start: Int, to end: Int, by step: Int) -> Int? {
            for position in stride(from: start, to: end, by: step) {
                let record = document.records[Int(document.children[first + 2 * position])]
                if record.kind == .scalar, document.texts[Int(record.first)] == key { return position }
            }
            return nil
        }
    }
}

extension YAMLNode {
    /// A scalar made in code rather than read from a file, in a document of its own.
    public init(scalar: YAMLScalar, at location: SourceLocation, tag: String? = nil) {
        var writer = DocumentWriter(file: location.file)
        let index = writer.scalar(
            scalar.value, style: scalar.style, line: location.line, column: location.column, tag: tag)
        self.init(document: writer.finish(), index: index)
    }

    /// A mapping made in code from pairs of any documents (they are copied into a new one).
    public init(mapping pairs: [YAMLPair], at location: SourceLocation) {
        var writer = DocumentWriter(file: location.file)
        var slots: [Int32] = []
        for pair in pairs {
            slots.append(writer.copy(pair.key))
            slots.append(writer.copy(pair.value))
        }
        let index = writer.collection(
            .mapping, children: slots[...], line: location.line, column: location.column, tag: nil)
        self.init(document: writer.finish(), index: index)
    }
}

/// Appends nodes to the arrays a ``YAMLDocument`` is made of.
struct DocumentWriter {
    var records: [YAMLDocument.Record] = []
    var children: [Int32] = []
    var texts: [String] = []
    /// The file nodes are written to, then those of nodes copied from other documents.
    private var files: [String]

    /// A writer for the nodes of `file`, with room for those of `size` bytes of YAML (judged from
    /// typical flows, so that the arrays are seldom grown).
    init(file: String, reservingFor size: Int = 0) {
        files = [file]
        records.reserveCapacity(size / 12)
        children.reserveCapacity(size / 12)
        texts.reserveCapacity(size / 16)
    }

    @inline(__always)
    private mutating func text(_ value: String?) -> Int32 {
        guard let value else { return -1 }
        texts.append(value)
        return Int32(texts.count - 1)
    }

    mutating func scalar(
        _ value: String, style: YAMLScalar.Style, file: UInt16 = 0, line: Int, column: Int, tag: String?
    ) -> Int32 {
        let tag = text(tag)
        let first = text(value)
        records.append(
            .init(
                kind: .scalar, style: style, file: file, line: Int32(truncatingIfNeeded: line),
                column: Int32(truncatingIfNeeded: column), tag: tag, first: first, count: 0))
        return Int32(records.count - 1)
    }

    /// A sequence of the nodes `slots` names, or a mapping of them taken key, value, key, value.
    mutating func collection(
        _ kind: YAMLDocument.Record.Kind, children slots: ArraySlice<Int32>, file: UInt16 = 0, line: Int, column: Int,
        tag: String?
    ) -> Int32 {
        let tag = text(tag)
        let first = Int32(children.count)
        children.append(contentsOf: slots)
        records.append(
            .init(
                kind: kind, style: .plain, file: file, line: Int32(truncatingIfNeeded: line),
                column: Int32(truncatingIfNeeded: column), tag: tag, first: first,
                count: Int32(kind == .mapping ? slots.count / 2 : slots.count)))
        return Int32(records.count - 1)
    }

    /// Copies `node` and everything under it from its own document, each node keeping its location.
    mutating func copy(_ node: YAMLNode) -> Int32 {
        let location = node.location
        let file = fileIndex(location.file)
        switch node.content {
        case .scalar(let s):
            return scalar(
                s.value, style: s.style, file: file, line: location.line, column: location.column, tag: node.tag)
        case .sequence(let items):
            let slots = items.map { copy($0) }
            return collection(
                .sequence, children: slots[...], file: file, line: location.line, column: location.column,
                tag: node.tag)
        case .mapping(let pairs):
            var slots: [Int32] = []
            for pair in pairs {
                slots.append(copy(pair.key))
                slots.append(copy(pair.value))
            }
            return collection(
                .mapping, children: slots[...], file: file, line: location.line, column: location.column,
                tag: node.tag)
        }
    }

    private mutating func fileIndex(_ file: String) -> UInt16 {
        if let index = files.firstIndex(of: file) { return UInt16(index) }
        precondition(files.count < Int(UInt16.max), "a YAML document made in code names too many files")
        files.append(file)
        return UInt16(files.count - 1)
    }

    func finish() -> YAMLDocument {
        YAMLDocument(files: files, records: records, children: children, texts: texts)
    }
}

/// A scalar's text and how it was written (quoting matters: `"yes"` is a string even in YAML 1.1).
public struct YAMLScalar: Sendable, Hashable {
    public enum Style: UInt8, Sendable, Hashable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    public var value: String
    public var style: Style

    public init(value: String, style: Style = .plain) {
        self.value = value
        self.style = style
    }
}

/// One `key: value` entry of a mapping.
public struct YAMLPair: Sendable {
    public var key: YAMLNode
    public var value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}
