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
