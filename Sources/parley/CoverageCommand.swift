import ArgumentParser
import Foundation
import ParleyFlow
import ParleyResults
import ParleyRuntime

struct CoverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coverage",
        abstract: "Which of the agent's states, tools and intents a run exercised.",
        discussion: """
            Reads the actions the agent reported in each transcript of a run — the states it entered, \
            the tools it called, the dynamic behaviours (intents) it selected — and compares them with \
            what the agent has: `coverage: { states: [...], tools: [...], intents: [...] }` in \
            parley.yaml, or, for runs against the sandbox or `local` targets, their agent script. Each \
            item is counted in passing and in failing flow runs; items no run exercised come first, then \
            those only failing runs exercised. Items the agent used that nothing declares are listed \
            as undeclared. The result is also written to <run-dir>/coverage.json, which `parley report` \
            shows.

            Examples:
              parley coverage                              the latest run
              parley coverage runs/nightly --min 0.8       exit 1 unless 80% of declared items were exercised
              parley coverage runs/nightly --config staging.yaml

            Exit codes: 0 done (and at least --min) · 1 below --min · 2 not a readable run directory, \
            invalid parley.yaml, or --min with nothing declared.
            """
    )

    @Argument(help: ArgumentHelp("The run directory.", valueName: "run-dir"))
    var runDirectory: String = ".parley/runs/latest"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Exit 1 unless at least this share of the declared items was exercised: 0.8 or 80%.",
            valueName: "share"))
    var min: String?

    @OptionGroup var configuration: ConfigOptions

    var config: String? { configuration.config }
    var noColor: Bool { configuration.noColor }

    func validate() throws {
        if let min, Self.share(min) == nil {
            throw ValidationError("--min takes a share between 0 and 1 (0.8) or a percentage (80%)")
        }
    }

    /// The targets of a run's records, each once, in order.
    static func targets(of records: [ResultRecord]) -> [String] {
        records.map(\.target).reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }

    /// `0.8` or `80%`.
    static func share(_ text: String) -> Double? {
        let value = text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
        guard let value, (0...1).contains(value) else { return nil }
        return value
    }

    func run() throws {
        let console = Console(forceNoColor: noColor)
        let directory = RunDirectory(path: runDirectory)
        let records = try RunDirectoryInput.records(of: directory, console: console)
        let (loaded, diagnostics) = Workspace.load(configPath: config)
        guard let workspace = loaded else {
            DiagnosticPrinter(console: console).print(diagnostics)
            throw ExitCode(2)
        }
        let inventory = CoverageSetup.inventory(workspace: workspace, targets: Self.targets(of: records))
        let coverage = directory.coverage(records: records, inventory: inventory)
        CoveragePrinter(console: console).print(coverage, directory: runDirectory)
        do {
            try RunWriter.writeCoverage(coverage, to: runDirectory)
        } catch {
            console.err(console.style("warning:", .yellow, .bold, forErrors: true) + " \(error)")
        }
        guard let min, let minimum = Self.share(min) else { return }
        guard coverage.declared > 0 else {
            throw RunDirectoryInput.fail(
                "--min needs declared items: add `coverage:` to parley.yaml (states, tools, intents)",
                console: console, exitCode: 2)
        }
        if !coverage.meets(minimum) {
            console.out(
                console.style("below the minimum:", .red, .bold)
                    + " \(CoveragePrinter.percent(coverage.ratio ?? 0)) exercised; --min asks for "
                    + CoveragePrinter.percent(minimum))
            throw ExitCode(1)
        }
    }
}

/// Prints a run's coverage: per kind, the share exercised and every item, gaps first.
struct CoveragePrinter {
    let console: Console

    static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded(.down)))%" }

    func print(_ coverage: RunCoverage, directory: String) {
        var intro =
            "coverage of \(directory): \(coverage.runs) flow run\(coverage.runs == 1 ? "" : "s") "
            + "(\(coverage.passedRuns) passed)"
        if coverage.unreadable > 0 { intro += ", \(coverage.unreadable) without a readable transcript" }
        console.out(intro)
        console.out(
            coverage.inventory.map { "declared in \($0)" }
                ?? "nothing declared: listing what the agent did (add `coverage:` to parley.yaml)")
        for kind in coverage.kinds {
            var head = console.style(kind.kind.rawValue, .bold)
            if kind.declared > 0 {
                head +=
                    "  \(kind.exercised)/\(kind.declared) exercised "
                    + "(\(Self.percent(Double(kind.exercised) / Double(kind.declared))))"
            } else if kind.items.isEmpty {
                head += "  none declared, none seen"
            }
            console.out(head)
            let width = Swift.min(36, kind.items.map(\.name.count).max() ?? 0)
            for item in kind.items {
                let name =
                    item.name.count < width
                    ? item.name + String(repeating: " ", count: width - item.name.count) : item.name
                let mark: String
                if !item.exercised {
                    mark = console.style("never    ", .red, .bold)
                } else if item.passedRuns == 0 {
                    mark = console.style("failing  ", .yellow, .bold)
                } else {
                    mark = console.style("ok       ", .green)
                }
                var line = "  \(mark)\(name)  \(item.passedRuns) passing · \(item.failingRuns) failing"
                if !item.declared { line += console.style("  (undeclared)", .dim) }
                console.out(line)
            }
        }
        if let ratio = coverage.ratio {
            console.out(
                "overall: \(coverage.exercised)/\(coverage.declared) declared items exercised (\(Self.percent(ratio)))")
        }
    }
}
