import Foundation
import Hummingbird
import MultipartKit
import ParleyHTTP
import Synchronization
import Testing

/// One part as MultipartKit parsed it on the server.
struct ParsedPart: Sendable, Equatable {
    var headers: [String: String]
    var body: [UInt8]
}

@Suite("multipart/form-data bodies")
struct MultipartFormTests {
    @Test("Fields and files are parsed correctly by an independent multipart parser")
    func serverParsesFieldsAndFiles() async throws {
        let parsed = SendableBox<[ParsedPart]>([])
        let contentTypes = SendableBox<String>("")
        try await TestServer.run({ router in
            router.post("upload") { request, _ -> String in
                var request = request
                let contentType = request.headers[.contentType] ?? ""
                contentTypes.set(contentType)
                guard let boundary = contentType.split(separator: "boundary=").last.map(String.init) else {
                    return "no boundary"
                }
                let body = try await request.collectBody(upTo: 1 << 20)
                parsed.set(try Self.parse(body, boundary: boundary))
                return "ok"
            }
        }) { base in
            var form = MultipartForm()
            form.addField(name: "message", value: "Here is the photo of the cracked blender.")
            form.addField(name: "quote\"d", value: "")
            let photo: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(0...255) + Array("--".utf8)
            form.addFile(name: "attachment", filename: "blender.png", contentType: "image/png", data: photo)
            let client = HTTPClient()
            let response = try await client.execute(
                ClientRequest(method: .post, url: "\(base)/upload", body: .multipart(form)))
            #expect(response.text == "ok")
            #expect(contentTypes.get() == form.contentType)

            let parts = parsed.get()
            try #require(parts.count == 3)
            #expect(parts[0].headers["content-disposition"] == #"form-data; name="message""#)
            #expect(parts[0].body == Array("Here is the photo of the cracked blender.".utf8))
            #expect(parts[1].headers["content-disposition"] == #"form-data; name="quote%22d""#)
            #expect(parts[1].body.isEmpty)
            #expect(parts[2].headers["content-disposition"] == #"form-data; name="attachment"; filename="blender.png""#)
            #expect(parts[2].headers["content-type"] == "image/png")
            #expect(parts[2].body == photo)
        }
    }

    @Test("A given boundary is used verbatim and the encoding ends with the close delimiter")
    func explicitBoundary() {
        var form = MultipartForm(boundary: "b0undary")
        form.addField(name: "a", value: "1")
        #expect(form.contentType == "multipart/form-data; boundary=b0undary")
        let text = String(decoding: form.encoded(), as: UTF8.self)
        #expect(text == "--b0undary\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b0undary--\r\n")
    }

    @Test("Random boundaries differ between forms")
    func randomBoundaries() {
        #expect(MultipartForm().boundary != MultipartForm().boundary)
    }

    static func parse(_ body: ByteBuffer, boundary: String) throws -> [ParsedPart] {
        let parser = MultipartParser(boundary: boundary)
        var parts: [ParsedPart] = []
        var current = ParsedPart(headers: [:], body: [])
        parser.onHeader = { name, value in current.headers[name.lowercased()] = value }
        parser.onBody = { buffer in current.body += buffer.readBytes(length: buffer.readableBytes) ?? [] }
        parser.onPartComplete = {
            parts.append(current)
            current = ParsedPart(headers: [:], body: [])
        }
        try parser.execute(body)
        return parts
    }
}
