import ArgumentParser
import Foundation
import ParleyCore
import ParleyProviders

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run flows and record pass/fail transcripts.",
        discussion: """
        Runs every flow under the given paths (default: flows/) against a target. Without a \
        parley.yaml and without --target, flows run against the built-in demo agent.

        Each run writes a directory (default .parley/runs/<run-id>/, also reachable as \
        .parley/runs/latest): results.jsonl (one line per finished flow run, written as it finishes), \
        transcripts/<flow>--<persona>--<n>.json, and summary.json; --junit and --html add JUnit XML and \
        a self-contained HTML report.

        Examples:
          parley run                                  flows/ against the built-in demo agent
          parley run flows/refund.yaml -v             one flow, printing every step and turn
          parley run --target staging --junit out/junit.xml
          parley run --filter regression --filter 'refund*' --concurrency 20
          parley run --repeat 5 --seed 42             five runs of each flow, reproducible choices
          parley run --repeat 3 --html report.html    flaky flows, transcripts

        Exit codes: 0 all passed · 1 a flow failed · 2 invalid input, nothing ran · \
        3 could not run (unreachable, credentials refused, errors without failures).
        """
    )

    @OptionGroup var project: ProjectOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("The run directory. Default: .parley/runs/<run-id>", valueName: "dir"))
    var out: String?

    @Option(name: .long, help: ArgumentHelp("Also write JUnit XML here (Jenkins, GitLab, GitHub).", valueName: "file"))
    var junit: String?

    @Option(name: .long, help: ArgumentHelp("Also write a self-contained HTML report here (parley report makes one later).", valueName: "file"))
    var html: String?

    @Option(name: .long, help: ArgumentHelp("Run only flows whose name matches (globs: refund*), that have this label, or that set a conversation tag (tag:key=value). Repeatable.", valueName: "filter"))
    var filter: [String] = []

    @Option(name: [.customShort("j"), .long], help: ArgumentHelp("Flow runs at once. Default: parley.yaml's concurrency, else 4.", valueName: "n"))
    var concurrency: Int?

    @Option(name: .long, help: ArgumentHelp("Run each flow this many times.", valueName: "n"))
    var `repeat`: Int = 1

    @Option(name: .long, help: ArgumentHelp("Seed for random choices (pick: random). Default: a new seed, printed so a run can be reproduced.", valueName: "n"))
    var seed: UInt64?

    @Flag(name: .long, help: "Stop starting flow runs after the first that does not pass.")
    var failFast = false

    @Flag(name: .long, help: "Leave out (and list) flows the target cannot run, instead of refusing the run.")
    var skipUnsupported = false

    @Flag(name: .shortAndLong, help: "Print every step and turn of each flow run.")
    var verbose = false

    func validate() throws {
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        if `repeat` < 1 { throw ValidationError("--repeat must be at least 1") }
    }

    func run() async throws {
        let console = Console(forceNoColor: project.noColor)
        let seed = self.seed ?? UInt64.random(in: 0..<1_000_000)
        let options = PlanOptions(filters: filter, repeatCount: `repeat`, seed: seed, skipUnsupported: skipUnsupported)
        let loaded = try project.load(console: console, planOptions: options)
        let plan = loaded.plan
        for warning in plan.warnings { console.err(console.style("warning:", .yellow, .bold, forErrors: true) + " \(warning)") }
        for (flow, reason) in plan.skipped { console.out(console.style("SKIP ", .dim) + " \(flow): \(reason)") }
        guard !plan.requests.isEmpty else {
            console.err("no flow runs selected" + (filter.isEmpty ? "" : " by --filter \(filter.joined(separator: " "))"))
            throw ExitCode(2)
        }

        let runID = RunWriter.makeRunID()
        let directory = out ?? ".parley/runs/\(runID)"
        let writer: RunWriter
        do {
            writer = try RunWriter(directory: directory, secrets: plan.secrets)
        } catch {
            console.err(console.style("error:", .red, .bold, forErrors: true) + " \(error)")
            throw ExitCode(3)
        }
        if out == nil { RunDirectoryLink.pointLatest(at: runID, in: ".parley/runs") }

        let session: RunSession
        do {
            session = try await RunSession.start(plan: plan, workspace: loaded.workspace)
        } catch {
            console.err(console.style("error:", .red, .bold, forErrors: true) + " could not start: \(error.message)")
            throw ExitCode(3)
        }
        let targets = Set(plan.requests.map(\.targetName)).sorted().joined(separator: ", ")
        let width = concurrency ?? loaded.workspace.config.concurrency ?? 4
        let printer = ResultPrinter(console: console, verbose: verbose, secrets: plan.secrets)
        console.out("Running \(plan.requests.count) flow run\(plan.requests.count == 1 ? "" : "s") against \(targets) "
            + "(concurrency \(width), seed \(seed))")

        let startedAt = Date()
        let coordinator = RunCoordinator(concurrency: width, failFast: failFast)
        let records = await coordinator.run(plan.requests, interpreter: { session.interpreter(for: $0) }, writer: writer,
                                            onEvent: { printer.handle($0) })
        await session.shutdown()

        // The records in memory are as the run produced them; what leaves the process is redacted,
        // like the run directory itself.
        let redactor = SecretRedactor(secrets: plan.secrets)
        let summary = RunSummary(runId: runID, startedAt: startedAt, finishedAt: Date(), records: records, planned: plan.requests.count)
        do {
            try writer.writeSummary(summary)
            if let junit {
                try RunWriter.writeAtomically(path: junit, bytes: redactor.redact(Array(JUnitReport.xml(records: records).utf8)))
            }
        } catch {
            console.err(console.style("error:", .red, .bold, forErrors: true) + " \(error)")
        }
        var report: String?
        if let html {
            // Records and transcripts are read back from the run directory (already redacted, and
            // transcripts one at a time) rather than taken from memory.
            let run = RunDirectory(path: directory)
            let written = (try? run.records()) ?? records
            let page = HTMLReport.render(summary: summary, records: written) { try run.transcript(for: $0) }
            do {
                try RunWriter.writeAtomically(path: html, bytes: redactor.redact(Array(page.utf8)))
                report = html
            } catch {
                console.err(console.style("error:", .red, .bold, forErrors: true) + " \(error)")
            }
        }
        printer.printSummary(summary, directory: directory, junit: junit, html: report)
        if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
    }
}

/// Keeps `.parley/runs/latest` pointing at the newest run directory.
enum RunDirectoryLink {
    static func pointLatest(at runID: String, in parent: String) {
        let link = (parent as NSString).appendingPathComponent("latest")
        try? FileManager.default.removeItem(atPath: link)
        try? FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: runID)
    }
}
