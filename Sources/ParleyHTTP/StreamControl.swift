/// The consumer's handle on a streamed transfer, shared by an ``HTTPStreamingResponse``, its
/// ``HTTPLines`` and their iterators. When the last of them goes away before the body ended,
/// the transfer is aborted, so an abandoned stream does not keep a connection busy.
final class StreamControl: Sendable {
    let client: HTTPClient
    let transfer: Transfer
    let body: BodyStream
    let limit: Int

    init(client: HTTPClient, transfer: Transfer, body: BodyStream, limit: Int) {
        self.client = client
        self.transfer = transfer
        self.body = body
        self.limit = limit
    }

    deinit {
        if !body.hasEnded { cancel() }
    }

    /// Aborts the transfer; the reader sees `.cancelled`.
    func cancel() {
        body.abandon(with: transfer.cancelledByConsumer)
        client.loop.cancel(transfer)
    }

    /// The next bytes of the body; cancelling the waiting task aborts the transfer.
    func nextChunk() async -> Result<[UInt8]?, HTTPError> {
        if Task.isCancelled {
            cancel()
            return .failure(transfer.cancelledByConsumer)
        }
        // What has arrived is taken without waiting, so without a cancellation handler: installing
        // one (and the executor checks around it) cost about 1,000 instructions a chunk.
        if let ready = body.ready() { return ready }
        return await withTaskCancellationHandler {
            await body.nextChunk()
        } onCancel: {
            self.cancel()
        }
    }
}
