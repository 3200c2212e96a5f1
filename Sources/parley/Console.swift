import Foundation
import ParleyRun
import Synchronization

/// Writes to the terminal from any task without interleaving lines; colours only on a TTY and
/// never when NO_COLOR is set. Once a run's secrets are known (``protect(with:)``), every line
/// is written with them replaced by `[redacted]`.
final class Console: Sendable {
    enum Style: String {
        case red = "31"
        case green = "32"
        case yellow = "33"
        case blue = "34"
        case magenta = "35"
        case cyan = "36"
        case bold = "1"
        case dim = "2"
    }

    let colorOutput: Bool
    let colorErrors: Bool
    let stdoutIsTTY: Bool
    /// The live progress line at the bottom of a terminal, redrawn after every printed line.
    private let status = Mutex<String?>(nil)
    /// The run's secrets, taken out of everything printed.
    private let secrets = Mutex<SecretRegistry?>(nil)

    init(environment: [String: String] = ProcessInfo.processInfo.environment, forceNoColor: Bool = false) {
        let allowed = !forceNoColor && environment["NO_COLOR"].map(\.isEmpty) ?? true && environment["TERM"] != "dumb"
        stdoutIsTTY = isatty(STDOUT_FILENO) == 1
        colorOutput = allowed && stdoutIsTTY
        colorErrors = allowed && isatty(STDERR_FILENO) == 1
    }

    func out(_ text: String) { print(redacted(text), to: STDOUT_FILENO) }
    func err(_ text: String) { print(redacted(text), to: STDERR_FILENO) }

    /// From now on, the registry's secrets (as they stand at each line) never reach the terminal.
    func protect(with registry: SecretRegistry) {
        secrets.withLock { $0 = registry }
    }

    private func redacted(_ text: String) -> String {
        guard let registry = secrets.withLock({ $0 }) else { return text }
        return registry.redact(text)
    }

    /// Shows (or, with `nil`, removes) a progress line kept below all other output; terminals only.
    func setStatus(_ text: String?) {
        guard stdoutIsTTY else { return }
        status.withLock { current in
            current = text
            write(Self.clearLine + (text ?? ""), to: STDOUT_FILENO)
        }
    }

    private func print(_ text: String, to fd: Int32) {
        status.withLock { current in
            guard let line = current, stdoutIsTTY else {
                write(text + "\n", to: fd)
                return
            }
            // Clear the progress line, print, then draw the progress line again below.
            write(Self.clearLine, to: STDOUT_FILENO)
            write(text + "\n", to: fd)
            write(line, to: STDOUT_FILENO)
        }
    }

    private static let clearLine = "\r\u{1B}[2K"

    func style(_ text: String, _ styles: Style..., forErrors: Bool = false) -> String {
        guard forErrors ? colorErrors : colorOutput, !styles.isEmpty else { return text }
        return "\u{1B}[" + styles.map(\.rawValue).joined(separator: ";") + "m" + text + "\u{1B}[0m"
    }

    /// One `write(2)` loop; callers hold the status lock, so lines never interleave.
    private func write(_ text: String, to fd: Int32) {
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
    }
}
