import ParleyJSON

/// Request bodies as JSON: Core's parser with the nesting the platforms' servers accept, and its
/// errors worded as Python's `json` module words them (Amigo's 422 bodies quote that wording).
enum RequestJSON {
    static let maxDepth = 64

    static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSON {
        try JSONValue(parsing: bytes, maxDepth: maxDepth)
    }
}

extension JSONParseError {
    /// The message Python's `json.JSONDecodeError` gives for the same mistake.
    var pythonMessage: String {
        switch kind {
        case .extraData: "Extra data"
        case .unexpectedEnd, .unexpectedCharacter, .invalidLiteral, .invalidNumber: "Expecting value"
        case .tooDeep: "Nesting too deep"
        case .expectedName: "Expecting property name enclosed in double quotes"
        case .expectedColon: "Expecting ':' delimiter"
        case .expectedComma: "Expecting ',' delimiter"
        case .controlCharacter: "Invalid control character at"
        case .unterminatedString: "Unterminated string starting at"
        case .invalidEscape: "Invalid \\escape"
        case .invalidUnicodeEscape, .loneSurrogate: "Invalid \\uXXXX escape"
        // Python fails on such bytes while decoding them, before its JSON parser runs; no wording to copy.
        case .invalidUTF8: "Invalid UTF-8"
        }
    }
}
