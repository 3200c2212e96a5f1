import Foundation
import ParleyResults

/// Splits the script's output into answers, one per batch, handed out in the order batches were sent.
final class BatchCollector: @unchecked Sendable {
    /// One batch's place in line for its answer.
    final class Slot: @unchecked Sendable {
        fileprivate var result: Result<String, SchemaValidator.Failure>?
        fileprivate var continuation: CheckedContinuation<String, any Error>?
    }

    private let lock = NSLock()
    private var buffer = Data()
    private var current = ""
    /// Batches sent and not answered yet, oldest first.
    private var open: [Slot] = []
    private var failure: SchemaValidator.Failure?

    /// Takes the next place in line; call it before sending the batch.
    func reserve() -> Slot {
        lock.lock()
        defer { lock.unlock() }
        let slot = Slot()
        if let failure { slot.result = .failure(failure) } else { open.append(slot) }
        return slot
    }

    /// The answer for `slot`, once the script has printed it.
    func answer(_ slot: Slot) async throws(SchemaValidator.Failure) -> String {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                lock.lock()
                defer { lock.unlock() }
                if let result = slot.result {
                    continuation.resume(with: result.mapError { $0 as any Error })
                } else {
                    slot.continuation = continuation
                }
            }
        } catch let failure as SchemaValidator.Failure {
            throw failure
        } catch {
            throw .validatorFailed(status: -1, output: "\(error)")
        }
    }

    func append(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        buffer.append(data)
        while let newline = buffer.firstIndex(of: 0x0A) {
            let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
            buffer.removeSubrange(buffer.startIndex...newline)
            current += line + "\n"
            if line.hasPrefix(#"{"validated""#) {
                deliver(.success(current))
                current = ""
            }
        }
    }

    func fail(status: Int32, message: String) {
        lock.lock()
        defer { lock.unlock() }
        let reason: SchemaValidator.Failure =
            status == 3 || status == 127
            ? .validatorMissing(message) : .validatorFailed(status: status, output: message + current)
        failure = reason
        while !open.isEmpty { deliver(.failure(reason)) }
    }

    /// Answers the oldest open batch; called with the lock held.
    private func deliver(_ result: Result<String, SchemaValidator.Failure>) {
        guard !open.isEmpty else { return }
        let slot = open.removeFirst()
        if let continuation = slot.continuation {
            slot.continuation = nil
            continuation.resume(with: result.mapError { $0 as any Error })
        } else {
            slot.result = result
        }
    }
}
