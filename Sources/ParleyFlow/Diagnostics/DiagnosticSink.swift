/// Collects diagnostics while input is being read, attaching the source line to each one.
///
/// Readers report every problem they find and carry on, so a user sees all the errors of a file
/// at once rather than one per attempt.
public final class DiagnosticSink {
    public private(set) var diagnostics: [Diagnostic] = []
    private var sources: [String: [Substring]] = [:]

    public init() {}

    /// Remembers a file's text so diagnostics pointing into it can show the offending line.
    public func register(file: String, text: String) {
        sources[file] = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The text of one line of a registered file, if known.
    public func lineText(file: String, line: Int) -> String? {
        guard let lines = sources[file], line >= 1, line <= lines.count else { return nil }
        var text = String(lines[line - 1])
        if text.hasSuffix("\r") { text.removeLast() }
        return text
    }

    public func error(_ message: String, at location: SourceLocation) {
        add(Diagnostic(.error, at: location, message))
    }

    public func warning(_ message: String, at location: SourceLocation) {
        add(Diagnostic(.warning, at: location, message))
    }

    public func add(_ diagnostic: Diagnostic) {
        var d = diagnostic
        if d.sourceLine == nil {
            d.sourceLine = lineText(file: d.location.file, line: d.location.line)
        }
        diagnostics.append(d)
    }

    public func add(_ error: YAMLError) {
        add(Diagnostic(.error, at: error.location, error.message))
    }

    public var hasErrors: Bool { diagnostics.hasErrors }

    /// Diagnostics in file order, each reported once.
    public var sorted: [Diagnostic] {
        var seen = Set<Diagnostic>()
        return
            diagnostics
            .filter { seen.insert($0).inserted }
            .sorted {
                ($0.location.file, $0.location.line, $0.location.column) < (
                    $1.location.file, $1.location.line, $1.location.column
                )
            }
    }
}
