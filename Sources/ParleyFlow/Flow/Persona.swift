/// Who the simulated user is: the `persona` of a flow, or one entry of `personas:`.
public struct Persona: Sendable {
    public var name: String
    public var background: String?
    /// Facts the persona knows (order numbers, e-mail addresses), in written order.
    public var variables: [Variable]
    /// Candidate replies for the `script` simulator, chosen by patterns on the agent's last reply.
    public var replies: [ScriptedReply]
    /// Where the persona is defined (its own file, or inside the flow).
    public var location: SourceLocation

    public struct Variable: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(
        name: String, background: String? = nil, variables: [Variable] = [], replies: [ScriptedReply] = [],
        location: SourceLocation
    ) {
        self.name = name
        self.background = background
        self.variables = variables
        self.replies = replies
        self.location = location
    }

    /// `name`, `background`, or a variable.
    public func value(of field: String) -> String? {
        switch field {
        case "name": return name
        case "background": return background
        default: return variables.first { $0.name == field }?.value
        }
    }

    /// Field names `${persona.x}` may use, for messages.
    public var fieldNames: [String] {
        ["name"] + (background == nil ? [] : ["background"]) + variables.map(\.name)
    }

    /// A file-name friendly form of the name: `Dana Ortiz` → `dana-ortiz`.
    public var slug: String { Slug.make(name) }
}

/// What the simulated user is trying to do.
public struct Scenario: Sendable, Hashable {
    public var name: String?
    public var objective: String?
    public var instructions: String?

    public init(name: String? = nil, objective: String? = nil, instructions: String? = nil) {
        self.name = name
        self.objective = objective
        self.instructions = instructions
    }

    public func value(of field: String) -> String? {
        switch field {
        case "name": name
        case "objective": objective
        case "instructions": instructions
        default: nil
        }
    }

    public static let fieldNames = ["name", "objective", "instructions"]
}

/// A `script` simulator's canned answer: when the agent's reply matches `when`, say `say`.
public struct ScriptedReply: Sendable {
    /// Matched against the agent's latest reply; `nil` means "any reply" (a fallback).
    public var when: Matcher?
    public var say: [Template]
    public var location: SourceLocation
    public init(when: Matcher?, say: [Template], location: SourceLocation) {
        self.location = location
        self.when = when
        self.say = say
    }

    /// Calls `body` with each template of what is said, then of the pattern.
    public func forEachTemplate(_ body: (Template) -> Void) {
        for template in say { body(template) }
        when?.forEachTemplate(body)
    }
}

/// Lower-case, dash-separated names safe in file names.
public enum Slug {
    public static func make(_ text: String) -> String {
        // ASCII names (nearly all) are made byte by byte, without Unicode's case and property tables.
        if text.utf8.isASCII {
            var out: [UInt8] = []
            out.reserveCapacity(text.utf8.count)
            var dash = false
            for byte in text.utf8 {
                let lower = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
                if lower.isASCIILetter || lower.isASCIIDigit {
                    if dash, !out.isEmpty { out.append(UInt8(ascii: "-")) }
                    out.append(lower)
                    dash = false
                } else {
                    dash = true
                }
            }
            return out.isEmpty ? "unnamed" : String(decoding: out.prefix(60), as: UTF8.self)
        }
        var out = ""
        var dash = false
        for scalar in text.lowercased().unicodeScalars {
            if scalar.properties.isAlphabetic || ("0"..."9").contains(Character(scalar)) {
                if dash, !out.isEmpty { out.append("-") }
                out.unicodeScalars.append(scalar)
                dash = false
            } else {
                dash = true
            }
        }
        return out.isEmpty ? "unnamed" : String(out.prefix(60))
    }
}
