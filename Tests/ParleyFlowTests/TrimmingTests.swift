import ParleyFlow
import Testing

/// `isBlank` agrees with `trimmingSpaces.isEmpty`, on ASCII and Unicode white space alike.
struct TrimmingTests {
    @Test(arguments: [
        "", " ", "\t\n\r", "\u{0B}\u{0C}", "\u{A0}", " \u{2003} ", "\u{3000}\n", "\r\n", "\u{85}",
    ])
    func whiteSpaceOnlyIsBlank(_ text: String) {
        #expect(text.isBlank)
        #expect(text.trimmingSpaces.isEmpty)
    }

    @Test(arguments: ["a", " a ", "\t.\n", "é", " \u{2003}x", "\u{301}", "日本", "\u{200B}"])
    func anythingElseIsNot(_ text: String) {
        #expect(!text.isBlank)
        #expect(!text.trimmingSpaces.isEmpty)
    }

    @Test func substringsToo() {
        let line = "name:   \t"
        #expect(line[line.index(line.startIndex, offsetBy: 5)...].isBlank)
        #expect(!line.dropLast(2).isBlank)
        #expect("  keep  ".trimmingSpaces == "keep")
    }
}
