import Testing
import ParleyFlow
@testable import ParleyAuthoring

@Suite struct YAMLTextTests {
    @Test(arguments: [
        "plain text", "yes", "no", "42", "3.5", "", " padded ", "a: b", "# not a comment", "quote \" inside",
        "back\\slash", "line\nbreak", "tab\there", "bell\u{07}", "\u{2028}separator", "émoji 🎉", "- dash",
        "[bracket]", "{brace}", "*star", "&anchor", "!tag", "%percent", "@at", "`tick`", "'single'",
    ])
    func everyScalarReadsBackAsTheSameText(_ text: String) throws {
        for written in [YAMLText.quoted(text), YAMLText.scalar(text)] {
            let node = try #require(try YAMLParser.parse(bytes: Array("value: \(written)\n".utf8), file: "t.yaml"))
            #expect(node["value"]?.string == text, "\(written)")
        }
    }

    @Test func listItemsWithCommasStayOneItem() throws {
        let node = try #require(
            try YAMLParser.parse(bytes: Array("v: \(YAMLText.list(["a, b", "c"]))\n".utf8), file: "t.yaml"))
        #expect(node["v"]?.sequence?.compactMap(\.string) == ["a, b", "c"])
    }

    @Test func literalTemplatesRenderToTheOriginalText() throws {
        let sink = DiagnosticSink()
        for text in ["costs $5", "${persona.name}", "$$", "a $$ b ${", "$${x}", "$"] {
            let template = try #require(
                Template.parse(
                    YAMLText.literalTemplate(text), at: SourceLocation(file: "t", line: 1, column: 1),
                    columnOffset: nil,
                    sink: sink))
            #expect(try template.render(VariableScope(persona: nil, scenario: nil, environment: [:])) == text)
            #expect(template.isConstant)
        }
        #expect(!sink.hasErrors)
    }
}
