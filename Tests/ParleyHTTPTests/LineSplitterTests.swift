@testable import ParleyHTTP
import Testing

@Suite("Splitting a byte stream into lines")
struct LineSplitterTests {
    /// Feeds `chunks` in order, collecting every line available after each, then finishes; the
    /// lines taken where they lie must be the lines copied out.
    static func lines(_ chunks: [String]) -> [String] {
        let copied = collect(chunks, inPlace: false)
        #expect(collect(chunks, inPlace: true) == copied, "lines where they lie")
        return copied
    }

    static func collect(_ chunks: [String], inPlace: Bool) -> [String] {
        var splitter = LineSplitter()
        var lines: [String] = []
        func take() {
            if inPlace {
                while splitter.withNextLine({ lines.append(String(decoding: $0, as: UTF8.self)) }) != nil {}
            } else {
                while let line = splitter.nextLine() { lines.append(String(decoding: line, as: UTF8.self)) }
            }
        }
        for chunk in chunks {
            splitter.append(Array(chunk.utf8))
            take()
        }
        splitter.finish()
        take()
        return lines
    }

    @Test(
        "Line breaks anywhere relative to chunk boundaries give the same lines",
        arguments: [
            ["a\nb\n"],
            ["a", "\n", "b", "\n"],
            ["a\r", "\nb\r\n"],
            ["a\r\nb", "\r\n"],
            ["", "a\n", "", "b\n", ""],
        ])
    func boundaries(chunks: [String]) {
        #expect(Self.lines(chunks) == ["a", "b"])
    }

    @Test("Empty lines are kept, and an unterminated last line is delivered at the end")
    func emptyAndUnterminated() {
        #expect(Self.lines(["data: 1\n\ndata: 2\r\n\r\n", "tail"]) == ["data: 1", "", "data: 2", "", "tail"])
        #expect(Self.lines(["only\r"]) == ["only"])
        #expect(Self.lines([]) == [])
        #expect(Self.lines(["\n"]) == [""])
    }

    @Test("A partial line waits for its end before it is returned")
    func partialLineWaits() {
        var splitter = LineSplitter()
        splitter.append(Array("{\"delta\":\"Hel".utf8))
        #expect(splitter.nextLine() == nil)
        splitter.append(Array("lo\"}\n{\"de".utf8))
        #expect(splitter.nextLine() == Array("{\"delta\":\"Hello\"}".utf8))
        #expect(splitter.nextLine() == nil)
        splitter.finish()
        #expect(splitter.nextLine() == Array("{\"de".utf8))
        #expect(splitter.nextLine() == nil)
    }

    @Test("A long line arriving in many small chunks is joined intact")
    func longLine() {
        let line = String(repeating: "0123456789", count: 5_000)
        var chunks: [String] = []
        var rest = Substring(line + "\n" + "next\n")
        while !rest.isEmpty {
            chunks.append(String(rest.prefix(7)))
            rest = rest.dropFirst(7)
        }
        #expect(Self.lines(chunks) == [line, "next"])
    }
}
