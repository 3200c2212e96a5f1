import Foundation
import Testing
import ParleyFlow

@Suite struct SecretRedactorTests {
    static let secret = "s3cr\"t\\&<x>'\n\tü✓-end"
    let redactor = SecretRedactor(secrets: [Self.secret])

    func redacted(_ text: String) -> String { redactor.redact(text) }

    @Test func theRawValueIsReplaced() {
        #expect(redacted("before \(Self.secret) after") == "before [redacted] after")
        #expect(redacted(Self.secret + Self.secret) == "[redacted][redacted]")
    }

    /// Bytes redacted where they lie give what ``SecretRedactor/redact(_:)-([UInt8])`` gives, and
    /// bytes without a secret are handed on as they are, not copied.
    @Test func bytesWhereTheyLieAreRedactedLikeAnArray() {
        for text in ["nothing here", "before \(Self.secret) after", Self.secret + "x" + Self.secret, ""] {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBufferPointer { buffer in
                redactor.withRedacted(buffer) { redacted in
                    #expect(Array(redacted) == redactor.redact(bytes))
                    if !text.contains(Self.secret) { #expect(redacted.baseAddress == buffer.baseAddress) }
                }
            }
        }
    }

    @Test(arguments: [
        // JSON: quotes, backslashes, control characters; non-ASCII as \u escapes in either case.
        #"s3cr\"t\\&<x>'\n\tü✓-end"#,
        #"s3cr\"t\\&<x>'\n\t\u00fc\u2713-end"#,
        #"s3cr\"t\\&<x>'\u000a\u0009\u00FC\u2713-end"#,
        // JSON inside JSON.
        #"s3cr\\\"t\\\\&<x>'\\n\\tü✓-end"#,
        // HTML and XML, named and numeric entities.
        "s3cr&quot;t\\&amp;&lt;x&gt;&#39;\n\tü✓-end",
        "s3cr&quot;t\\&amp;&lt;x&gt;&apos;\n\t&#252;&#x2713;-end",
        "s3cr&#34;t&#92;&#38;&#x3C;x&#x3e;&#x27;&#10;&#9;ü✓-end",
        // HTML inside JSON.
        #"s3cr&quot;t\\&amp;&lt;x&gt;&#39;\n\tü✓-end"#,
        // Percent-encoded, upper and lower hex, some characters left as they are.
        "s3cr%22t%5C%26%3Cx%3E%27%0A%09%C3%BC%E2%9C%93-end",
        "s3cr%22t%5c%26%3cx%3e%27%0a%09%c3%bc%e2%9c%93-end",
        "s3cr%22t%5C&%3Cx%3E'%0A%09%C3%BC%E2%9C%93-end",
        // Control characters shown as spaces (terminal excerpts) or U+FFFD (markup).
        "s3cr\"t\\&<x>'  ü✓-end",
    ])
    func everyEncodedFormIsReplaced(form: String) {
        #expect(redacted("<<\(form)>>") == "<<[redacted]>>", "\(form)")
    }

    /// A secret whose first characters are not ASCII: its matches begin with those characters'
    /// own forms (the tables a pattern builds from its first characters).
    @Test(arguments: [
        "üñ€-pass-42", #"\u00fc\u00f1\u20ac-pass-42"#, #"\u00FC\u00F1\u20AC-pass-42"#,
        "&#252;&#241;&#8364;-pass-42", "&#xfc;&#xF1;&#x20ac;-pass-42", "%C3%BC%C3%B1%E2%82%AC-pass-42",
    ])
    func aSecretBeginningWithForeignCharactersIsReplacedInEveryForm(form: String) {
        let redactor = SecretRedactor(secrets: ["üñ€-pass-42"])
        #expect(redactor.redact("«\(form)»") == "«[redacted]»", "\(form)")
    }

    @Test func base64FormsAreReplacedWhateverPrecedesTheSecret() {
        let encoded = Data(Self.secret.utf8).base64EncodedString()
        #expect(!redacted("Basic \(encoded)").contains(encoded))
        for user in ["", "u", "ab", "abc", "service-account", "x:y"] {
            let credential = Data("\(user):\(Self.secret)".utf8).base64EncodedString()
            let shown = redacted("Authorization: Basic \(credential)")
            #expect(shown.contains("[redacted]"), "user `\(user)`: \(shown)")
            // What is left is the user's part and at most a character's bits of the secret at each end.
            let parts = shown.replacingOccurrences(of: "Authorization: Basic ", with: "")
                .components(separatedBy: "[redacted]")
            #expect(parts.count == 2)
            #expect(parts[0].count <= (user.utf8.count + 1) * 4 / 3 + 2, "user `\(user)`: \(shown)")
            #expect(parts[1].count <= 4, "user `\(user)`: \(shown)")
        }
    }

    @Test func base64FormsOfSecretsOfEveryLengthAreReplacedWhole() {
        // Every padding (lengths across the three alignments), both alphabets: `>?~` encode with
        // `+` and `/`, so their URL-safe forms differ.
        for length in 8...17 {
            let secret = String("k>?~ü>?9xq>?z~~>?w".prefix(length))
            let whole = Data(secret.utf8).base64EncodedString()
            let urlSafe = whole.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            let redactor = SecretRedactor(secrets: [secret])
            for form in Set([
                whole, urlSafe, whole.replacingOccurrences(of: "=", with: ""),
                urlSafe.replacingOccurrences(of: "=", with: ""),
            ]) {
                #expect(redactor.redact("<\(form)>") == "<[redacted]>", "`\(secret)` as \(form)")
            }
            #expect(whole != urlSafe, "`\(secret)`")
        }
    }

    @Test func aBasicCredentialIsReplacedWhole() {
        let credential = Data("parley:\(Self.secret)".utf8).base64EncodedString()
        let redactor = SecretRedactor(secrets: ["parley:\(Self.secret)", Self.secret])
        #expect(redactor.redact("Basic \(credential)") == "Basic [redacted]")
    }

    @Test func otherTextIsLeftAlone() {
        let text = "s3cr\"t is not the secret, nor is -end or &amp; or %22 or \\u00fc"
        #expect(redacted(text) == text)
        #expect(SecretRedactor(secrets: []).redact(text) == text)
    }

    @Test func aSecretContainingAnotherIsReplacedWhole() {
        let redactor = SecretRedactor(secrets: ["token-1234", "token-1234-extended"])
        #expect(redactor.redact("a token-1234-extended b token-1234 c") == "a [redacted] b [redacted] c")
    }

    @Test func manySecretsThatStartAlikeAreEachReplacedInEveryForm() {
        // A token per user: every JWT starts with the same header, so these crowd one bucket.
        let header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
        let tokens = (0..<300).map { "\(header).user-\($0)-payload.sig\($0 % 7)" }
        let longer = tokens[5] + "-and-more"
        let redactor = SecretRedactor(secrets: Set(tokens + [longer, "eyJ!"]))
        for token in [tokens[0], tokens[123], tokens[299]] {
            let json = token.replacingOccurrences(of: ".", with: "\\u002e")
            let base64 = Data(token.utf8).base64EncodedString()
            let text = "a \(token) b \(json) c Bearer \(base64) d"
            #expect(redactor.redact(text) == "a [redacted] b [redacted] c Bearer [redacted] d", "\(token)")
        }
        // The longest secret at a position wins; one whose head is shorter than four bytes is found too.
        #expect(redactor.redact("<\(longer)> <\(tokens[5])> <eyJ!>") == "<[redacted]> <[redacted]> <[redacted]>")
        // Near misses, and the shared header alone, are left as they are.
        let near = "\(header).user-1000-payload.sig1 \(header) eyJ eyJh they key"
        #expect(redactor.redact(near) == near)
    }

    @Test func manyUnlikeSecretsAreFoundWhereverTheyStand() {
        // Tokens that share no first bytes spread over many buckets, each ruled in or out by the
        // four bytes at a position; a secret at the very end of a text has fewer than four after it.
        let tokens = (0..<500).map { "k\(($0 &* 7919) % 997)x\($0)-Zq\($0 % 13)" }
        let redactor = SecretRedactor(secrets: Set(tokens))
        let prose = String(
            repeating: "The order ORD-1042 is out for delivery; kx-Zq and k1x1 are not tokens. ", count: 8)
        #expect(redactor.redact(prose) == prose)
        for token in [tokens[0], tokens[250], tokens[499]] {
            let credential = Data("someone:\(token)".utf8).base64EncodedString()
            let text = prose + token + " " + credential + " " + token
            let shown = redactor.redact(text)
            #expect(!shown.contains(token), "\(token)")
            #expect(shown.hasPrefix(prose + "[redacted] "))
            #expect(shown.hasSuffix(" [redacted]"))
            #expect(redactor.redact(String(token.dropLast())) == String(token.dropLast()))
        }
    }

    @Test func oneAndTwoCharacterSecretsAreFoundAtEitherEnd() {
        let redactor = SecretRedactor(secrets: ["Q", "zx"])
        #expect(redactor.redact("Q") == "[redacted]")
        #expect(redactor.redact("aQ") == "a[redacted]")
        #expect(redactor.redact("Qa zx") == "[redacted]a [redacted]")
        #expect(redactor.redact("azx") == "a[redacted]")
        #expect(redactor.redact("z x, x z") == "z x, x z")
        #expect(!SecretRedactor(secrets: []).finds(in: Array("anything".utf8)))
        #expect(!SecretRedactor(secrets: ["zx"]).finds(in: Array("z".utf8)))
    }

    @Test func bytesAndTextsAgree() {
        let text = "x \(Self.secret) y"
        #expect(String(decoding: redactor.redact(Array(text.utf8)), as: UTF8.self) == redacted(text))
        #expect(redactor.finds(in: Array(text.utf8)))
        #expect(!redactor.finds(in: Array("nothing here".utf8)))
    }
}

@Suite struct RegexShapeTests {
    @Test(arguments: [
        ("(a+)+$", "(a+)+"),
        ("^(\\w+\\s?)*$", "(\\w+\\s?)*"),
        ("(x*){2,}", "(x*){2,}"),
        ("((ab)+c)*", "((ab)+c)*"),
        ("(?:a+)+b", "(?:a+)+"),
        ("(a+){3,5}", "(a+){3,5}"),
        ("id: ([0-9]+-?)+!", "([0-9]+-?)+"),
    ])
    func nestedRepeatsAreFound(pattern: String, group: String) {
        #expect(RegexShape.nestedRepeat(in: pattern) == group)
    }

