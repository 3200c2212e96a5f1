import Testing
@testable import ParleyJSON

/// `JSONReader` reads a document a value at a time: what it reads must be what a full parse holds,
/// and what it skips must be checked as a full parse checks it.
@Suite struct JSONReaderTests {
    static let names = JSONMemberNames(["type", "text", "flag", "nested"])

    /// What a reader makes of a document: `type` as a string, `text` as UTF-8, `flag` as a
    /// boolean, `nested` as an object whose `text` is read in turn; nil when it is not an object.
    struct Read: Equatable {
        var type: String??
        var text: [UInt8]??
        var flag: Bool??
        var nestedText: String??
        var nestedIsObject: Bool?
    }

    static func read(_ document: String) -> Result<Read?, JSONParseError> {
        let bytes = Array(document.utf8)
        do {
            return .success(
                try bytes.withUnsafeBufferPointer { bytes throws(JSONParseError) in
                    var result: Read?
                    try JSONReader.read(bytes) { reader throws(JSONParseError) in
                        var read = Read()
                        let isObject = try reader.readObject(names) { reader, slot throws(JSONParseError) in
                            switch slot {
                            case 0: read.type = .some(try reader.string())
                            case 1:
                                var text: [UInt8] = []
                                read.text = .some(try reader.withString { text = Array($0) } ? text : nil)
                            case 2: read.flag = .some(try reader.bool())
                            default:
                                var text: String?
                                read.nestedIsObject = try reader.readObject(names) {
                                    reader, slot throws(JSONParseError) in
                                    if slot == 1 { text = try reader.string() }
                                }
                                read.nestedText = .some(text)
                            }
                        }
                        result = isObject ? read : nil
                    }
                    return result
                })
        } catch {
            return .failure(error)
        }
    }

    /// What the reader should have read, from the full parse's tree.
    static func expected(_ whole: JSONValue) -> Read? {
        guard let object = whole.object else { return nil }
        func first(_ name: String) -> JSONValue? { object.first { $0.0 == name }?.1 }
        var read = Read()
        if let type = first("type") { read.type = .some(type.string) }
        if let text = first("text") { read.text = .some(text.string.map { Array($0.utf8) }) }
        if let flag = first("flag") { read.flag = .some(flag.bool) }
        if let nested = first("nested") {
            read.nestedIsObject = nested.object != nil
            read.nestedText = .some(nested.object?.first { $0.0 == "text" }?.1.string)
        }
        return read
    }

    @Test(arguments: JSONMemberTests.values)
    func whatIsReadIsWhatAParseHoldsAndWhatIsSkippedIsChecked(value: String) {
        for document in [
            #"{"type":\#(value),"skip":1}"#, #"{"text":\#(value)}"#, #"{"flag":\#(value),"type":"t"}"#,
            #"{"skip":\#(value),"text":"a\nb"}"#, #"{"nested":\#(value)}"#, #"{"nested":{"text":\#(value)}}"#,
            #"{"nested":{"skip":\#(value),"text":"x"},"flag":true}"#, "[\(value)]", value,
            #"{"text":"\u00e9\"","text":\#(value)}"#,
        ] {
            switch (JSONMemberTests.full(document), Self.read(document)) {
            case (.failure(let expected), .failure(let got)):
                #expect(got.kind == expected.kind, "\(document)")
                #expect(got.offset == expected.offset, "\(document)")
            case (.success(let whole), .success(let read)):
                #expect(read == Self.expected(whole), "\(document)")
            case (.success, .failure(let got)):
                Issue.record("\(document) parses, but the reader threw \(got)")
            case (.failure(let expected), .success):
                Issue.record("\(document) must be rejected as the full parse rejects it (\(expected))")
            }
        }
    }

    /// A value read as a scalar's text and as a number: what the parse's tree gives, or its error.
    @Test(arguments: JSONMemberTests.values + ["\"\"", "-12.50", "1E+2", "false", "[\"a\"]", "{}"])
    func scalarsAndNumbersAreReadAsAParseHoldsThem(value: String) {
        let bytes = Array(value.utf8)
        for asNumber in [false, true] {
            var read: String??
            let outcome = Result { () throws(JSONParseError) in
                try bytes.withUnsafeBufferPointer { bytes throws(JSONParseError) in
                    try JSONReader.read(bytes) { reader throws(JSONParseError) in
                        read = .some(asNumber ? try reader.number()?.text : try reader.scalarText())
                    }
                }
            }
            switch (JSONMemberTests.full(value), outcome) {
            case (.success(let whole), .success):
                #expect(read == .some(asNumber ? whole.number?.text : whole.scalarText), "\(value)")
            case (.failure(let expected), .failure(let got)):
                #expect(got.kind == expected.kind && got.offset == expected.offset, "\(value)")
            default:
                Issue.record("\(value): the reader and the parse disagree on whether it is JSON")
            }
        }
    }

    @Test func theOffsetIsWhereTheValueToReadStarts() throws {
        let document = Array(#"{ "skip": [1, 2], "nested" :  {"text": "x"} }"#.utf8)
        var range: Range<Int>?
        try document.withUnsafeBufferPointer { bytes throws(JSONParseError) in
            try JSONReader.read(bytes) { reader throws(JSONParseError) in
                _ = try reader.readObject(Self.names) { reader, _ throws(JSONParseError) in
                    let start = reader.offset
                    try reader.skip()
                    range = start..<reader.offset
                }
            }
        }
        let found = try #require(range)
        #expect(String(decoding: document[found], as: UTF8.self) == #"{"text": "x"}"#)
    }

    @Test func textAfterTheDocumentIsRejectedWhenTheValueIsLeftUnread() {
        let document = Array(#"{"type":"t"} {"#.utf8)
        #expect(throws: JSONParseError.self) {
            try document.withUnsafeBufferPointer { bytes throws(JSONParseError) in
                try JSONReader.read(bytes) { _ throws(JSONParseError) in }
            }
        }
    }
}
