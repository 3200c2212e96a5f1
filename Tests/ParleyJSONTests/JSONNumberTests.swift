import Testing
@testable import ParleyJSON

/// Numbers keep their text; they compare, hash and convert by their exact decimal value.
@Suite struct JSONNumberTests {
    @Test(arguments: [
        ("1", "1.0"), ("1", "1e0"), ("1", "10e-1"), ("100", "1E2"), ("0", "-0"), ("0", "0.000e5"),
        ("0.5", "5e-1"), ("-2.50", "-25e-1"), ("9007199254740993", "9007199254740993.000"),
        ("123456789012345678901234567890", "1.2345678901234567890123456789e29"),
    ])
    func equalValuesInOtherNotationsAreEqual(a: String, b: String) throws {
        let x = try #require(JSONNumber(a)), y = try #require(JSONNumber(b))
        #expect(x == y)
        #expect(x.hashValue == y.hashValue)
        #expect(JSONValue.number(x) == JSONValue.number(y))
    }

    @Test(arguments: [
        ("9007199254740993", "9007199254740992"), ("12345678901234567890", "12345678901234567891"),
        ("1", "-1"), ("0.1", "0.10000000000000001"), ("1e400", "1e401"),
    ])
    func differentValuesDifferEvenWhereADoubleCannotTell(a: String, b: String) throws {
        #expect(try #require(JSONNumber(a)) != (try #require(JSONNumber(b))))
    }

    @Test(arguments: ["", " 1", "1 ", "01", "+1", "1.", ".5", "0x10", "NaN", "-", "1e", "--1", "1_000", "١"])
    func onlyJSONsGrammarIsANumber(text: String) {
        #expect(JSONNumber(text) == nil, "`\(text)`")
    }

    @Test func numbersMadeInSwiftAreWrittenShortAndExact() {
        #expect(JSONValue.int(7).serialized == "7")
        #expect(JSONValue.int(UInt64.max).serialized == "18446744073709551615")
        #expect(JSONValue.int(Int64.min).serialized == "-9223372036854775808")
        #expect(JSONValue.double(3).serialized == "3", "whole values without a trailing .0")
        #expect(JSONValue.double(-0.0).serialized == "0")
        #expect(JSONValue.double(0.1).serialized == "0.1")
        #expect(JSONValue.double(123.456).serialized == "123.456")
        #expect(JSONValue.double(1e300).serialized == "1e+300")
        #expect(JSONValue.double(.infinity) == .null, "JSON has no infinity")
        #expect(JSONValue.double(.nan) == .null)
        for value in [
            0.1, 1.0 / 3, Double.leastNonzeroMagnitude, 1.7976931348623157e308, 9_007_199_254_740_993.0, 12.5,
        ] {
            #expect(JSONValue.double(value).double == value, "\(value) reads back as the same Double")
        }
        let literal: JSONValue = ["n": 2, "x": 0.25]
        #expect(literal.serialized == #"{"n":2,"x":0.25}"#)
    }

    @Test func wholeNumbersConvertExactlyWhateverTheirNotation() throws {
        #expect(JSONNumber("7.0")?.int == 7)
        #expect(JSONNumber("7e2")?.int == 700)
        #expect(JSONNumber("7500e-2")?.int == 75)
        #expect(JSONNumber("7.5")?.int == nil)
        #expect(JSONNumber("9223372036854775807")?.int == Int.max)
        #expect(JSONNumber("9223372036854775808")?.int == nil)
        #expect(JSONNumber("-9223372036854775809")?.int == nil)
        #expect(JSONNumber("18446744073709551615")?.exactly(UInt64.self) == UInt64.max)
        #expect(JSONNumber("-1")?.exactly(UInt64.self) == nil)
        #expect(JSONNumber("1e30")?.int == nil)
        #expect(JSONNumber("0e99999")?.int == 0)
        #expect(JSONNumber("300")?.exactly(UInt8.self) == nil)
    }

