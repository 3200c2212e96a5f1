import Foundation

/// Runs a program on a pseudo-terminal of a given size, as a person at a terminal would, and
/// returns everything it wrote there: for testing what a command does when `isatty` is true
/// (colours, the live progress line, wrapping), which pipes never show.
///
/// Python's `os.openpty` does the terminal work; the window size is set before the program
/// starts, so its first look at the terminal sees it.
public enum PseudoTerminal {
    public struct Output: Sendable {
        public var status: Int32
        /// What the terminal received, standard output and error together, with the terminal's
        /// `\r\n` line ends made `\n` (a lone `\r`, as a progress line uses, is kept).
        public var text: String
    }

    static let script = """
        import fcntl, os, struct, sys, termios
        columns, rows, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        pid = os.fork()
        if pid == 0:
            os.setsid()
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
            for fd in (0, 1, 2):
                os.dup2(slave, fd)
            os.close(master)
            os.close(slave)
            os.execv(argv[0], argv)
        os.close(slave)
        out = bytearray()
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            out += data
        _, status = os.waitpid(pid, 0)
        sys.stdout.buffer.write(bytes(out))
        sys.stdout.flush()
        sys.exit(os.waitstatus_to_exitcode(status))
        """

    /// Runs `executable` on a terminal of `columns` × `rows` in `directory` with `environment`.
    public static func run(
        _ executable: String, _ arguments: [String], in directory: String? = nil, environment: [String: String],
        columns: Int = 100, rows: Int = 30, timeout: TimeInterval = 180
    ) async throws -> Output {
        let result = try await ChildProcess.run(
            "/usr/bin/env", ["python3", "-c", script, String(columns), String(rows), executable] + arguments,
            in: directory, environment: environment, timeout: timeout)
        return Output(status: result.status, text: result.stdout.replacingOccurrences(of: "\r\n", with: "\n"))
    }

    /// True when `text` holds a colour or other SGR escape (`ESC [ … m`); the progress line's cursor
    /// and erase sequences do not count.
    public static func hasColour(_ text: String) -> Bool {
        text.range(of: "\u{1B}\\[[0-9;]*m", options: .regularExpression) != nil
    }
}
