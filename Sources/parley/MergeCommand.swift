import ArgumentParser
import ParleyReports
import ParleyResults

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine run directories (such as the shards of one run) into one.",
        discussion: """
            Writes a new run directory holding every flow run of the inputs: results.jsonl, the \
            transcripts, and a summary.json counted over all of them. A flow run that appears in two \
            inputs identically is kept once; the same flow-run id with different content is refused and \
            nothing is written. The merged directory works with report and diff like any run.

            Examples:
              parley merge shard-1/ shard-2/ shard-3/ --out nightly/
              parley merge a/ b/ --out merged/ --junit junit.xml --html report.html

            Exit codes: 0 merged · 2 an input cannot be read, two inputs disagree about a flow run, or \
            --out already holds a run (nothing written) · 3 the output could not be written.
            """
    )

    @Argument(help: ArgumentHelp("Run directories to combine.", valueName: "run-dir"))
    var directories: [String]

    @Option(
        name: .shortAndLong, help: ArgumentHelp("The new run directory (must not hold a run yet).", valueName: "dir"))
    var out: String

    @Option(name: .long, help: ArgumentHelp("Also write JUnit XML of the merged run here.", valueName: "file"))
    var junit: String?

    @Option(name: .long, help: ArgumentHelp("Also write the merged run's HTML report here.", valueName: "file"))
    var html: String?

    @Flag(name: .long, help: "Never colour the output (also: NO_COLOR=1).")
    var noColor = false

    func run() throws {
        let console = Console(forceNoColor: noColor)
        do {
            for (option, path) in [("--junit", junit), ("--html", html)] {
                if let path { try OutputFile.prepare(path, for: option) }
            }
        } catch {
            throw RunDirectoryInput.fail(error.description, console: console, exitCode: 3)
        }
        let merge: RunMerge
        do {
            merge = try RunMerge.plan(directories: directories)
            try merge.write(to: out)
        } catch {
            throw RunDirectoryInput.fail(error.message, console: console, exitCode: error.kind == .unwritable ? 3 : 2)
        }
        do {
            if let junit {
                try RunWriter.writeAtomically(
                    path: junit, bytes: Array(JUnitReport.xml(records: merge.records, summary: merge.summary).utf8))
            }
            if let html {
                let page = try HTMLReport.render(directory: RunDirectory(path: out))
                try RunWriter.writeAtomically(path: html, bytes: Array(page.utf8))
            }
        } catch {
            throw RunDirectoryInput.fail(error.description, console: console, exitCode: 3)
        }
        var line =
            "merged \(merge.records.count) flow run\(merge.records.count == 1 ? "" : "s") from \(directories.count) "
            + "run director\(directories.count == 1 ? "y" : "ies")"
        if merge.duplicates > 0 {
            line += " (\(merge.duplicates) identical duplicate\(merge.duplicates == 1 ? "" : "s") kept once)"
        }
        console.out(line)
        ResultPrinter(console: console, verbose: false).printSummary(
            merge.summary, records: merge.records, directory: out, junit: junit, html: html)
    }
}
