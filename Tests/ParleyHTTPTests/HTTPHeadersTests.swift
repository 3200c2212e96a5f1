import ParleyHTTP
import Testing

@Suite("HTTPHeaders")
struct HTTPHeadersTests {
    @Test("Lookup ignores case and returns the first value; values(for:) returns all in order")
    func caseInsensitiveLookup() {
        var headers: ParleyHTTP.HTTPHeaders = ["Set-Cookie": "a=1", "Content-Type": "text/plain"]
        headers.add(name: "set-cookie", value: "b=2")
        #expect(headers["CONTENT-TYPE"] == "text/plain")
        #expect(headers["set-COOKIE"] == "a=1")
        #expect(headers.values(for: "Set-Cookie") == ["a=1", "b=2"])
        #expect(headers["missing"] == nil)
        #expect(headers.count == 3)
    }

    @Test("Names match ignoring ASCII case only, short and long, and never by length alone")
    func namesMatchByEveryByte() {
        let long = "X-RateLimit-Remaining-For-This-Endpoint"
        let headers: ParleyHTTP.HTTPHeaders = [long: "7", "Ab": "1", "Straße": "2", "X-Id": "3", "{}": "4"]
        #expect(headers[long.uppercased()] == "7")
        #expect(headers[long.lowercased()] == "7")
        #expect(headers["X-RateLimit-Remaining-For-This-Endpoinu"] == nil, "the last byte differs")
        #expect(headers["aB"] == "1")
        #expect(headers["STRAßE"] == "2", "ASCII letters fold")
        #expect(headers["STRASSE"] == nil)
        #expect(headers["Strasse"] == nil)
        #expect(headers["x-iD"] == "3")
        #expect(headers["X-Ie"] == nil)
        #expect(headers["[]"] == nil, "only A-Z fold: `{` is not `[` lowercased")
    }

    @Test("Names are folded to lowercase a word at a time exactly as a byte at a time")
    func namesFoldByWordsAsByBytes() {
        func folded(_ name: String) -> [UInt8] { name.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } }
        // Every pair of bytes in the first, a middle and the last position of a word and in the
        // tail after it, among letters, digits and non-ASCII (a byte that is not UTF-8 on its own
        // reads as U+FFFD, on both paths).
        let filler: [UInt8] = Array("aZ-9\u{e9}".utf8)
        var issues = 0
        for first in 0...255 {
            for second in 0...255 {
                for position in [0, 3, 7, 8] {
                    var left = (0..<9).map { filler[$0 % filler.count] }
                    var right = left
                    left[position] = UInt8(first)
                    right[position] = UInt8(second)
                    let names = (String(decoding: left, as: UTF8.self), String(decoding: right, as: UTF8.self))
                    if HTTPHeaders.namesMatch(names.0, names.1) != (folded(names.0) == folded(names.1)) { issues += 1 }
                }
            }
        }
        #expect(issues == 0)
    }

    @Test("replaceOrAdd keeps the first position and removes later duplicates")
    func replaceOrAdd() {
        var headers: ParleyHTTP.HTTPHeaders = ["A": "1", "X-Id": "old", "B": "2", "x-id": "older"]
        headers.replaceOrAdd(name: "X-ID", value: "new")
        #expect(headers.map(\.name) == ["A", "X-ID", "B"])
        #expect(headers.values(for: "x-id") == ["new"])
        headers.replaceOrAdd(name: "C", value: "3")
        #expect(headers.map(\.value) == ["1", "new", "2", "3"])
        headers["a"] = nil
        #expect(!headers.contains("A"))
    }

    @Test("The description lists names only, because values can be credentials")
    func descriptionHidesValues() {
        let headers: ParleyHTTP.HTTPHeaders = ["Authorization": "Bearer secret-token"]
        #expect(!headers.description.contains("secret-token"))
        #expect(headers.description.contains("Authorization"))
    }

    @Test("Form bodies are encoded as the WHATWG URL standard says")
    func formEncoding() {
        let body = HTTPBody.form([("q", "a b&c=d"), ("emoji", "é~*"), ("", "")])
        #expect(String(decoding: body.encoded(), as: UTF8.self) == "q=a+b%26c%3Dd&emoji=%C3%A9%7E*&=")
        #expect(body.contentType == "application/x-www-form-urlencoded")
    }
}
