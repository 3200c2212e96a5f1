import Foundation
import ParleyFlow

/// The persona and scenario a recommend-responses request describes, read from Amigo's layout:
///
/// ```
/// PERSONA:
/// Name: Dana Ortiz
/// Background: Busy parent; order ORD-1042 arrived cracked.
/// Variables:
/// - order_id: ORD-1042
/// ---
/// SCENARIO:
/// Name: Refund for a damaged item
/// Objective: Get a full refund for the damaged blender.
/// Instructions: Be polite but firm. Give the order number when asked.
/// ```
///
/// Reading is tolerant: fields may be missing, keys are case-insensitive, unknown fields are kept
/// aside, and a line that is not `Key: value` continues the field before it.
public struct RecommendationContext: Sendable, Hashable {
    /// The persona's `Name:`.
    public var personaName: String?
    /// The persona's `Background:`.
    public var background: String?
    /// The persona's `Variables:` (`- name: value` lines).
    public var variables: [Persona.Variable]
    /// The scenario's name, objective and instructions.
    public var scenario: Scenario
    /// Fields other than the known ones (`Role`, `Language`...), lower-cased keys.
    public var otherFields: [String: String]
    /// The whole text, for finding values no field names (an order number in the background).
    public var text: String

    /// Amigo's default context: a typical person completing the service.
    public static let amigoDefault = """

        PERSONA:
        Name: User
        Background: A typical person seeking this service.
        ---
        SCENARIO:
        Name: Complete Service
        Objective: Successfully complete the service interaction.
        Instructions: Engage naturally with the agent to achieve the service objective.

        """

    /// Creates a context from its parts.
    public init(
        personaName: String? = nil, background: String? = nil, variables: [Persona.Variable] = [],
        scenario: Scenario = Scenario(), otherFields: [String: String] = [:], text: String = ""
    ) {
        self.personaName = personaName
        self.background = background
        self.variables = variables
        self.scenario = scenario
        self.otherFields = otherFields
        self.text = text
    }

    /// Reads a context; `nil` or blank text means Amigo's default persona and scenario.
    public static func parse(_ context: String?) -> RecommendationContext {
        guard let context, context.contains(where: { !$0.isWhitespace }) else { return parse(amigoDefault) }
        var result = RecommendationContext(text: context)
        var section = Section.persona
        var lastField: String?
        var inVariables = false

        for rawLine in context.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = rawLine.trimmingSpaces
            if line.isEmpty { continue }
            let upper = line.uppercased()
            if upper.hasPrefix("---") {
                section = .scenario
                inVariables = false
                lastField = nil
                continue
            }
            if upper == "PERSONA:" || upper == "PERSONA" {
                section = .persona
                inVariables = false
                lastField = nil
                continue
            }
            if upper == "SCENARIO:" || upper == "SCENARIO" {
                section = .scenario
                inVariables = false
                lastField = nil
                continue
            }

            if line.hasPrefix("- ") || line.hasPrefix("* ") {
                let item = line.dropFirst(2)
                if inVariables || section == .persona, let (key, value) = keyValue(item) {
                    result.variables.append(Persona.Variable(name: key, value: value))
                    inVariables = true
                    lastField = nil
                }
                continue
            }
            guard let (key, value) = keyValue(Substring(line)) else {
                // A line without `Key:` continues the previous field.
                if let field = lastField { result.append(line, to: field, in: section) }
                continue
            }
            let field = key.lowercased()
            inVariables = section == .persona && (field == "variables" || field == "user variables") && value.isEmpty
            if inVariables {
                lastField = nil
                continue
            }
            lastField = field
            result.set(field, value, in: section)
        }
        return result
    }

    private enum Section { case persona, scenario }

    private static func keyValue(_ line: Substring) -> (String, String)? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let key = line[..<colon].trimmingSpaces
        guard !key.isEmpty, key.count <= 40,
            key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == " " || $0 == "-" })
        else {
            return nil
        }
        return (key, line[line.index(after: colon)...].trimmingSpaces)
    }

    private mutating func set(_ field: String, _ value: String, in section: Section) {
        let value = value.isEmpty ? nil : value
        switch (section, field) {
        case (.persona, "name"): personaName = value
        case (.persona, "background"): background = value
        case (.scenario, "name"): scenario.name = value
        case (.scenario, "objective"): scenario.objective = value
        case (.scenario, "instructions"): scenario.instructions = value
        default: otherFields[field] = value ?? ""
        }
    }

    private mutating func append(_ line: String, to field: String, in section: Section) {
        func joined(_ old: String?) -> String { old.map { $0 + " " + line } ?? line }
        switch (section, field) {
        case (.persona, "name"): personaName = joined(personaName)
        case (.persona, "background"): background = joined(background)
        case (.scenario, "name"): scenario.name = joined(scenario.name)
        case (.scenario, "objective"): scenario.objective = joined(scenario.objective)
        case (.scenario, "instructions"): scenario.instructions = joined(scenario.instructions)
        default: otherFields[field] = joined(otherFields[field])
        }
    }

    /// A variable's value by name (case-insensitive).
    public func variable(_ name: String) -> String? {
        variables.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}
