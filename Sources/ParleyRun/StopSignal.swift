import Synchronization

/// A request to stop a run gracefully (the first Ctrl-C): no new flow runs start, and running ones
/// stop after the step in progress, so no request is cut off halfway and every open conversation
/// can be ended cleanly.
public final class StopSignal: Sendable {
    private let requested = Atomic<Bool>(false)

    public init() {}

    public func request() { requested.store(true, ordering: .releasing) }

    public var isRequested: Bool { requested.load(ordering: .acquiring) }
}
