import Synchronization

/// Counts events and lets a test wait for a number of them.
final class Counter: Sendable {
    private let values = Mutex<[String: Int]>([:])

    func increment(_ key: String) {
        values.withLock { $0[key, default: 0] += 1 }
    }

    func value(_ key: String) -> Int {
        values.withLock { $0[key, default: 0] }
    }
}
