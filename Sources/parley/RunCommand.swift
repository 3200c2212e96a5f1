import ArgumentParser
import Foundation
import ParleyFlow
import ParleyHTTP
import ParleyHistory
import ParleyJudging
import ParleyProviders
import ParleyReports
import ParleyResults
import ParleyRun
import ParleyRuntime

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run flows and record pass/fail transcripts.",
        discussion: """
            Runs every flow under the given paths (default: flows/) against a target. Without a \
            parley.yaml and without --target, flows run against the built-in demo agent.

            Each run writes a directory (default .parley/runs/<run-id>/, also reachable as \
            .parley/runs/latest): results.jsonl (one line per finished flow run, written as it finishes), \
            transcripts/<flow>--<persona>--<n>.json, summary.json, and coverage.json when the agent's states \
            and tools are known (parley.yaml's coverage:, or the sandbox's script); --junit and --html add \
            JUnit XML and a self-contained HTML report. A flow with scenarios: runs once per persona and \
            scenario, one with cases: once per row of its table.

            Examples:
              parley run                                  flows/ against the built-in demo agent
              parley run flows/refund.yaml -v             one flow, printing every step and turn
              parley run --repeat 20 --compact            failures in full, passes counted
              parley show                                 the latest run's failing runs
              parley run --target staging --junit out/junit.xml
              parley run --filter regression --filter 'refund*' --concurrency 20
              parley run flows/matrix --filter 'persona:Sam*' --filter scenario:damaged-item
              parley run --repeat 5 --seed 42             five runs of each flow, reproducible choices
              parley run --repeat 10 --min-pass-rate 0.9  pass if every flow passes at least 9 runs in 10
              parley run --repeat 20 --k 5 --gate lower-bound --min-pass-rate 0.8
                                                          pass@5, pass^5; pass only if the 95% interval clears 80%
              parley run --baseline .parley/runs/nightly  compare with last night's run; exit 1 on a regression
              parley run --shard 2/4 --out shard-2        the second of four slices (merge them with parley merge)
              parley run --resume .parley/runs/latest     finish a run that was interrupted or crashed
              parley run --repeat 3 --html report.html    flaky flows, transcripts
              parley run --no-cache flows/judged.yaml     ask the judges again instead of reusing verdicts

            Judges' verdicts are cached under .parley/cache/judge/ by the conversation's content, the \
            criteria, the judge model and its settings: an unchanged conversation costs no judge call. \
            --no-cache asks again (and stores nothing).

            On a terminal, each flow run that fails or ends in an error is printed in full the moment it \
            finishes; passing runs get a line each while the run fits on the screen, and beyond that (or \
            with --compact) they are counted on the live progress line instead. Off a terminal (CI logs) \
            every flow run gets one line, in a stable format; --compact keeps failures and errors and adds \
            a progress line every tenth of the run. --verbose prints every turn and step. The closing \
            summary groups the flows that did not pass (with counts over --repeat runs) and names the \
            flaky ones; `parley show` reads any of them as a conversation.

            Ctrl-C stops starting flow runs, ends the open conversations on the provider, writes the \
            summary and exits 130; `--resume` then runs only what is missing, with the settings the run \
            started with (concurrency, --fail-fast, --junit, --html, --min-pass-rate, --k, --gate, \
            --baseline, --alpha), unless given again.

            Folders named by --out, --junit and --html are created; if one cannot be written the run \
            stops before it starts. Secrets (credentials, ${env.NAME} values, tokens obtained during the \
            run) are [redacted] in everything printed and written.

            With --repeat, each flow's summary shows its pass rate with a 95% Wilson interval, pass@k (the \
            chance that at least one of k attempts passes) and pass^k (that all k pass). A flow's \
            `min_pass_rate:` (or --min-pass-rate for flows without one) lets it pass when enough of its runs \
            pass; --gate lower-bound asks the interval's lower bound to reach it instead of the pass rate.

            Every run is recorded in the history (.parley/history.sqlite, or --history / parley.yaml's \
            `history:`); see `parley history`. Token usage reported by OpenAI-compatible endpoints is \
            recorded per flow run and priced by parley.yaml's `pricing:`; once `budget:` is spent no \
            further flow run starts, and the run exits 3 with everything finished kept.

            Exit codes: 0 all passed · 1 a flow failed, or regressed against --baseline · 2 invalid input, \
            nothing ran · 3 could not run (unreachable, credentials refused, errors without failures, an \
            output that cannot be written) or the budget was spent · 130 interrupted.
            """
    )

    @OptionGroup var project: ProjectOptions

    @Option(
        name: .shortAndLong, help: ArgumentHelp("The run directory. Default: .parley/runs/<run-id>", valueName: "dir"))
    var out: String?

    @Option(name: .long, help: ArgumentHelp("Also write JUnit XML here (Jenkins, GitLab, GitHub).", valueName: "file"))
    var junit: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also write a self-contained HTML report here (parley report makes one later).", valueName: "file"))
    var html: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Run only flows whose name matches (globs: refund*), that have this label, or that set a conversation "
                + "tag (tag:key=value); persona:NAME, scenario:NAME and case:NAME run a slice of a matrix or table. "
                + "Repeatable.",
            valueName: "filter"))
    var filter: [String] = []

    @Option(
        name: [.customShort("j"), .long],
        help: ArgumentHelp("Flow runs at once. Default: parley.yaml's concurrency, else 4.", valueName: "n"))
    var concurrency: Int?

    @Option(name: .long, help: ArgumentHelp("Run each flow this many times.", valueName: "n"))
    var `repeat`: Int = 1

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Seed for random choices (pick: random). Default: a new seed, printed so a run can be reproduced.",
            valueName: "n"))
    var seed: UInt64?

    @Flag(name: .long, help: "Stop starting flow runs after the first that does not pass.")
    var failFast = false

    @Flag(name: .long, help: "Leave out (and list) flows the target cannot run, instead of refusing the run.")
    var skipUnsupported = false

    @Flag(name: .shortAndLong, help: "Print every step and turn of each flow run, one block per run.")
    var verbose = false

    @Flag(name: .long, help: "Ask judges for fresh verdicts instead of reusing cached ones (.parley/cache/judge).")
    var noCache = false

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Print only failures and errors (in full) and progress: on a terminal passing runs are counted on the "
                + "progress line (the default once there are more flow runs than rows); in a log, a progress line "
                + "every tenth of the run."))
    var compact = false

    @Option(
        name: .long,
        help: ArgumentHelp("Run only slice I of N (1-based), e.g. 2/4: deterministic and balanced.", valueName: "I/N"))
    var shard: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Finish the run in this directory: run only the flow runs it has no result for, with the options it was "
                + "started with (run.json), unless given again.",
            valueName: "dir"))
    var resume: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Pass when every flow's pass rate (over --repeat runs) is at least R, e.g. 0.9; a flow's own "
                + "min_pass_rate: wins.",
            valueName: "R"))
    var minPassRate: Double?

    @Option(
        name: .long,
        help: ArgumentHelp("The k of pass@k and pass^k. Default: --repeat.", valueName: "k"))
    var k: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "What min_pass_rate is compared with: point (the pass rate) or lower-bound (its 95% interval's lower "
                + "bound). Default: point.",
            valueName: "gate"))
    var gate: PassGate?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Compare the finished run with this run directory, as parley diff does; exit 1 on a regression.",
            valueName: "dir"))
    var baseline: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "With --baseline: the significance level of pass-rate changes of repeated flows. Default: 0.05.",
            valueName: "p"))
    var alpha: Double?

    static let defaultAlpha = 0.05

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Record the run in this history: a SQLite file or postgres://…. Default: parley.yaml's history.url, else "
                + ".parley/history.sqlite.",
            valueName: "location"))
    var history: String?

    @Flag(name: .long, help: "Do not record the run in the history.")
    var noHistory = false

    func validate() throws {
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        if `repeat` < 1 { throw ValidationError("--repeat must be at least 1") }
        if let shard, Shard(parsing: shard) == nil {
            throw ValidationError("--shard takes I/N with 1 ≤ I ≤ N, e.g. 2/4")
        }
        if verbose && compact { throw ValidationError("--verbose prints every run in full; leave out --compact") }
        if let minPassRate, !(0...1).contains(minPassRate) {
            throw ValidationError("--min-pass-rate is between 0 and 1, e.g. 0.9")
        }
        if let k, k < 1 || (resume == nil && k > `repeat`) {
            throw ValidationError("--k is between 1 and --repeat (\(`repeat`)): pass@k needs k runs of each flow")
        }
        if let alpha, !(alpha > 0 && alpha < 1) { throw ValidationError("--alpha is between 0 and 1, e.g. 0.05") }
        if history != nil && noHistory { throw ValidationError("use either --history or --no-history") }
        if resume != nil,
            !project.paths.isEmpty || shard != nil || !filter.isEmpty || seed != nil || `repeat` != 1 || out != nil
        {
            throw ValidationError(
                "--resume reruns the saved selection; leave out paths, --shard, --filter, --seed, --repeat and --out")
        }
    }

    func run() async throws {
        let console = Console(forceNoColor: project.noColor)
        let previous = try resumed(console: console)
        let startedAt = previous?.metadata.createdAt ?? Date()
        var project = self.project
        var options: PlanOptions
        var shard = self.shard.flatMap(Shard.init(parsing:))
        let runID: String
        let directory: String
        // Settings a resumed run takes from run.json unless the command line gives them again.
        var concurrency = self.concurrency
        var failFast = self.failFast
        var junit = self.junit
        var html = self.html
        var minPassRate = self.minPassRate
        var k = self.k
        var gate = self.gate
        var baseline = self.baseline
        var alpha = self.alpha
        if let metadata = previous?.metadata, let resume {
            project.paths = metadata.paths
            project.target = metadata.target
            project.config = metadata.config
            options = PlanOptions(
                filters: metadata.filters, repeatCount: metadata.repeatCount, seed: metadata.seed,
                skipUnsupported: metadata.skipUnsupported)
            shard = metadata.shard
            runID = metadata.runId
            directory = resume
            concurrency = concurrency ?? metadata.concurrency
            failFast = failFast || metadata.failFast == true
            junit = junit ?? metadata.junit
            html = html ?? metadata.html
            minPassRate = minPassRate ?? metadata.minPassRate
            k = k ?? metadata.k
            gate = gate ?? metadata.gate
            baseline = baseline ?? metadata.baseline
            alpha = alpha ?? metadata.alpha
            // A killed run may have left half-written files; they are not results.
            RunWriter.removeStaleTemporaryFiles(directory: resume)
        } else {
            options = PlanOptions(
                filters: filter, repeatCount: `repeat`, seed: seed ?? UInt64.random(in: 0..<1_000_000),
                skipUnsupported: skipUnsupported)
            runID = RunWriter.makeRunID()
            directory = out ?? ".parley/runs/\(runID)"
        }
        let loaded = try project.load(console: console, planOptions: options)
        var plan = loaded.plan
        // Nothing reaches the terminal (since loading) or a file with a secret in it.
        let secrets = loaded.secrets
        if let history, let password = HistoryURLPassword.password(in: history) { secrets.add(password) }
        for warning in plan.warnings {
            console.err(console.style("warning:", .yellow, .bold, forErrors: true) + " \(warning)")
        }
        for (flow, reason) in plan.skipped { console.out(console.style("SKIP ", .dim) + " \(flow): \(reason)") }
        if let shard { plan.requests = shard.select(plan.requests) }
        let planned = plan.requests.count
        let done = previous?.tally ?? RunTally()
        if let doneIDs = previous?.ids { plan.requests.removeAll { doneIDs.contains($0.id) } }
        guard planned > 0 else {
            console.err(
                "no flow runs selected" + (filter.isEmpty ? "" : " by --filter \(filter.joined(separator: " "))"))
            throw ExitCode(2)
        }

        let config = loaded.workspace.config
        let width = concurrency ?? config.concurrency ?? 4
        let baselineRecords = try baseline.map {
            try RunDirectoryInput.records(of: RunDirectory(path: $0), console: console)
        }
        let writer: RunWriter
        do {
            // Reports that could not be written at the end would be a run without its results:
            // their folders are made (or found unwritable) before anything runs.
            for (option, path) in [("--junit", junit), ("--html", html)] {
                if let path { try OutputFile.prepare(path, for: option) }
            }
            writer = try RunWriter(directory: directory, secrets: secrets, pricing: config.pricing, tally: done)
            if previous == nil {
                let metadata = RunMetadata(
                    runId: runID, createdAt: startedAt, paths: project.flowPaths, target: project.target,
                    config: project.config, filters: options.filters,
                    repeatCount: options.repeatCount, seed: options.seed, shard: shard,
                    skipUnsupported: options.skipUnsupported,
                    planned: planned, concurrency: width, failFast: failFast, junit: junit, html: html,
                    minPassRate: minPassRate, k: k, gate: gate, baseline: baseline, alpha: alpha,
                    environment: RunEnvironment.detect(environment: loaded.workspace.environment))
                try writer.writeFile(RunMetadata.fileName, secrets.redact(metadata.json.prettyBytes))
            }
        } catch {
            console.err(console.style("error:", .red, .bold, forErrors: true) + " \(error)")
            throw ExitCode(3)
        }
        if out == nil, resume == nil { RunDirectoryLink.pointLatest(at: runID, in: ".parley/runs") }

        var interrupted = false
        let observer = CoverageObserver()
        let budget = config.budget.map {
            RunBudget($0, pricing: config.pricing, alreadySpent: previous?.usage ?? [])
        }
        var budgetStop: BudgetStop?
        if !plan.requests.isEmpty {
            let session: RunSession
            do {
                session = try await RunSession.start(
                    plan: plan, workspace: loaded.workspace,
                    judging: JudgeOptions(cache: noCache ? nil : .standard()), secrets: secrets, concurrency: width)
            } catch {
                console.err(
                    console.style("error:", .red, .bold, forErrors: true) + " could not start: \(error.message)")
                throw ExitCode(3)
            }
            let targets = Set(plan.requests.map(\.targetName)).sorted().joined(separator: ", ")
            let layout = ResultPrinter.Layout.choose(
                verbose: verbose, compact: compact, terminalRows: console.size?.rows, total: plan.requests.count)
            let printer = ResultPrinter(console: console, layout: layout, budget: config.budget)
            var intro =
                "Running \(plan.requests.count) flow run\(plan.requests.count == 1 ? "" : "s") against \(targets) "
                + "(concurrency \(width), seed \(options.seed)"
            if let shard { intro += ", shard \(shard)" }
            if done.total > 0 { intro += ", resuming: \(done.total) already done" }
            console.out(intro + ")")
            // What start-up alone touched (the flows' loading, the libraries' initializers) need
            // not stay counted through a run of thousands of conversations.
            ProcessLimits.releaseFilePages()

            let stop = StopSignal()
            let coordinator = RunCoordinator(
                concurrency: width, failFast: failFast, stop: stop, budget: budget, loop: session.flowLoop)
            let stopper = Interruption.onInterrupt {
                console.err(
                    console.style("interrupted:", .yellow, .bold, forErrors: true)
                        + " finishing the steps in progress and ending open conversations; Ctrl-C again to quit at once"
                )
                stop.request()
            }
            await coordinator.run(
                plan.requests, interpreter: { session.interpreter(for: $0, stop: stop) }, sink: writer,
                onEvent: { event in
                    if case .finished(let result, _, _) = event { observer.observe(result) }
                    printer.handle(event)
                })
            interrupted = stop.isRequested
            stopper.cancel()
            console.setStatus(nil)
            await session.shutdown()
            // The code that ran the conversations is done with too: a report or a history large
            // enough to make the run's peak does not count its pages.
            ProcessLimits.releaseFilePages()
            let finished = writer.tally.total
            if let budget, budget.isSpent, finished < planned {
                let spent = budget.current
                budgetStop = BudgetStop(
                    maxTokens: budget.limit.maxTokens, maxCost: budget.limit.maxCost, spentTokens: spent.tokens,
                    spentCost: config.pricing.models.isEmpty ? nil : spent.cost, notStarted: planned - finished)
            }
        } else if let budget, budget.isSpent {
            console.err(
                console.style("budget:", .yellow, .bold, forErrors: true) + " "
                    + ResultPrinter.budgetText(budget.current, budget.limit) + "; no flow run started")
        }

        // The records carry no secrets (results are redacted before they are kept); the reports'
        // bytes are passed through the run's secrets once more, as the run directory's are.
        let minPassRates = Dictionary(
            loaded.flows.compactMap { flow in flow.minPassRate.map { (flow.name, $0) } },
            uniquingKeysWith: { a, _ in a })
        // Counted as the flow runs finished (and, resuming, from the directory): no record is kept
        // in memory, so a run of any length ends in the memory it ran in.
        let tally = writer.tally
        var summary = tally.summary(
            runId: runID, startedAt: startedAt, finishedAt: Date(), planned: planned,
            options: RunSummary.Options(
                k: k ?? options.repeatCount, gate: gate ?? .point, minPassRates: minPassRates,
                defaultMinPassRate: minPassRate, pricing: config.pricing))
        summary.budget = budgetStop
        var unwritten = false
        func failed(_ error: some Error) {
            console.err(console.style("error:", .red, .bold, forErrors: true) + " \(error)")
            unwritten = true
        }
        do {
            try writer.writeSummary(summary)
        } catch {
            failed(error)
        }
        let run = RunDirectory(path: directory)
        // JUnit and the HTML report list every flow run: read back from the run directory (already
        // redacted) once, rather than kept in memory while the run went on.
        let written: Result<[ResultRecord], RunDirectoryError>? =
            junit == nil && html == nil ? nil : Result { () throws(RunDirectoryError) in try run.records() }
        var junitWritten: String?
        if let junit, let written {
            do {
                let records = try written.get()
                try RunWriter.writeAtomically(
                    path: junit, bytes: secrets.redact(Array(JUnitReport.xml(records: records, summary: summary).utf8)))
                junitWritten = junit
            } catch {
                failed(error)
            }
        }
        // Coverage is measured when something declares what the agent has (parley.yaml's `coverage:`,
        // or the sandbox's agent script), from what each flow run did as it finished.
        var coverage: RunCoverage?
        if let inventory = CoverageSetup.inventory(workspace: loaded.workspace, targets: tally.targets) {
            // A resumed run's earlier flow runs, from their transcripts.
            if let earlier = previous?.ids, !earlier.isEmpty {
                try? RunWriter.readRecords(directory: directory) { record in
                    if earlier.contains(record.id) { observer.observe(record, in: run) }
                }
            }
            let measured = RunCoverage(runId: runID, observations: observer.observations, inventory: inventory)
            do {
                try RunWriter.writeCoverage(measured, to: directory, secrets: secrets)
                coverage = measured
            } catch {
                failed(error)
            }
        }
        var report: String?
        if let html {
            // Transcripts too are read back, one at a time.
            let records = (try? written?.get()) ?? []
            let page = HTMLReport.render(summary: summary, records: records, coverage: coverage) {
                try run.transcript(for: $0)
            }
            do {
                try RunWriter.writeAtomically(path: html, bytes: secrets.redact(Array(page.utf8)))
                report = html
            } catch {
                failed(error)
            }
        }
        let printer = ResultPrinter(console: console, verbose: verbose, budget: config.budget)
        printer.printSummary(
            summary, notPassed: tally.notPassed, directory: directory, junit: junitWritten, html: report,
            coverage: coverage)
        if !noHistory, config.history.enabled || history != nil {
            await recordHistory(
                RecordedRun.finished(
                    directory: directory, summary: summary, targets: tally.targets,
                    verdicts: previous != nil || writer.wroteJudgments),
                location: history ?? config.history.url, console: console)
        }
        var regressed = false
        if let baseline, let baselineRecords {
            let comparison = RunComparison.compare(
                base: baselineRecords, candidate: (try? RunDirectory(path: directory).records()) ?? [],
                thresholds: RunComparison.Thresholds(alpha: alpha ?? Self.defaultAlpha), baseName: baseline,
                candidateName: directory)
            console.out("")
            ComparisonPrinter(console: console, showUnchanged: false).print(comparison)
            regressed = comparison.regressed
        }
        if interrupted {
            console.out(
                "interrupted: \(summary.notRun) flow run\(summary.notRun == 1 ? "" : "s") not run; finish with: "
                    + "parley run --resume \(directory)"
            )
            throw ExitCode(130)
        }
        if let stop = summary.budget {
            console.out(
                "budget spent: \(stop.notStarted) flow run\(stop.notStarted == 1 ? "" : "s") not started; "
                    + "raise budget: in parley.yaml and finish with: parley run --resume \(directory)")
            throw ExitCode(3)
        }
        // A result file that could not be written makes the run one that did not complete.
        if unwritten { throw ExitCode(3) }
        let code = summary.exitCode
        if code != 0 { throw ExitCode(code) }
        if regressed { throw ExitCode(1) }
    }

    /// Records the finished run directory in the history; a history that cannot be written is
    /// reported and changes nothing else (the run directory holds every result).
    /// `run`'s flow runs are read from its directory a batch at a time while they are recorded.
    private func recordHistory(_ run: RecordedRun, location: String?, console: Console) async {
        let location = location ?? HistoryStore.defaultPath
        do {
            let store = try await HistoryStore.open(location)
            do {
                try await store.record(run)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
            if location != HistoryStore.defaultPath { console.out("history:    \(store.location)") }
        } catch let error as HistoryError {
            console.err(
                console.style("warning:", .yellow, .bold, forErrors: true)
                    + " the run was not recorded in the history: " + error.message)
        } catch {
            console.err(
                console.style("warning:", .yellow, .bold, forErrors: true)
                    + " the run was not recorded in the history: \(error)")
        }
    }

    /// What a resumed run already has: its description, the ids of its finished flow runs, their
    /// tally and the tokens they spent — read a record at a time, none kept.
    private struct Resumed {
        var metadata: RunMetadata
        var ids: Set<String> = []
        var tally = RunTally()
        var usage: [TokenUsage] = []
    }

    /// The run being resumed: its description and the results it already has.
    private func resumed(console: Console) throws -> Resumed? {
        guard let resume else { return nil }
        do {
            var resumed = Resumed(metadata: try RunMetadata.read(from: resume))
            var read = resumed
            do {
                try RunWriter.readRecords(directory: resume) { record in
                    read.ids.insert(record.id)
                    read.tally.add(record)
                    for entry in record.usage ?? [] { TokenUsage.add(entry, to: &read.usage) }
                }
                resumed = read
            } catch {
                // Unreadable results: the run starts over, as from an empty directory.
            }
            return resumed
        } catch {
            console.err(console.style("error:", .red, .bold, forErrors: true) + " cannot resume: \(error)")
            throw ExitCode(2)
        }
    }
}

extension PassGate: ExpressibleByArgument {}

/// Keeps `.parley/runs/latest` pointing at the newest run directory.
enum RunDirectoryLink {
    static func pointLatest(at runID: String, in parent: String) {
        let link = (parent as NSString).appendingPathComponent("latest")
        try? FileManager.default.removeItem(atPath: link)
        try? FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: runID)
    }
}
