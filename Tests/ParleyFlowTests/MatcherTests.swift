import Testing
import ParleyFlow

@Suite struct MatcherTests {
    let scope = VariableScope(persona: nil, scenario: nil, environment: [:])

    func contains(_ needle: String, _ text: String) throws -> Bool {
        try Matcher.contains(Template(literal: needle, location: SourceLocation(file: "f.yaml", line: 1, column: 1)))
            .matches(text, scope: scope)
    }

    @Test(arguments: [
        ("refund", "Your REFUND was issued.", true),
        ("Ticket T-42", "ticket t-42 opened", true),
        ("order number", "What is your order?", false),
        ("", "anything", true),
        ("longer than the text", "short", false),
        ("abc", "ababc", true),
        ("café", "Un CAFE, s'il vous plaît", true),
        ("über", "Die Grösse ÜBER alles", true),
        ("naïve", "quite naive", true),
        ("crème", "la creme brulee", true),
        ("straße", "STRASSE", true),
        ("ß", "ss", true),
    ])
    func containsIgnoresCaseAndDiacritics(needle: String, text: String, expected: Bool) throws {
        #expect(try contains(needle, text) == expected)
    }
}