    @Test(arguments: [
        "(a+)?", "(a|b)+", "a+b+", "(?>a+)+", "[(a+)+]", "\\(a+\\)+", "(ab)+", "(a{2})+", "(a+)++",
        "ticket (T-\\d+)", "/order number/i", "(a+){0,1}",
    ])
    func otherPatternsAreNot(pattern: String) {
        #expect(RegexShape.nestedRepeat(in: pattern) == nil, "\(pattern)")
    }

    @Test func aFlowWithOneGetsAWarningAtThePattern() {
        let loaded = FlowLoader(environment: [:]).load(
            text: "steps:\n  - send: hi\n  - expect: /(a+)+$/\n", file: "flow.yaml")
        #expect(!loaded.hasErrors)
        let warning = loaded.diagnostics.first { $0.severity == .warning }
        #expect(warning?.message.contains("(a+)+") == true, "\(loaded.diagnostics)")
        #expect(warning?.location.line == 3)
    }

    @Test func aRunawayMatchStopsAtItsDeadline() throws {
        let pattern = try RegexPattern(
            source: Template(literal: "(a+)+$", location: SourceLocation(file: "f.yaml", line: 4, column: 13)),
            flags: "")
        let text = String(repeating: "a", count: 40) + "!"
        let scope = VariableScope(persona: nil, scenario: nil, environment: [:])
        let clock = ContinuousClock()
        let began = clock.now
        #expect(throws: MatchError.self) {
            _ = try Matcher.regex(pattern).matches(text, scope: scope, deadline: began + .milliseconds(200))
        }
        // Unstopped, the match would take hours; the bound is loose for a busy machine.
        #expect(clock.now - began < .seconds(10))
        do {
            _ = try Matcher.regex(pattern).matches(text, scope: scope, deadline: clock.now + .milliseconds(100))
        } catch {
            guard case .overBudget(let shown, let location) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(shown == "/(a+)+$/")
            #expect(location.line == 4 && location.column == 13)
        }
        // A pattern that finishes in time matches as before.
        let quick = try RegexPattern(
            source: Template(literal: "a+!", location: SourceLocation(file: "f.yaml", line: 1, column: 1)), flags: "")
        #expect(try Matcher.regex(quick).matches(text, scope: scope, deadline: clock.now + .seconds(5)))
    }
}

