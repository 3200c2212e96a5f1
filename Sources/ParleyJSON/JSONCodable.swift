import Foundation

/// A Swift value with one JSON form, written and read by the same definition.
///
/// Scalars, arrays and maps conform here; records conform through ``JSONRecord``, enumerations of
/// text by declaring the conformance (their raw value is their JSON).
public protocol JSONCodable {
    /// The value as JSON.
    var json: JSONValue { get }
    /// The value `json` holds; the error names the member or element that is wrong.
    init(json: JSONValue) throws(JSONDecodingError)
    /// Writes the value's JSON to `writer`, the same text ``json`` is written as.
    func write(to writer: inout JSONWriter)
}

extension String: JSONCodable {
    @inlinable public var json: JSONValue { .string(self) }

    @inlinable public func write(to writer: inout JSONWriter) { writer.string(self) }

    @inlinable public init(json: JSONValue) throws(JSONDecodingError) {
        guard case .string(let text) = json else { throw .expected("a string", found: json) }
        self = text
    }
}

extension Bool: JSONCodable {
    @inlinable public var json: JSONValue { .bool(self) }

    @inlinable public func write(to writer: inout JSONWriter) { writer.bool(self) }

    @inlinable public init(json: JSONValue) throws(JSONDecodingError) {
        guard case .bool(let flag) = json else { throw .expected("true or false", found: json) }
        self = flag
    }
}

/// A finite `Double` in the shortest text that reads back to it (whole values without `.0`).
extension Double: JSONCodable {
    @inlinable public var json: JSONValue { .double(self) }

    @inlinable public func write(to writer: inout JSONWriter) { writer.number(self) }

    @inlinable public init(json: JSONValue) throws(JSONDecodingError) {
        guard let value = json.double else { throw .expected("a number", found: json) }
        self = value
    }
}

/// Whole numbers, exactly: reading one that is not whole or out of range is an error.
extension JSONCodable where Self: FixedWidthInteger {
    @inlinable public var json: JSONValue { .int(self) }

    @inlinable public func write(to writer: inout JSONWriter) { writer.integer(self) }

    @inlinable public init(json: JSONValue) throws(JSONDecodingError) {
        guard case .number(let number) = json else { throw .expected("a whole number", found: json) }
        guard let value = number.exactly(Self.self) else {
            throw JSONDecodingError("\(number) is not a whole number from \(Self.min) to \(Self.max)")
        }
        self = value
    }
}

extension Int: JSONCodable {}
extension UInt64: JSONCodable {}

/// A time as `2026-11-21T20:37:37.777Z` (``Timestamp/iso8601(_:)``): UTC, milliseconds.
extension Date: JSONCodable {
    @inlinable public var json: JSONValue { .string(Timestamp.iso8601(self)) }

    @inlinable public func write(to writer: inout JSONWriter) { writer.timestamp(self) }

    @inlinable public init(json: JSONValue) throws(JSONDecodingError) {
        guard case .string(let text) = json else { throw .expected("a timestamp", found: json) }
        guard let date = Timestamp.parse(text) else {
            throw JSONDecodingError("`\(text)` is not an ISO 8601 timestamp")
        }
        self = date
    }
}

/// An enumeration written as its raw text.
extension JSONCodable where Self: RawRepresentable, RawValue == String {
    @inlinable public var json: JSONValue { .string(rawValue) }

    @inlinable public func write(to writer: inout JSONWriter) { writer.string(rawValue) }

    @inlinable public init(json: JSONValue) throws(JSONDecodingError) {
        guard case .string(let text) = json else { throw .expected("a string", found: json) }
        guard let value = Self(rawValue: text) else { throw JSONDecodingError("unknown value `\(text)`") }
        self = value
    }
}

extension Array: JSONCodable where Element: JSONCodable {
    @inlinable public var json: JSONValue { .array(map { $0.json }) }

    @inlinable public func write(to writer: inout JSONWriter) {
        writer.beginArray()
        // By index: the subscript lends each element where `for element in self` copied it (a
        // turn's actions, retained and released member by member).
        for index in indices { self[index].write(to: &writer) }
        writer.endArray()
    }

    @inlinable public init(json: JSONValue) throws(JSONDecodingError) {
        guard case .array(let items) = json else { throw .expected("an array", found: json) }
        var values: [Element] = []
        values.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            do throws(JSONDecodingError) {
                values.append(try Element(json: item))
            } catch {
                throw error.nested(under: "[\(index)]")
            }
        }
        self = values
    }
}

/// Values by name, written in key order so that output is stable.
extension Dictionary: JSONCodable where Key == String, Value: JSONCodable {
    @inlinable public var json: JSONValue { .object(sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) }) }

    @inlinable public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        if count <= 16 {
            // A turn's ids, a tool's arguments: put in order where they lie, by an insertion sort
            // of their positions on the stack, instead of a sorted copy of every member.
            withUnsafeTemporaryAllocation(of: Index.self, capacity: count) { order in
                var sorted = 0
                var next = startIndex
                while next != endIndex {
                    var at = sorted
                    while at > 0, self[next].key < self[order[at - 1]].key {
                        order.initializeElement(at: at, to: order.moveElement(from: at - 1))
                        at -= 1
                    }
                    order.initializeElement(at: at, to: next)
                    sorted += 1
                    formIndex(after: &next)
                }
                for position in 0..<sorted {
                    let index = order.moveElement(from: position)
                    writer.key(self[index].key)
                    self[index].value.write(to: &writer)
                }
            }
        } else {
            for (key, value) in sorted(by: { $0.key < $1.key }) {
                writer.key(key)
                value.write(to: &writer)
            }
        }
        writer.endObject()
    }

    @inlinable public init(json: JSONValue) throws(JSONDecodingError) {
        guard case .object(let members) = json else { throw .expected("an object", found: json) }
        var map: [String: Value] = [:]
        for (key, member) in members {
            do throws(JSONDecodingError) {
                map[key] = try Value(json: member)
            } catch {
                throw error.nested(under: key)
            }
        }
        self = map
    }
}

/// Any JSON, as it is (a tool's arguments).
extension JSONValue: JSONCodable {
    @inlinable public var json: JSONValue { self }

    @inlinable public init(json: JSONValue) { self = json }
}
