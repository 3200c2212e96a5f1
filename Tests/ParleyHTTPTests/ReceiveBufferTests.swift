import Foundation
import ParleyHTTP
import Testing

@Suite("Receive buffers", .timeLimit(.minutes(1)))
struct ReceiveBufferTests {
    @Test(
        "A run's receive buffer shares 1 MiB among its requests in flight, from 1 KiB to 16 KiB",
        arguments: [
            (0, 16384), (1, 16384), (64, 16384), (65, 8192), (100, 8192), (128, 8192), (129, 4096),
            (300, 2048), (512, 2048), (513, 1024), (1000, 1024), (100_000, 1024),
        ])
    func sizing(requests: Int, size: Int) {
        #expect(HTTPClient.receiveBufferSize(inFlight: requests) == size)
    }

    @Test("A body many times the receive buffer arrives whole, whatever the buffer's size", arguments: [1024, 16384])
    func bodyLargerThanTheBuffer(size: Int) async throws {
        let body = String((0..<40_000).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
        try await TestServer.run({ $0.addInspectRoute() }) { base in
            let client = HTTPClient(configuration: .init(receiveBufferSize: size))
            let response = try await client.execute(
                ClientRequest(method: .post, url: "\(base)/inspect", body: .text(body)))
            #expect(try InspectedRequest.decode(response.body).body == body)
        }
    }
}
