@testable import ParleyJudging
import ParleyRun
import Testing

@Suite struct VerdictParserTests {
    @Test func readsOneVerdictPerCriterionInTheCriteriaOrder() throws {
        let answer = """
            {"verdicts":[{"criterion":2,"verdict":"fail","reasoning":"no refund"},\
            {"criterion":1,"verdict":"inconclusive","reasoning":"cannot tell"}]}
            """
        let verdicts = try VerdictParser.parse(answer, criteria: 2)
        #expect(verdicts.map(\.verdict) == [.inconclusive, .fail])
        #expect(verdicts.map(\.reasoning) == ["cannot tell", "no refund"])
    }

    @Test(arguments: [
        ("Sure! All criteria pass.", "the answer is not JSON"),
        ("```json\n{\"verdicts\":[]}\n```", "the answer is not JSON"),
        ("[1,2]", "the answer is an array, not an object with `verdicts`"),
        (#"{"verdicts":[],"note":"x"}"#, "the answer has an unexpected member `note`"),
        (#"{"results":[]}"#, "the answer has an unexpected member `results`"),
        (#"{"verdicts":[]}"#, "the answer has no verdict on criterion 1"),
        (
            #"{"verdicts":[{"criterion":1,"verdict":"yes","reasoning":""}]}"#,
            "the verdict on criterion 1 is not `pass`, `fail` or `inconclusive`"
        ),
        (
            #"{"verdicts":[{"criterion":3,"verdict":"pass","reasoning":""}]}"#,
            "a verdict names no criterion between 1 and 1"
        ),
        (#"{"verdicts":[{"criterion":1,"verdict":"pass"}]}"#, "the verdict on criterion 1 has no `reasoning` text"),
        (
            #"{"verdicts":[{"criterion":1,"verdict":"pass","reasoning":"","score":1}]}"#,
            "a verdict has an unexpected member `score`"
        ),
        (
            #"{"verdicts":[{"criterion":1,"verdict":"pass","reasoning":""},"#
                + #"{"criterion":1,"verdict":"fail","reasoning":""}]}"#,
            "criterion 1 has two verdicts"
        ),
    ])
    func refusesAnythingElseKeepingTheAnswer(answer: String, message: String) {
        #expect(throws: JudgeFailure.self) { try VerdictParser.parse(answer, criteria: 1) }
        do {
            _ = try VerdictParser.parse(answer, criteria: 1)
        } catch {
            #expect(error.message.hasPrefix(message), "\(error.message)")
            #expect(error.answer == answer)
        }
    }

    @Test func aLongAnswerIsCutInMessages() {
        let failure = JudgeFailure("the answer is not JSON", answer: String(repeating: "x", count: 2000))
        #expect(failure.description.count < 900)
        #expect(failure.description.hasSuffix("…"))
    }
}

@Suite struct SHA256Tests {
    // FIPS 180-4 test vectors.
    @Test func knownDigests() {
        #expect(
            SHA256.hex(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256.hex(Array(String(repeating: "a", count: 1000).utf8))
                == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}
