import Hummingbird
import HTTPTypes
import Logging
import NIOCore
import ParleyJSON
import Synchronization

/// An HTTP server that takes webhook deliveries — POSTs a sender makes to a URL Parley gave it —
/// and hands each to the route its path names. One receiver serves every conversation of the
/// targets that share its address, for the whole run.
///
/// The receiver checks what every route needs checked: the method (POST), the body's size
/// (413 over ``WebhookReceiverSettings/maxBodySize``) and the path (404 for no route). Routes
/// check secrets and find conversations (``WebhookDirectory``).
public final class WebhookReceiver: Sendable {
    public let settings: WebhookReceiverSettings
    /// The port it listens on.
    public var port: Int { server.port }
    /// The URL senders are given, without a route: `public_url`, or `http://host:port`.
    public var baseURL: String { settings.publicURL ?? server.baseURL }

    private let server: RunningServer
    private let table: RouteTable

    /// Starts listening; fails when the port is taken or the address is not this machine's.
    public static func start(_ settings: WebhookReceiverSettings) async throws(ServerStartError) -> WebhookReceiver {
        let table = RouteTable(publicPath: settings.publicURL.map(Self.path(of:)) ?? [])
        let responder = WebhookResponder(table: table, maxBodySize: settings.maxBodySize)
        let server = try await RunningServer.start(responder, host: settings.host, port: settings.port)
        return WebhookReceiver(settings: settings, server: server, table: table)
    }

    private init(settings: WebhookReceiverSettings, server: RunningServer, table: RouteTable) {
        self.settings = settings
        self.server = server
        self.table = table
    }

    /// Sends deliveries under the path `route` (`["amelia", "support"]`, segments as they are,
    /// encoded in URLs) to `handler`; returns the route's URL.
    @discardableResult
    public func add(route: [String], handler: @escaping WebhookHandler) -> String {
        table.add(route, handler: handler)
        return url(route: route)
    }

    /// The URL of a route, with more segments after it (`…/http/bot/<token>`).
    public func url(route: [String]) -> String {
        baseURL + "/" + route.map(Self.encodeSegment).joined(separator: "/")
    }

    /// Stops listening; deliveries in flight are answered first.
    public func stop() async {
        await server.stop()
    }

    /// What the receiver has answered so far.
    public var stats: WebhookStats { table.stats }

    static func path(of url: String) -> [String] {
        guard let schemeEnd = url.range(of: "://") else { return [] }
        let rest = url[schemeEnd.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return [] }
        return rest[slash...].split(separator: "/").map(String.init)
    }

    /// A path segment percent-encoded but for unreserved characters.
    static func encodeSegment(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF")
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0xF)])
            }
        }
        return out
    }
}

/// Handles one delivery to a route.
public typealias WebhookHandler = @Sendable (WebhookRequest) async -> WebhookAnswer

/// A delivery as a route sees it.
public struct WebhookRequest: Sendable {
    /// Path segments after the route's own, decoded.
    public var segments: [String]
    public var body: [UInt8]
    private var headers: [(name: String, value: String)]

    public init(segments: [String], headers: [(name: String, value: String)], body: [UInt8]) {
        self.segments = segments
        self.headers = headers
        self.body = body
    }

    /// The first value of a header (names are case-insensitive); `nil` when absent.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) }?.value
    }
}

extension String {
    fileprivate func caseInsensitiveCompare(_ other: String) -> Bool {
        utf8.count == other.utf8.count && lowercased() == other.lowercased()
    }
}

/// A route's answer to a delivery.
public struct WebhookAnswer: Sendable {
    public var status: Int
    /// Said in the body (`{"error": …}` or `{"status": …}`); never a secret.
    public var message: String
    /// What the delivery did to a conversation's mailbox, when it reached one.
    public var delivery: WebhookMailbox.Delivery?

    public init(status: Int, message: String, delivery: WebhookMailbox.Delivery? = nil) {
        self.status = status
        self.message = message
        self.delivery = delivery
    }

    public static func accepted(_ delivery: WebhookMailbox.Delivery) -> WebhookAnswer {
        WebhookAnswer(status: 200, message: "accepted", delivery: delivery)
    }