    /// What variables and conditions see: strings as they are, numbers as written, integers made in
    /// Swift without `.0`.
    @Test func scalarTextKeepsEveryDigit() throws {
        let reply = try JSONValue(
            parsing: #"{"id":12345678901234567890,"n":9007199254740993,"price":10.50,"flag":true,"s":"x"}"#)
        #expect(reply["id"]?.scalarText == "12345678901234567890")
        #expect(reply["n"]?.extractedText == "9007199254740993")
        #expect(reply["price"]?.scalarText == "10.50")
        #expect(reply["flag"]?.scalarText == "true")
        #expect(reply["s"]?.scalarText == "x")
        #expect(JSONValue.int(42).scalarText == "42")
        #expect(JSONValue.double(42).scalarText == "42")
        #expect(try JSONPath(parsing: "$.id").evaluate(reply).first?.extractedText == "12345678901234567890")
    }

    /// Numbers written straight from Swift values are the bytes their `JSONValue`s are written as.
    @Test func writtenNumbersAreTheTreesBytes() {
        let doubles: [Double] = [
            0, -0.0, 1, -1, 1.5, 273.115, -0.001, 1e-7, 1e21, 1e300, -1e300, 0.1 + 0.2,
            9_007_199_254_740_991, 9_007_199_254_740_992, -9_007_199_254_740_994, .greatestFiniteMagnitude,
            .leastNonzeroMagnitude, .nan, .infinity, -.infinity,
        ]
        for value in doubles {
            #expect(value.jsonBytes == value.json.bytes, "\(value)")
            #expect([value, value].prettyJSONBytes == [value, value].json.prettyBytes, "\(value)")
        }
        let integers: [Int] = [0, 7, -7, 9, 10, -10, 99, 100, 1_234_567_890, .max, .min]
        for value in integers {
            #expect(value.jsonBytes == value.json.bytes, "\(value)")
            #expect(String(decoding: value.jsonBytes, as: UTF8.self) == String(value))
        }
        for value: UInt64 in [0, 1, .max, UInt64(Int64.max) + 1] {
            #expect(value.jsonBytes == value.json.bytes, "\(value)")
        }
        for value in [true, false] {
            #expect([value].jsonBytes == [value].json.bytes)
        }
    }

    /// Durations in milliseconds rounded to the microsecond, written digit by digit, are the text
    /// Swift's shortest representation gives, from a thousandth to past the 10^12 the shortcut
    /// stops at, either sign, with and without trailing zeros.
    @Test func thousandthsAreWrittenAsTheShortestText() {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [0.001, -0.001, 0.01, 0.1, 0.5, 1.25, 102.494, 102.5, 999.999, 1000.001, 0.3, 2.675]
        var scale = 1.0
        for _ in 0...14 {
            scale *= 10
            for _ in 0..<200 {
                let thousandths = Double.random(in: 0..<scale, using: &generator).rounded()
                values.append(thousandths / 1000)
                values.append(-thousandths / 1000)
                values.append(Double.random(in: 0..<scale / 1000, using: &generator))
            }
        }
        for value in values {
            let written = String(decoding: value.jsonBytes, as: UTF8.self)
            let expected = JSONNumber(value)?.description
            guard written == expected else {
                Issue.record("\(value): written \(written), the shortest text is \(expected)")
                return
            }
        }
    }

    /// `parseDouble` reads what `Double(_:)` reads (a header's number, say), digits or not.
    @Test(arguments: [
        "0", "7", "60", "999995", "1796335723", "000000000000042", "123456789012345", "1234567890123456",
        "99999999999999999999", "1.5", "1e3", "-1", "+2", "", " 3", "3 ", "x", "0x10", "inf", "nan", "٣",
    ])
    func parseDoubleReadsWhatDoubleReads(text: String) {
        let expected = Double(text)
        let read = JSONNumber.parseDouble(text)
        #expect(read == expected || (read?.isNaN == true && expected?.isNaN == true), "\(text)")
    }

    /// Numbers read without `strtod` (at most 15 digits, no exponent) are the very `Double` it
    /// reads, bit for bit, whatever the digits, the point's place and the sign; others go to it.
    @Test func simpleNumbersReadAsStrtodReadsThem() throws {
        var generator = SystemRandomNumberGenerator()
        var texts = [
            "0", "-0", "0.25", "120", "-3.5", "0.1", "0.3", "2.675", "999999999999999", "0.000000000000001",
            "123456789012345", "1234567890123456", "9007199254740993", "1e3", "1.5E-2", "-0.0", "100000000000000.5",
        ]
        for _ in 0..<20_000 {
            let count = Int.random(in: 1...17, using: &generator)
            var digits = String((0..<count).map { _ in "0123456789".randomElement(using: &generator)! })
            while digits.count > 1, digits.first == "0" { digits.removeFirst() }
            if Bool.random(using: &generator), digits.count > 1 {
                let point = Int.random(in: 1..<digits.count, using: &generator)
                digits.insert(".", at: digits.index(digits.startIndex, offsetBy: point))
            } else if Bool.random(using: &generator) {
                digits = "0." + digits
            }
            texts.append(Bool.random(using: &generator) ? "-" + digits : digits)
        }
        for text in texts {
            let number = try #require(JSONValue(parsing: text).number, "\(text)")
            let expected = try #require(Double(text))
            guard number.double?.bitPattern == expected.bitPattern else {
                Issue.record("\(text): read \(String(describing: number.double)), strtod reads \(expected)")
                return
            }
        }
        #expect(JSONNumber.simpleDouble("1e3") == nil && JSONNumber.simpleDouble("1234567890123456") == nil)
        #expect(JSONNumber.simpleDouble("0.25") == 0.25)
    }
}
