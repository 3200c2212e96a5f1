import Foundation

/// Opens a page in headless Chromium (Debian's chromium-headless-shell, which scripts/setup.sh
/// installs) and returns the document after its scripts ran, and what the page logged to its
/// console — script errors and Content-Security-Policy violations among it.
public enum HeadlessBrowser {
    public struct Page: Sendable {
        /// The DOM as serialised after load.
        public var dom: String
        /// Console messages (errors, CSP violations, logs).
        public var console: [String]
    }

    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "chromium-headless-shell (or chromium) is not installed; scripts/setup.sh installs it"
        }
    }

    static var executable: String? {
        ["/usr/bin/chromium-headless-shell", "/usr/bin/chromium", "/usr/lib/chromium/chromium-headless-shell"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Loads `html` (written to a temporary file) in the browser.
    public static func load(html: String) async throws -> Page {
        guard let executable else { throw Missing() }
        let folder = RunFixtures.temporaryPath("browser")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let file = folder + "/page.html"
        try html.write(toFile: file, atomically: true, encoding: .utf8)
        let output = try await ChildProcess.run(
            executable,
            [
                // Root (CI) cannot use Chromium's sandbox; the page is our own, from a local file.
                "--no-sandbox", "--disable-gpu", "--user-data-dir=\(folder)/profile", "--enable-logging=stderr",
                "--v=0", "--virtual-time-budget=2000", "--dump-dom", URL(fileURLWithPath: file).absoluteString,
            ], timeout: 120)
        let console = output.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
        return Page(dom: output.stdout, console: console)
    }
}
