/// A value bound into or read from a history database: the few types both SQLite and PostgreSQL
/// columns of the history schema hold.
public enum SQLValue: Sendable, Hashable {
    case null
    case int(Int)
    case double(Double)
    case text(String)

    init(_ value: String?) { self = value.map(SQLValue.text) ?? .null }
    init(_ value: Int?) { self = value.map(SQLValue.int) ?? .null }
    init(_ value: Double?) { self = value.map(SQLValue.double) ?? .null }

    var string: String? {
        if case .text(let s) = self { return s }
        return nil
    }

    var int: Int? {
        switch self {
        case .int(let i): i
        case .double(let d) where d.rounded() == d && abs(d) < 9e15: Int(d)
        default: nil
        }
    }

    var double: Double? {
        switch self {
        case .double(let d): d
        case .int(let i): Double(i)
        default: nil
        }
    }
}

/// One SQL statement with `?` placeholders and their values.
public struct SQLStatement: Sendable, Hashable {
    public var sql: String
    public var arguments: [SQLValue]

    public init(_ sql: String, _ arguments: [SQLValue] = []) {
        self.sql = sql
        self.arguments = arguments
    }

    /// The statement with PostgreSQL's numbered placeholders (`$1`, `$2`…) for `?`. The history's
    /// SQL never holds a `?` inside a string literal, so every one is a placeholder.
    var numbered: String {
        var out = ""
        var n = 0
        for character in sql {
            if character == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(character)
            }
        }
        return out
    }
}
