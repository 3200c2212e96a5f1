import ArgumentParser
import Foundation
import ParleyFlow
import ParleyJudging
import ParleyProviders
import ParleyResults
import ParleyRun
import ParleyRuntime

struct RejudgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rejudge",
        abstract: "Grade a run's saved transcripts again, without talking to the agent.",
        discussion: """
            Each judge that graded the run grades again, on the turns it saw then, with the flow's current \
            criteria (the flow files are read again; criteria saved in the transcript are used when a file is \
            gone) — or with another judge (--judge). A flow's closing judge that never ran, because it is new \
            or its judge could not be reached, grades the whole conversation. Outcomes are decided as in a \
            run: a failure before any judge stands; otherwise the first judge that fails decides. A run that \
            stopped at a judge before its other steps ran is kept as it was.

            The result is a new run directory (default .parley/runs/<run-id>-rejudged) that parley diff can \
            compare with the original. Verdicts come from the cache when the conversation, criteria and judge \
            are unchanged; --no-cache asks again.

            Examples:
              parley rejudge .parley/runs/latest
              parley rejudge runs/nightly --judge gpt-judge --out runs/nightly-gpt
              parley diff runs/nightly runs/nightly-gpt

            Exit codes: as parley run — 0 all passed · 1 a flow failed · 2 invalid input · \
            3 errors without failures.
            """
    )

    @Argument(help: ArgumentHelp("The run directory to grade again.", valueName: "run-dir"))
    var runDirectory: String = ".parley/runs/latest"

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("The new run directory. Default: .parley/runs/<run-id>-rejudged", valueName: "dir"))
    var out: String?

    @OptionGroup var options: JudgingOptions

    func run() async throws {
        let console = Console(forceNoColor: options.noColor)
        let printer = DiagnosticPrinter(console: console)
        let source = RunDirectory(path: runDirectory)
        let records = try RunDirectoryInput.records(of: source, console: console)
        let (loadedWorkspace, configDiagnostics) = Workspace.load(configPath: options.config)
        guard let workspace = loadedWorkspace else {
            printer.print(configDiagnostics)
            throw ExitCode(2)
        }
        var transcripts: [FlowRunResult] = []
        for record in records {
            do {
                transcripts.append(try source.transcript(for: record))
            } catch {
                throw RunDirectoryInput.fail(error.description, console: console, exitCode: 2)
            }
        }
        // The flows as they are now, by name; a flow whose file no longer loads keeps its saved criteria.
        let files = Array(Set(records.map(\.file))).sorted().filter { FileManager.default.fileExists(atPath: $0) }
        let loaded = FlowLoader(environment: workspace.environment).load(paths: files)
        let flows = Dictionary(loaded.flows.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var names = Set<String>()
        for transcript in transcripts {
            names.formUnion((transcript.judgments ?? []).map(\.judge))
            if let flow = flows[transcript.flow] {
                for spec in JudgeSelection.specs(of: flow) {
                    if let name = spec.judge ?? JudgeSelection.defaultJudge(workspace.config) { names.insert(name) }
                }
            }
        }
        if let judge = options.judge { names = [judge] }
        let setup = JudgeSetup.endpoints(named: names, workspace: workspace)
        if setup.diagnostics.hasErrors {
            printer.print(setup.diagnostics)
            throw ExitCode(2)
        }
        // Judges' credentials (and the configuration's) are kept out of everything printed and written.
        let secrets = SecretRegistry(setup.secrets.union(workspace.config.secrets))
        console.protect(with: secrets)
        let resources = ProviderResources(secrets: secrets)
        let panel: JudgePanel
        do {
            panel = try await RunSession.makeJudges(
                setup.endpoints, defaultName: options.judge ?? JudgeSelection.defaultJudge(workspace.config),
                resources: resources,
                judging: JudgeOptions(cache: options.noCache ? nil : .standard()))
        } catch {
            await resources.shutdown()
            throw RunDirectoryInput.fail("could not start: \(error.message)", console: console, exitCode: 3)
        }
        let runID = RunWriter.makeRunID() + "-rejudged"
        let directory = out ?? ".parley/runs/\(runID)"
        let writer: RunWriter
        do {
            writer = try RunWriter(directory: directory, secrets: secrets)
            if var metadata = try? RunMetadata.read(from: runDirectory) {
                metadata.runId = runID
                try metadata.write(to: directory)
            }
        } catch {
            await resources.shutdown()
            throw RunDirectoryInput.fail(error.description, console: console, exitCode: 3)
        }
        let startedAt = Date()
        console.out(
            "Grading \(transcripts.count) transcript\(transcripts.count == 1 ? "" : "s") of \(runDirectory) again")
        let resultPrinter = ResultPrinter(console: console, verbose: false)
        var written: [ResultRecord] = []
        for transcript in transcripts {
            let graded = await Rejudge.regrade(
                transcript, flow: flows[transcript.flow], judge: options.judge, judges: panel
            ).redacted(by: secrets.redactor)
            do {
                written.append(try writer.record(graded))
            } catch {
                console.err(console.style("error:", .red, .bold, forErrors: true) + " \(error)")
            }
            if graded.outcome != transcript.outcome {
                console.out(
                    "\(transcript.id): \(transcript.outcome.rawValue) → \(graded.outcome.rawValue)"
                        + (graded.failure.map { " — \($0.message)" } ?? ""))
            }
        }
        await resources.shutdown()
        // Graded again the way the run was summarised: the same k, gate and minimum pass rates.
        let original = RunDirectory(path: runDirectory)
        let summary = RunSummary(
            runId: runID, startedAt: startedAt, finishedAt: Date(), records: written,
            options: original.summary(records: (try? original.records()) ?? []).options)
        do {
            try writer.writeSummary(summary)
        } catch {
            console.err(console.style("error:", .red, .bold, forErrors: true) + " \(error)")
        }
        resultPrinter.printSummary(summary, records: written, directory: directory, junit: nil, html: nil)
        console.out("compare: parley diff \(runDirectory) \(directory)")
        let code = summary.exitCode
        if code != 0 { throw ExitCode(code) }
    }
}
