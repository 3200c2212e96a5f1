import Foundation

/// Collects request validation errors the way Amigo (FastAPI with pydantic 2) reports them:
/// `422 {"detail":[{"type":…,"loc":[…],"msg":…,"input":…}]}`.
struct AmigoValidation {
    private(set) var errors: [JSON] = []

    var isEmpty: Bool { errors.isEmpty }

    /// The 422 body.
    var body: JSON { .object([("detail", .array(errors))]) }

    mutating func add(
        _ type: String, _ location: [JSON], _ message: String, input: JSON, context: [(String, JSON)] = []
    ) {
        var pairs: [(String, JSON)] = [
            ("type", .string(type)), ("loc", .array(location)), ("msg", .string(message)), ("input", input),
        ]
        if !context.isEmpty { pairs.append(("ctx", .object(context))) }
        errors.append(.object(pairs))
    }

    mutating func missing(_ location: [JSON], input: JSON = .null) {
        add("missing", location, "Field required", input: input)
    }

    // MARK: - Typed checks, each returning the valid value or recording why not

    /// A required or optional enum query value such as `response_format`.
    mutating func choice(_ value: String?, _ location: [JSON], allowed: [String], required: Bool) -> String? {
        guard let value else {
            if required { missing(location) }
            return nil
        }
        guard allowed.contains(value) else {
            let expected = Self.orList(allowed.map { "'\($0)'" })
            add(
                "enum", location, "Input should be \(expected)", input: .string(value),
                context: [("expected", .string(expected))])
            return nil
        }
        return value
    }

    /// A string matching `^[a-f0-9]{24}$` (Amigo's ids).
    @discardableResult
    mutating func objectID(_ value: String, _ location: [JSON]) -> Bool {
        if Self.isObjectID(value) { return true }
        add(
            "string_pattern_mismatch", location, "String should match pattern '^[a-f0-9]{24}$'", input: .string(value),
            context: [("pattern", "^[a-f0-9]{24}$")])
        return false
    }

    static func isObjectID(_ value: String) -> Bool {
        value.utf8.count == 24 && value.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// An integer query value within bounds (`exclusiveMinimum`, `maximum`).
    mutating func integer(
        _ value: String?, _ location: [JSON], greaterThan minimum: Int? = nil, atMost maximum: Int? = nil
    ) -> Int? {
        guard let value else { return nil }
        guard let number = Int(value.trimmingSpaces) else {
            add(
                "int_parsing", location, "Input should be a valid integer, unable to parse string as an integer",
                input: .string(value))
            return nil
        }
        if let minimum, number <= minimum {
            add(
                "greater_than", location, "Input should be greater than \(minimum)", input: .string(value),
                context: [("gt", .int(minimum))])
            return nil
        }
        if let maximum, number > maximum {
            add(
                "less_than_equal", location, "Input should be less than or equal to \(maximum)", input: .string(value),
                context: [("le", .int(maximum))])
            return nil
        }
        return number
    }

    /// A boolean query value as pydantic reads one (`true`, `0`, `yes`, `off`…).
    mutating func boolean(_ value: String?, _ location: [JSON]) -> Bool? {
        guard let value else { return nil }
        switch value.lowercased() {
        case "true", "1", "yes", "on", "t", "y": return true
        case "false", "0", "no", "off", "f", "n": return false
        default:
            add(
                "bool_parsing", location, "Input should be a valid boolean, unable to interpret input",
                input: .string(value))
            return nil
        }
    }

    /// A body that must be a JSON object; records why it is not.
    mutating func object(_ body: [UInt8]) -> JSON? {
        let value: JSON
        do {
            value = try RequestJSON.parse(body)
        } catch {
            add(
                "json_invalid", ["body", .int(error.offset)], "JSON decode error", input: .object([]),
                context: [("error", .string(error.pythonMessage))])
            return nil
        }
        guard case .object = value else {
            add(
                "model_attributes_type", ["body"],
                "Input should be a valid dictionary or object to extract fields from", input: value)
            return nil
        }
        return value
    }

    /// A stripped, non-empty string no longer than `maxLength` and matching `^[\w\s]+$` when `wordsOnly`.
    mutating func strippedString(_ value: JSON, _ location: [JSON], maxLength: Int? = nil, wordsOnly: Bool = false)
        -> String?
    {
        guard case .string(let raw) = value else {
            add("string_type", location, "Input should be a valid string", input: value)
            return nil
        }
        let text = raw.trimmingSpaces
        if text.isEmpty {
            add(
                "string_too_short", location, "String should have at least 1 character", input: .string(text),
                context: [("min_length", 1)])
            return nil
        }
        if let maxLength, text.count > maxLength {
            add(
                "string_too_long", location, "String should have at most \(maxLength) characters", input: .string(text),
                context: [("max_length", .int(maxLength))])
            return nil
        }
        if wordsOnly, !Self.isWords(text) {
            add(
                "string_pattern_mismatch", location, "String should match pattern '^[\\w\\s]+$'", input: .string(text),
                context: [("pattern", "^[\\w\\s]+$")])
            return nil
        }
        return text
    }

    /// Python's `^[\w\s]+$` with Unicode word characters.
    static func isWords(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0.isWhitespace }
    }

    /// `'a', 'b' or 'c'`, pydantic's enumeration of choices.
    static func orList(_ items: [String]) -> String {
        guard items.count > 1, let last = items.last else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " or " + last
    }
}
