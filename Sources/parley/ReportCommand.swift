import ArgumentParser
import Foundation
import ParleyReports
import ParleyResults
import ParleyRuntime

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report of a run directory.",
        discussion: """
            One HTML file, nothing to install or fetch: counts and pass rate, per-flow pass rates and \
            flaky flows, a chart of reply latency (p50, p90, p99) by turn, and every flow run, failures \
            first, with the flow location, the expectation and what the agent said. Open a run to read its \
            transcript as a chat, steps and their results in place. Filter by outcome, label or \
            conversation tag, or search.

            Examples:
              parley report                           the latest run, into its report.html
              parley report runs/nightly --out nightly.html --title "Nightly"
              parley run --repeat 3 --html r.html     the same report, at the end of a run

            Exit codes: 0 report written · 2 not a readable run directory · 3 the report could not be written.
            """
    )

    @Argument(help: ArgumentHelp("The run directory.", valueName: "run-dir"))
    var runDirectory: String = ".parley/runs/latest"

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("Where to write the report. Default: <run-dir>/report.html", valueName: "file"))
    var out: String?

    @Option(name: .long, help: ArgumentHelp("The report's heading. Default: Parley run", valueName: "text"))
    var title: String?

    @Flag(name: .long, help: "Never colour the output (also: NO_COLOR=1).")
    var noColor = false

    func run() throws {
        let console = Console(forceNoColor: noColor)
        let directory = RunDirectory(path: runDirectory)
        let records = try RunDirectoryInput.records(of: directory, console: console)
        let summary = directory.summary(records: records)
        let coverage = coverage(directory, records: records)
        let page = HTMLReport.render(summary: summary, records: records, title: title, coverage: coverage) {
            try directory.transcript(for: $0)
        }
        let path = out ?? (runDirectory as NSString).appendingPathComponent("report.html")
        do {
            try OutputFile.prepare(path, for: "the report")
            try RunWriter.writeAtomically(path: path, bytes: Array(page.utf8))
        } catch {
            throw RunDirectoryInput.fail(error.description, console: console, exitCode: 3)
        }
        ResultPrinter(console: console, verbose: false).printSummary(
            summary, records: records, directory: runDirectory, junit: nil, html: path, coverage: coverage)
    }

    /// The run's `coverage.json`; else coverage against the current project's inventory, when it has
    /// one (parley.yaml's `coverage:`, or a sandbox target's agent script).
    private func coverage(_ directory: RunDirectory, records: [ResultRecord]) -> RunCoverage? {
        if let stored = directory.storedCoverage() { return stored }
        guard let workspace = Workspace.load(configPath: nil).0,
            let inventory = CoverageSetup.inventory(workspace: workspace, targets: CoverageCommand.targets(of: records))
        else { return nil }
        return directory.coverage(records: records, inventory: inventory)
    }
}