    public static func badRequest(_ message: String) -> WebhookAnswer {
        WebhookAnswer(status: 400, message: message)
    }

    /// 401: the delivery's secret header is missing or wrong.
    public static func unauthorized(header: String) -> WebhookAnswer {
        WebhookAnswer(status: 401, message: "missing or wrong \(header)")
    }
}

/// Counts of the receiver's answers.
public struct WebhookStats: Sendable, Equatable {
    /// Deliveries answered 2xx.
    public var accepted = 0
    /// Items dropped because they had been delivered before.
    public var duplicates = 0
    /// Items that arrived after their conversation was over.
    public var afterClose = 0
    /// Deliveries refused 401 (a missing or wrong secret, or no conversation to give them to).
    public var unauthorized = 0
    /// Deliveries refused 413.
    public var tooLarge = 0
    /// Other refusals: not a POST, no such route, a body the route cannot read.
    public var rejected = 0

    public init() {}
}

/// Routes by path, and the counts of what was answered.
final class RouteTable: Sendable {
    private let publicPath: [String]
    private let state = Mutex<(routes: [(segments: [String], handler: WebhookHandler)], stats: WebhookStats)>(
        ([], WebhookStats()))

    init(publicPath: [String]) {
        self.publicPath = publicPath
    }

    func add(_ segments: [String], handler: @escaping WebhookHandler) {
        state.withLock { state in
            state.routes.removeAll { $0.segments == segments }
            state.routes.append((segments, handler))
            // The longest route wins when one is a prefix of another.
            state.routes.sort { $0.segments.count > $1.segments.count }
        }
    }

    /// The handler for a path and the segments after its route.
    func route(_ path: [String]) -> (WebhookHandler, [String])? {
        var path = path
        if !publicPath.isEmpty, path.starts(with: publicPath) { path.removeFirst(publicPath.count) }
        return state.withLock { state in
            for route in state.routes where path.starts(with: route.segments) {
                return (route.handler, Array(path.dropFirst(route.segments.count)))
            }
            return nil
        }
    }

    func count(status: Int, delivery: WebhookMailbox.Delivery?) {
        state.withLock { state in
            switch status {
            case 200..<300: state.stats.accepted += 1
            case 401: state.stats.unauthorized += 1
            case 413: state.stats.tooLarge += 1
            default: state.stats.rejected += 1
            }
            if let delivery {
                state.stats.duplicates += delivery.duplicates
                state.stats.afterClose += delivery.afterClose
            }
        }
    }

    var stats: WebhookStats { state.withLock { $0.stats } }
}

/// Checks method, size and path, then asks the route.
struct WebhookResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let table: RouteTable
    let maxBodySize: Int

    func respond(to request: Request, context: Context) async throws -> Response {
        let answer = await answer(request)
        table.count(status: answer.status, delivery: answer.delivery)
        let key = (200..<300).contains(answer.status) ? "status" : "error"
        let body = JSONValue.object([(key, .string(answer.message))])
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if answer.status == 405 { headers[.allow] = "POST" }
        return Response(
            status: HTTPResponse.Status(code: answer.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.bytes)))
    }

    private func answer(_ request: Request) async -> WebhookAnswer {
        var request = request
        let segments = request.uri.path.split(separator: "/").map {
            String($0).removingPercentEncodingIfNeeded
        }
        guard let (handler, rest) = table.route(segments) else {
            return WebhookAnswer(status: 404, message: "no webhook here")
        }
        guard request.method == .post else {
            return WebhookAnswer(status: 405, message: "webhooks are delivered with POST")
        }
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxBodySize)
        } catch is NIOTooManyBytesError {
            return WebhookAnswer(status: 413, message: "the body is larger than \(maxBodySize) bytes")
        } catch {
            return WebhookAnswer(status: 400, message: "the body did not arrive whole")
        }
        let headers = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
        return await handler(WebhookRequest(segments: rest, headers: headers, body: Array(body.readableBytesView)))
    }
}

extension String {
    /// Percent escapes decoded, when there are any (invalid ones are left as they are).
    fileprivate var removingPercentEncodingIfNeeded: String {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var iterator = Array(utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else { return self }
            bytes.append(value)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
