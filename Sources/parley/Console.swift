import Foundation
import Synchronization

/// Writes to the terminal from any task without interleaving lines; colours only on a TTY and
/// never when NO_COLOR is set.
final class Console: Sendable {
    enum Style: String {
        case red = "31", green = "32", yellow = "33", blue = "34", magenta = "35", cyan = "36", bold = "1", dim = "2"
    }

    let colorOutput: Bool
    let colorErrors: Bool
    let stdoutIsTTY: Bool
    private let lock = Mutex(())

    init(environment: [String: String] = ProcessInfo.processInfo.environment, forceNoColor: Bool = false) {
        let allowed = !forceNoColor && environment["NO_COLOR"].map(\.isEmpty) ?? true && environment["TERM"] != "dumb"
        stdoutIsTTY = isatty(STDOUT_FILENO) == 1
        colorOutput = allowed && stdoutIsTTY
        colorErrors = allowed && isatty(STDERR_FILENO) == 1
    }

    func out(_ text: String) { write(text + "\n", to: STDOUT_FILENO) }
    func err(_ text: String) { write(text + "\n", to: STDERR_FILENO) }

    /// Writes without a newline (for a progress line that is redrawn).
    func raw(_ text: String) { write(text, to: STDOUT_FILENO) }

    func style(_ text: String, _ styles: Style..., forErrors: Bool = false) -> String {
        guard forErrors ? colorErrors : colorOutput, !styles.isEmpty else { return text }
        return "\u{1B}[" + styles.map(\.rawValue).joined(separator: ";") + "m" + text + "\u{1B}[0m"
    }

    private func write(_ text: String, to fd: Int32) {
        lock.withLock { _ in
            var bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeMutableBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += n
            }
            bytes.removeAll()
        }
    }
}
