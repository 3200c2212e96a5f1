/// Text with `${...}` placeholders, parsed once when a flow is loaded.
///
/// `$$` writes a literal `$`. Names are `persona.<field>`, `scenario.<field>`, `case.<column>`,
/// `env.<NAME>` or a variable set earlier in the flow by `set` or `capture`.
public struct Template: Sendable, Hashable, CustomStringConvertible {
    public enum Segment: Sendable, Hashable {
        case literal(String)
        case variable(VariableReference, SourceLocation)
    }

    public var segments: [Segment]
    /// The text as written, for messages.
    public var raw: String
    public var location: SourceLocation

    public init(literal: String, location: SourceLocation) {
        self.segments = literal.isEmpty ? [] : [.literal(literal)]
        self.raw = literal
        self.location = location
    }

    init(segments: [Segment], raw: String, location: SourceLocation) {
        self.segments = segments
        self.raw = raw
        self.location = location
    }

    public var description: String { raw }

    /// True when the text has no placeholders and renders to itself.
    public var isConstant: Bool {
        !segments.contains { if case .variable = $0 { return true } else { return false } }
    }

    /// Every placeholder with where it is written.
    public var references: [(VariableReference, SourceLocation)] {
        segments.compactMap { if case .variable(let ref, let loc) = $0 { return (ref, loc) } else { return nil } }
    }

    /// The text with each placeholder replaced; `transform` lets regular expressions escape values.
    public func render(_ scope: VariableScope, transform: (String) -> String = { $0 }) throws(VariableError) -> String {
        var out = ""
        for segment in segments {
            switch segment {
            case .literal(let text): out += text
            case .variable(let ref, let loc):
                guard let value = scope.value(of: ref) else { throw VariableError(reference: ref, location: loc) }
                out += transform(value)
            }
        }
        return out
    }

    /// Parses `text` whose first character is at `location`; `columnOffset` says how far the text
    /// starts from that column when columns inside the text map one-to-one onto the file (single-line
    /// plain or quoted scalars), `nil` otherwise. It is only asked for when the text has a `$`.
    public static func parse(
        _ text: String, at location: SourceLocation, columnOffset: @autoclosure () -> Int?, sink: DiagnosticSink
    ) -> Template? {
        // Most texts have no placeholder at all; they need no walk through their characters.
        guard text.containsByte(UInt8(ascii: "$")) else { return Template(literal: text, location: location) }
        let columnOffset = columnOffset()
        // `$`, `{` and `}` are ASCII, so the walk is over UTF-8 bytes; only a placeholder's column
        // counts characters.
        let bytes = Array(text.utf8)
        let dollar = UInt8(ascii: "$")
        var segments: [Segment] = []
        var literal: [UInt8] = []
        var i = 0
        var ok = true
        func here(_ index: Int) -> SourceLocation {
            guard let columnOffset else { return location }
            let characters = String(decoding: bytes[..<index], as: UTF8.self).count
            return SourceLocation(
                file: location.file, line: location.line, column: location.column + columnOffset + characters)
        }
        while i < bytes.count {
            let c = bytes[i]
            if c == dollar, i + 1 < bytes.count, bytes[i + 1] == dollar {
                literal.append(dollar)
                i += 2
                continue
            }
            if c == dollar, i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "{") {
                guard let close = bytes[(i + 2)...].firstIndex(of: UInt8(ascii: "}")) else {
                    sink.error("`${` is not closed; write `$${` for a literal `${`", at: here(i))
                    ok = false
                    break
                }
                let name = bytes[(i + 2)..<close].trimmedText
                if let ref = VariableReference(parsing: name) {
                    if !literal.isEmpty {
                        segments.append(.literal(String(decoding: literal, as: UTF8.self)))
                        literal.removeAll(keepingCapacity: true)
                    }
                    segments.append(.variable(ref, here(i)))
                } else {
                    sink.error(
                        "`${\(name)}` is not a variable name; use `${persona.name}`, `${scenario.objective}`, "
                            + "`${case.column}`, `${env.NAME}` or a name set earlier",
                        at: here(i))
                    ok = false
                }
                i = close + 1
                continue
            }
            literal.append(c)
            i += 1
        }
        if !literal.isEmpty { segments.append(.literal(String(decoding: literal, as: UTF8.self))) }
        return ok ? Template(segments: segments, raw: text, location: location) : nil
    }
}

/// What a `${...}` placeholder refers to.
public enum VariableReference: Sendable, Hashable, CustomStringConvertible {
    case persona(String)
    case scenario(String)
    /// A column of the flow's `cases:` table.
    case `case`(String)
    case env(String)
    case local(String)

    /// A letter or `_`, then letters, digits, `_` and `-`: a name a flow may set and use.
    static func isIdentifier(_ s: String) -> Bool {
        // ASCII names (nearly all) are checked by byte, without Unicode's character properties.
        if s.utf8.isASCII {
            guard let first = s.utf8.first, first.isASCIILetter || first == UInt8(ascii: "_") else { return false }
            return s.utf8.allSatisfy {
                $0.isASCIILetter || $0.isASCIIDigit || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
            }
        }
        guard let first = s.first, first.isLetter || first == "_" else { return false }
        return s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
    }

    init?(parsing name: String) {
        if let dot = name.utf8.firstIndex(of: UInt8(ascii: ".")) {
            let namespace = name[..<dot]
            let field = String(name[name.utf8.index(after: dot)...])
            guard Self.isIdentifier(field) else { return nil }
            switch namespace {
            case "persona": self = .persona(field)
            case "scenario": self = .scenario(field)
            case "case": self = .case(field)
            case "env": self = .env(field)
            default: return nil
            }
        } else {
            guard Self.isIdentifier(name) else { return nil }
            self = .local(name)
        }
    }

    public var description: String {
        switch self {
        case .persona(let n): "${persona.\(n)}"
        case .scenario(let n): "${scenario.\(n)}"
        case .case(let n): "${case.\(n)}"
        case .env(let n): "${env.\(n)}"
        case .local(let n): "${\(n)}"
        }
    }
}

/// A placeholder that has no value at run time.
public struct VariableError: Error, Sendable {
    public var reference: VariableReference
    public var location: SourceLocation
}

/// The values placeholders resolve to during one flow run.
public struct VariableScope: Sendable {
    public var persona: Persona?
    public var scenario: Scenario?
    /// The values of the flow run's row of `cases:`, by column.
    public var caseValues: [String: String]
    public var environment: [String: String]
    public var locals: [String: String]

    public init(
        persona: Persona?, scenario: Scenario?, caseValues: [String: String] = [:], environment: [String: String],
        locals: [String: String] = [:]
    ) {
        self.persona = persona
        self.scenario = scenario
        self.caseValues = caseValues
        self.environment = environment
        self.locals = locals
    }

    public func value(of reference: VariableReference) -> String? {
        switch reference {
        case .persona(let field): persona?.value(of: field)
        case .scenario(let field): scenario?.value(of: field)
        case .case(let column): caseValues[column]
        case .env(let name): environment[name]
        case .local(let name): locals[name]
        }
    }
}
