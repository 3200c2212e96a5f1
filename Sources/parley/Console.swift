import Foundation
import ParleyRun
import Synchronization

/// Writes to the terminal from any task without interleaving lines; colours only on a TTY and
/// never when NO_COLOR is set. Once a run's secrets are known (``protect(with:)``), every line
/// is written with them replaced by `[redacted]`.
final class Console: Sendable {
    enum Style: String, Sendable {
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
    /// A terminal that understands cursor control (not `TERM=dumb`): the live progress line and
    /// the terminal's size are used only there.
    let interactive: Bool
    /// Colours for standard output, as values that render text without touching the terminal.
    var styler: Styler { Styler(color: colorOutput) }
    /// The live progress line at the bottom of a terminal, redrawn after every printed line.
    private let status = Mutex<String?>(nil)
    /// The run's secrets, taken out of everything printed.
    private let secrets = Mutex<SecretRegistry?>(nil)

    init(environment: [String: String] = ProcessInfo.processInfo.environment, forceNoColor: Bool = false) {
        let allowed = !forceNoColor && environment["NO_COLOR"].map(\.isEmpty) ?? true && environment["TERM"] != "dumb"
        let stdoutIsTTY = isatty(STDOUT_FILENO) == 1
        interactive = stdoutIsTTY && environment["TERM"] != "dumb"
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
    /// A line wider than the terminal is cut to fit: a wrapped line could not be cleared in place.
    func setStatus(_ text: String?) {
        guard interactive else { return }
        let fitted = text.map { Styler.truncate(redacted($0), toWidth: max(10, (size?.columns ?? 80) - 1)) }
        status.withLock { current in
            current = fitted
            write(Self.clearLine + (fitted ?? ""), to: STDOUT_FILENO)
        }
    }

    /// The terminal's size when standard output is an interactive one (else `nil`).
    var size: (columns: Int, rows: Int)? {
        guard interactive else { return nil }
        var window = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0, window.ws_row > 0 else {
            return nil
        }
        return (Int(window.ws_col), Int(window.ws_row))
    }

    private func print(_ text: String, to fd: Int32) {
        status.withLock { current in
            guard let line = current, interactive else {
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
        Styler(color: forErrors ? colorErrors : colorOutput).apply(text, styles)
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

/// Styles text with ANSI colours, or leaves it plain: a value, so what is printed can be built and
/// tested without a terminal.
struct Styler: Sendable {
    var color: Bool

    /// `text` in `styles`, or `text` as it is when colours are off.
    func apply(_ text: String, _ styles: [Console.Style]) -> String {
        guard color, !styles.isEmpty, !text.isEmpty else { return text }
        return "\u{1B}[" + styles.map(\.rawValue).joined(separator: ";") + "m" + text + "\u{1B}[0m"
    }

    func callAsFunction(_ text: String, _ styles: Console.Style...) -> String { apply(text, styles) }

    /// Characters a terminal shows for `text`: escape sequences take no room.
    static func visibleWidth(_ text: String) -> Int {
        var width = 0
        var inEscape = false
        for scalar in text.unicodeScalars {
            if inEscape {
                if (0x40...0x7E).contains(scalar.value), scalar != "[" { inEscape = false }
            } else if scalar == "\u{1B}" {
                inEscape = true
            } else if scalar.properties.generalCategory != .nonspacingMark {
                width += 1
            }
        }
        return width
    }

    /// `text` cut to `width` visible characters, ending in `…`; escape sequences are kept whole and
    /// a cut line ends with a reset so no colour leaks into what follows.
    static func truncate(_ text: String, toWidth width: Int) -> String {
        guard visibleWidth(text) > width else { return text }
        var out = ""
        var shown = 0
        var inEscape = false
        var styled = false
        for scalar in text.unicodeScalars {
            if inEscape {
                out.unicodeScalars.append(scalar)
                if (0x40...0x7E).contains(scalar.value), scalar != "[" { inEscape = false }
            } else if scalar == "\u{1B}" {
                inEscape = true
                styled = true
                out.unicodeScalars.append(scalar)
            } else if shown < width - 1 {
                out.unicodeScalars.append(scalar)
                if scalar.properties.generalCategory != .nonspacingMark { shown += 1 }
            }
        }
        return out + "…" + (styled ? "\u{1B}[0m" : "")
    }
}
