import HTTPTypes
import Hummingbird
import NIOCore
import ParleyJSON

/// Builds responses: JSON bodies, empty bodies, and NDJSON streams paced by a schedule.
enum HTTPReply {
    static func json(_ status: HTTPResponse.Status, _ body: JSON, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: body.text)))
    }

    /// A JSON body as injected faults shape it: cut in half (malformed), or cut in half with the
    /// connection closed after it (dropped mid-body). Without such faults, the body as it is.
    static func json(
        _ status: HTTPResponse.Status, _ body: JSON, headers: HTTPFields = [:], faults: [SandboxFault.Kind]
    ) -> Response {
        guard faults.malformsStream || faults.dropsMidStream else { return json(status, body, headers: headers) }
        var fields = headers
        fields[.contentType] = "application/json"
        let bytes = Array(body.text.utf8)
        let half = ByteBuffer(bytes: bytes.prefix(max(1, bytes.count / 2)))
        guard faults.dropsMidStream else {
            return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: half))
        }
        return Response(
            status: status, headers: fields,
            body: ResponseBody { writer in
                try await writer.write(half)
                throw InjectedDisconnect()
            })
    }

    static func empty(_ status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        Response(status: status, headers: headers, body: ResponseBody())
    }

    /// A newline-delimited JSON stream: each line is written after its delay, so clients see
    /// chunks arrive over time; lines due at the same moment go out in one write (one TCP segment
    /// rather than one per line). The stream ends (and the response completes) after the last line.
    /// Injected faults shape the stream: a malformed line before the agent's message, or the
    /// connection closed after the first line.
    static func ndjson(
        _ status: HTTPResponse.Status, _ lines: [TimedLine], headers: HTTPFields = [:],
        faults: [SandboxFault.Kind] = []
    ) -> Response {
        var fields = headers
        fields[.contentType] = "application/x-ndjson"
        var lines = lines
        if faults.malformsStream {
            lines.insert(TimedLine(raw: #"{"type":"new-message","message":"#), at: min(1, lines.count))
        }
        let dropAfter = faults.dropsMidStream ? 1 : Int.max
        return Response(
            status: status, headers: fields,
            body: ResponseBody { [lines] writer in
                var pending = ByteBuffer()
                for (index, line) in lines.enumerated() {
                    if index == dropAfter || line.delay > .zero, pending.readableBytes > 0 {
                        try await writer.write(pending)
                        pending.clear()
                    }
                    if index == dropAfter { throw InjectedDisconnect() }
                    if line.delay > .zero { try await Task.sleep(for: line.delay) }
                    pending.writeString(line.text)
                }
                if pending.readableBytes > 0 { try await writer.write(pending) }
                try await writer.finish(nil)
            })
    }
}
