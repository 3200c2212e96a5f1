/// A record written as a JSON object, its members declared once, in ``members(_:)``, for writing
/// and reading alike:
///
/// ```swift
/// public mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure) {
///     try json.field("id", &id)
///     try json.optional("persona", &persona)
///     try header.members(&json)  // a part's members, in place
/// }
/// ```
///
/// Writing visits the members in order and appends each; reading starts from ``blank`` and sets
/// each from the member of that name (unknown members are ignored, a missing one is an error), so
/// the two cannot disagree on a key, its type or whether it is optional.
public protocol JSONRecord: JSONCodable {
    /// A value whose every member reading overwrites.
    static var blank: Self { get }
    /// Hands every member, in order, to `json`, which writes or reads it.
    mutating func members<C: JSONMemberCoder>(_ json: inout C) throws(C.Failure)
}

// Inlinable, so that a record's members are written and read by code specialized for its types
// (generic calls cost several times the hand-written writer on the hot path of every flow run).
extension JSONRecord {
    @inlinable public var json: JSONValue {
        var copy = self
        var writer = JSONObjectWriter()
        copy.members(&writer)
        return .object(writer.members)
    }

    @inlinable public func write(to writer: inout JSONWriter) {
        var copy = self
        writer.beginObject()
        copy.members(&writer)
        writer.endObject()
    }

    @inlinable public init(json: JSONValue) throws(JSONDecodingError) {
        guard case .object(let members) = json else { throw .expected("an object", found: json) }
        var reader = JSONObjectReader(members)
        var value = Self.blank
        try value.members(&reader)
        self = value
    }
}

/// What ``JSONRecord/members(_:)`` hands its members to: a writer or a reader.
public protocol JSONMemberCoder {
    /// `Never` for writing, ``JSONDecodingError`` for reading.
    associatedtype Failure: Error
    /// A member that is always written and must be present when read.
    mutating func field<Value: JSONCodable>(_ key: String, _ value: inout Value) throws(Failure)
    /// A member written only when it has a value; absent or `null` reads as `nil`.
    mutating func optional<Value: JSONCodable>(_ key: String, _ value: inout Value?) throws(Failure)
}

/// Appends each member to an object's member list.
public struct JSONObjectWriter: JSONMemberCoder {
    public typealias Failure = Never

    /// The members written so far, in order.
    public var members: [(String, JSONValue)] { written }
    @usableFromInline var written: [(String, JSONValue)] = []

    @inlinable public init() {
        written.reserveCapacity(16)
    }

    @inlinable public mutating func field<Value: JSONCodable>(_ key: String, _ value: inout Value) {
        written.append((key, value.json))
    }

    @inlinable public mutating func optional<Value: JSONCodable>(_ key: String, _ value: inout Value?) {
        if let value { written.append((key, value.json)) }
    }
}

/// Sets each member from an object's member of that name.
public struct JSONObjectReader: JSONMemberCoder {
    public typealias Failure = JSONDecodingError

    @usableFromInline let members: [(String, JSONValue)]
    /// Members usually come in the order they are asked for: the next one is looked at first.
    @usableFromInline var next = 0

    @inlinable public init(_ members: [(String, JSONValue)]) {
        self.members = members
    }

    @inlinable mutating func member(_ key: String) -> JSONValue? {
        if next < members.count, members[next].0 == key {
            next += 1
            return members[next - 1].1
        }
        guard let index = members.firstIndex(where: { $0.0 == key }) else { return nil }
        next = index + 1
        return members[index].1
    }

    @inlinable
    public mutating func field<Value: JSONCodable>(_ key: String, _ value: inout Value) throws(JSONDecodingError) {
        guard let json = member(key) else { throw JSONDecodingError(path: key, "missing") }
        do throws(JSONDecodingError) {
            value = try Value(json: json)
        } catch {
            throw error.nested(under: key)
        }
    }

    @inlinable
    public mutating func optional<Value: JSONCodable>(_ key: String, _ value: inout Value?) throws(JSONDecodingError) {
        guard let json = member(key), !json.isNull else {
            value = nil
            return
        }
        do throws(JSONDecodingError) {
            value = try Value(json: json)
        } catch {
            throw error.nested(under: key)
        }
    }
}
