@testable import ParleyFlow
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

/// The byte searches and the byte-by-byte tag check agree with their Unicode definitions.
struct ByteCheckTests {
    @Test func containsByteFindsEveryPosition() {
        let texts = ["", "$", "a$", "plain text of more than fifteen bytes with a $ inside", "日本$語", "no dollar"]
        for text in texts {
            #expect(text.containsByte(UInt8(ascii: "$")) == text.utf8.contains(UInt8(ascii: "$")), "\(text)")
        }
        let long = String(repeating: "x", count: 300)
        #expect(!long.containsByte(UInt8(ascii: "\n")))
        #expect((long + "\n").containsByte(UInt8(ascii: "\n")))
        #expect(Substring(long + "\n").base.containsByte(UInt8(ascii: "\n")))
    }

    @Test(arguments: ["gold", "Gold tier 2", "under_score", "tab\there", "日本", "café", "naïve 2", "e\u{301}"])
    func wordsAndSpacesAreValidTags(_ text: String) {
        #expect(ConversationTags.problem(withKey: text) == nil)
        #expect(ConversationTags.problem(withValue: text) == nil)
    }

    @Test(arguments: ["gold!", "customer-tier", "a.b", "日本!", "café-au-lait", "x\u{7F}"])
    func punctuationIsNot(_ text: String) {
        #expect(ConversationTags.problem(withKey: text)?.contains("may hold only") == true)
    }

    @Test func aValueIsCountedInCharacters() {
        // 100 characters of two bytes each: within the limit although over it in bytes.
        #expect(ConversationTags.problem(withValue: String(repeating: "é", count: 100)) == nil)
        #expect(ConversationTags.problem(withValue: String(repeating: "é", count: 101))?.contains("at most") == true)
        #expect(ConversationTags.problem(withValue: String(repeating: "a", count: 101))?.contains("at most") == true)
    }
}

/// Slugs of ASCII names, made byte by byte, read as the Unicode rule makes them.
struct SlugTests {
    @Test(arguments: [
        ("Dana Wright", "dana-wright"), ("  Refund -- Damaged!! ", "refund-damaged"), ("ORD_1001", "ord-1001"),
        ("!!!", "unnamed"), ("", "unnamed"), ("a1b2", "a1b2"), ("Zoë Ángel", "zoë-ángel"),
        ("日本 語", "日本-語"),
    ])
    func namesBecomeSlugs(_ name: String, _ slug: String) {
        #expect(Slug.make(name) == slug)
    }

    @Test func slugsStopAtSixtyCharacters() {
        #expect(Slug.make(String(repeating: "Ab", count: 40)) == String(repeating: "ab", count: 30))
        #expect(Slug.make(String(repeating: "é", count: 70)) == String(repeating: "é", count: 60))
    }
}

/// Trimming by byte (ASCII) and by character (the rest) leave the same text.
struct TrimmedTextTests {
    @Test(arguments: [
        ("  name ", "name"), ("\t\r\nx y\u{0B}\u{0C}", "x y"), ("plain", "plain"), (" \u{2003}word\u{A0} ", "word"),
        ("\u{3000}日本 語\n", "日本 語"), ("   ", ""), ("", ""),
    ])
    func textIsTrimmed(_ text: String, _ trimmed: String) {
        #expect(text.trimmingSpaces == trimmed)
        #expect(text[...].trimmingSpaces == trimmed)
        #expect(Array(text.utf8)[...].trimmedText == trimmed)
        #expect(Array("${\(text)}".utf8).dropFirst(2).dropLast().trimmedText == trimmed)
    }
}
