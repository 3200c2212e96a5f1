import ParleyJSON

/// The sandbox reads and writes Core's `JSONValue` (ordered members, compact output like Python's
/// `separators=(",", ":")`, non-ASCII text kept as UTF-8), under a short name.
typealias JSON = JSONValue

extension JSONValue {
    /// `JSON.string(s)` for a present value, `.null` for nil.
    static func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    var stringValue: String? { string }
    var objectPairs: [(String, JSONValue)]? { object }
    var arrayValue: [JSONValue]? { array }

    /// An integer, also from a float with no fractional part (JavaScript clients send `123.0`).
    var intValue: Int? { int }

    /// The compact text of the value.
    var text: String { serialized }
}