@Suite struct ByteSizeTextTests {
    @Test func sizesReadAndPrint() {
        #expect(ByteSizeText.parse("1MiB") == 1 << 20)
        #expect(ByteSizeText.parse("512 KiB") == 512 << 10)
        #expect(ByteSizeText.parse("2MB") == 2_000_000)
        #expect(ByteSizeText.parse("65536") == 65536)
        #expect(ByteSizeText.parse("1.5mib") == 3 << 19)
        #expect(ByteSizeText.parse("lots") == nil)
        #expect(ByteSizeText.parse("1 parsec") == nil)
        #expect(ByteSizeText.format(1 << 20) == "1MiB")
        #expect(ByteSizeText.format(1500) == "1500B")
        #expect(ByteSizeText.format(3 << 10) == "3KiB")
    }
}

@Suite struct RegexBudgetShapeTests {
    @Test(arguments: [
        ("a+b", true), ("x*", true), ("(ab){2,}", true), ("\\d+", true), ("order (number|id)", false),
        ("[+*]", false), ("\\+\\*", false), ("a{2,5}", false), ("colou?r", false), ("(?i)refund", false),
    ])
    func unboundedRepeatsAreFound(pattern: String, unbounded: Bool) {
        #expect(RegexShape.repeatsWithoutBound(pattern) == unbounded, "\(pattern)")
    }
}
