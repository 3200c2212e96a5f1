import Foundation
import Synchronization

/// Ctrl-C handling for a run: the first interrupt calls the handler (stop starting work, end what is
/// open, write the summary); a second one exits at once with 130.
final class Interruption: @unchecked Sendable {
    private let sources: [DispatchSourceSignal]
    private let lock = NSLock()
    private var count = 0

    private init(handler: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        var sources: [DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            sources.append(DispatchSource.makeSignalSource(signal: number, queue: .global()))
        }
        self.sources = sources
        for source in sources {
            source.setEventHandler { [unowned self] in
                if self.next() == 1 { handler() } else { exit(130) }
            }
            source.resume()
        }
    }

    private func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }

    /// Starts listening for SIGINT and SIGTERM until ``cancel()``.
    static func onInterrupt(_ handler: @escaping @Sendable () -> Void) -> Interruption {
        Interruption(handler: handler)
    }

    /// Keeps an interruption listening for the rest of the process (for commands that run until stopped).
    static func keepAlive(_ interruption: Interruption) {
        kept.withLock { $0.append(interruption) }
    }

    private static let kept = Mutex<[Interruption]>([])

    /// Stops listening and restores the default behaviour of the signals.
    func cancel() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
