import ArgumentParser
import Foundation
import ParleyResults
import ParleyRun

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Read a flow run's transcript as a conversation, or list the runs that did not pass.",
        discussion: """
            With a run directory only (default: the latest run, .parley/runs/latest), lists its flow runs \
            that failed or ended in an error, each with where and why, and the argument that picks it.

            With a flow run as well, prints its transcript as a conversation: who said what (simulated \
            turns marked `sim. user`), each step's result after the turns it produced or checked with its \
            location, the failing step highlighted with what was expected, reply latencies, events and \
            actions the agent reported, and the conversation's tags. A flow run is picked by its flow's \
            name (its first run that did not pass, else its first run), FLOW#N for repetition N, \
            'FLOW [PERSONA] #N' as the run's output names it, or its id (refund--dana--2).

            Colours only on a terminal, never with NO_COLOR or --no-color; long lines wrap to the \
            terminal's width, and a pipe gets each line as written.

            Examples:
              parley show                                  the latest run's failing runs
              parley show .parley/runs/nightly --all       every flow run of another run
              parley show .parley/runs/latest refund       refund's first failing run
              parley show .parley/runs/latest refund#3     its third repetition
              parley show .parley/runs/latest 'refund [Dana] #2'
              parley show refund                           a flow of the latest run
              parley show out/transcripts/refund--dana--2.json
              parley show .parley/runs/latest refund | less -R

            Exit codes: 0 shown · 2 no such run directory, flow run or transcript.
            """
    )

    @Argument(
        help: ArgumentHelp(
            "A run directory (default: .parley/runs/latest) or a transcript file.", valueName: "run-dir"))
    var runDirectory: String?

    @Argument(
        help: ArgumentHelp(
            "The flow run: FLOW, FLOW#N, 'FLOW [PERSONA] #N' or its id. Without it, the runs that did not pass "
                + "are listed.",
            valueName: "flow"))
    var flowRun: String?

    @Flag(name: .long, help: "List every flow run, not only those that did not pass.")
    var all = false

    @Flag(name: .long, help: "Never colour the output (also: NO_COLOR=1).")
    var noColor = false

    static let latest = ".parley/runs/latest"

    func run() throws {
        let console = Console(forceNoColor: noColor)
        let renderer = TranscriptRenderer(styler: console.styler, width: console.size?.columns)
        var directory = runDirectory ?? Self.latest
        var pick = flowRun
        if RunDirectory.isDirectory(directory) == false {
            if FileManager.default.fileExists(atPath: directory), pick == nil {
                // A transcript file, read on its own.
                do {
                    for line in renderer.lines(try RunDirectory.transcript(file: directory)) { console.out(line) }
                    return
                } catch {
                    throw RunDirectoryInput.fail(error.description, console: console, exitCode: 2)
                }
            }
            // `parley show FLOW`: a flow of the latest run (a path stays a path, reported missing).
            if let only = runDirectory, pick == nil, !only.contains("/"), RunDirectory.isDirectory(Self.latest) {
                pick = only
                directory = Self.latest
            }
        }
        let run = RunDirectory(path: directory)
        let records = try RunDirectoryInput.records(of: run, console: console)
        guard let pick else {
            let listing = RunListing(styler: console.styler, all: all, width: console.size?.columns)
            for line in listing.lines(records: records, summary: run.summary(records: records), directory: directory) {
                console.out(line)
            }
            return
        }
        let wanted = RunPick(parsing: pick)
        guard let (record, others) = wanted.select(from: records) else {
            throw RunDirectoryInput.fail(
                wanted.notFound(in: records, directory: directory), console: console, exitCode: 2)
        }
        let result: FlowRunResult
        do {
            result = try run.transcript(for: record)
        } catch {
            throw RunDirectoryInput.fail(error.description, console: console, exitCode: 2)
        }
        let path = (try? run.transcriptPath(for: record)) ?? record.transcript
        for line in renderer.lines(result, transcript: path) { console.out(line) }
        if !others.isEmpty {
            let failing = others.count { $0.outcome != .passed }
            let hint =
                "\(others.count) other run\(others.count == 1 ? "" : "s") of \(record.flow) match"
                + (failing > 0 ? " (\(failing) did not pass)" : "") + "; pick one with FLOW#N or "
                + "'FLOW [PERSONA] #N', list them with `parley show \(RunPick.quoted(directory)) --all`"
            for line in TerminalText.wrap(hint, width: console.size?.columns) { console.out(console.style(line, .dim)) }
        }
    }
}
