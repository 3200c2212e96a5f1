import Foundation
import ParleyFlow

/// Prints diagnostics the way compilers do: location, severity, message, the line, a caret.
struct DiagnosticPrinter {
    let console: Console

    func print(_ diagnostics: [Diagnostic]) {
        for diagnostic in diagnostics {
            console.err(render(diagnostic))
        }
        let errors = diagnostics.count { $0.severity == .error }
        if errors > 0 {
            console.err(
                console.style("\(errors) error\(errors == 1 ? "" : "s"); nothing was run", .bold, forErrors: true))
        }
    }

    func render(_ d: Diagnostic) -> String {
        let severity: String
        switch d.severity {
        case .error: severity = console.style("error:", .red, .bold, forErrors: true)
        case .warning: severity = console.style("warning:", .yellow, .bold, forErrors: true)
        case .note: severity = console.style("note:", .bold, forErrors: true)
        }
        var out = console.style("\(d.location):", .bold, forErrors: true) + " \(severity) \(d.message)"
        guard let line = d.sourceLine ?? Self.line(d.location.line, of: d.location.file) else { return out }
        let number = String(d.location.line)
        let gutter = String(repeating: " ", count: number.count)
        // Keep tabs in the padding so the caret lands under the right character.
        let padding = String(line.prefix(max(0, d.location.column - 1)).map { $0 == "\t" ? "\t" : " " })
        out += "\n \(number) | \(line)\n \(gutter) | \(padding)" + console.style("^", .green, .bold, forErrors: true)
        return out
    }

    /// Reads one line of a file for diagnostics made after loading (target checks).
    static func line(_ number: Int, of file: String) -> String? {
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        // Lines as the loader counts them, on bytes (a String splits "\r\n" as one Character).
        let sink = DiagnosticSink()
        sink.register(file: file, bytes: [UInt8](data))
        return sink.lineText(file: file, line: number)
    }
}
