import Foundation
import Testing

@testable import ParleyFlow

/// The scan that looks up only every second to seventh position's pair finds exactly what the
/// scan of every position finds: the same secrets, at the same places, the longest at each.
@Suite struct SecretRedactorStrideTests {
    /// Secrets of the kinds a run holds: tokens sharing a header, keys, ids, a password with
    /// punctuation inside it; some starting with a character that has several forms.
    static func secrets(_ random: inout SeededRandom, punctuationFirst: Bool) -> [String] {
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        func word(_ count: Int) -> String {
            String((0..<count).map { _ in letters[Int(random.next() % UInt64(letters.count))] })
        }
        var secrets = (0..<20).map { _ in "eyJhbGciOiJIUzI1NiJ9." + word(12) }
        secrets += (0..<10).map { _ in word(4 + Int(random.next() % 20)) }
        secrets += ["sandbox-amigo-api-key", "s3cr\"t&<x>-" + word(4), "order" + word(3), "an" + word(2)]
        if punctuationFirst { secrets += ["-" + word(5), "\"" + word(4)] }
        return secrets
    }

    /// Text with the secrets in several forms, near misses (a secret cut short, its header alone),
    /// and ordinary words, some of which begin like a secret.
    static func text(_ random: inout SeededRandom, secrets: [String]) -> String {
        var parts: [String] = []
        for _ in 0..<(5 + Int(random.next() % 40)) {
            let secret = secrets[Int(random.next() % UInt64(secrets.count))]
            switch random.next() % 9 {
            case 0: parts.append(secret)
            case 1: parts.append(String(secret.dropLast()))
            case 2: parts.append(Data(secret.utf8).base64EncodedString())
            case 3: parts.append(Data("user:\(secret)".utf8).base64EncodedString())
            case 4:
                parts.append(
                    secret.replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "-", with: "\\u002d"))
            case 5: parts.append(String(secret.prefix(3)))
            default:
                let words = ["and", "the", "order", "sand", "ey", "an", "eyJ", "status", "-", "\"", "&amp;", "s3"]
                parts.append(words[Int(random.next() % UInt64(words.count))])
            }
        }
        // Joined with nothing between some parts, so that matches start at every alignment.
        return parts.enumerated().map { $0.offset % 3 == 0 ? $0.element : " " + $0.element }.joined()
    }

    @Test(arguments: [false, true])
    func everyStrideFindsWhatTheFullScanFinds(punctuationFirst: Bool) {
        var random = SeededRandom(seed: punctuationFirst ? 7 : 3)
        let secrets = Self.secrets(&random, punctuationFirst: punctuationFirst)
        let patterns = secrets.map(SecretRedactor.Pattern.init(secret:))
        let full = SecretRedactor(patterns: patterns, maximumStride: 1)
        let strided = [2, 3, 5, 7].map { SecretRedactor(patterns: patterns, maximumStride: $0) }
        #expect(full.stride == 1)
        // A secret beginning with punctuation has forms with fewer fixed first bytes.
        // Otherwise "an" + two letters, the shortest secret, has four fixed bytes: stride 3 at most.
        #expect(strided.map(\.stride) == (punctuationFirst ? [1, 1, 1, 1] : [2, 3, 3, 3]))
        // Tokens and keys alone (eight letters or digits first) are scanned at the longest stride.
        let long = secrets.filter { $0.count >= 8 && $0.prefix(8).allSatisfy { $0.isLetter || $0.isNumber } }
            .map(SecretRedactor.Pattern.init(secret:))
        let longFull = SecretRedactor(patterns: long, maximumStride: 1)
        let longStrided = SecretRedactor(patterns: long)
        #expect(longStrided.stride == 7)
        var redactions = 0
        for _ in 0..<400 {
            let text = Array(Self.text(&random, secrets: secrets).utf8)
            let expected = full.redact(text)
            if expected != text { redactions += 1 }
            for redactor in strided {
                #expect(
                    redactor.redact(text) == expected,
                    "stride \(redactor.stride): \(String(decoding: text, as: UTF8.self))")
            }
            #expect(longStrided.redact(text) == longFull.redact(text), "\(String(decoding: text, as: UTF8.self))")
        }
        #expect(redactions > 300, "the texts hold secrets to find")
    }

    @Test func aMatchIsFoundAtEveryAlignmentAndAtEitherEnd() {
        let secret = "Tok9ZqXw"
        let redactor = SecretRedactor(secrets: [secret])
        #expect(redactor.stride == 7)
        for before in 0..<16 {
            for after in 0..<4 {
                let text = String(repeating: "a", count: before) + secret + String(repeating: "b", count: after)
                let expected =
                    String(repeating: "a", count: before) + "[redacted]" + String(repeating: "b", count: after)
                #expect(redactor.redact(text) == expected, "\(before) before, \(after) after")
            }
        }
        #expect(redactor.redact(String(secret.dropFirst())) == String(secret.dropFirst()))
    }
}
