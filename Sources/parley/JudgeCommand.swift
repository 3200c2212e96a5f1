import ArgumentParser
import Foundation
import ParleyFlow
import ParleyJSON
import ParleyJudging
import ParleyProviders
import ParleyResults
import ParleyRun
import ParleyRuntime

struct JudgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge",
        abstract: "Check how far a judge can be trusted.",
        subcommands: [CalibrateCommand.self]
    )
}

struct CalibrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Compare a judge's verdicts with human verdicts: agreement, Cohen's kappa, confusion matrix.",
        discussion: """
            LABELS.jsonl holds one human verdict per line:
              {"transcript": "runs/n/transcripts/refund--dana--1.json", \
            "criterion": "The agent called `order-lookup`.", "human": "pass"}
            Paths are relative to the labels file; "reply": N grades only turn N (an agent reply), as \
            each_reply does. The judge grades every (transcript, criterion) pair — from the cache when it \
            has — and, per criterion, Parley prints how many pairs there are, the share on which judge and \
            humans agree (inconclusive counts as fail), Cohen's kappa (agreement beyond chance: 1 perfect, \
            0 chance; undefined when both always say the same) and the confusion matrix.

            Examples:
              parley judge calibrate labels.jsonl
              parley judge calibrate labels.jsonl --judge gpt-judge --out calibration.json

            Exit codes: 0 done · 2 invalid labels or configuration · 3 the judge could not grade.
            """
    )

    @Argument(help: ArgumentHelp("Human verdicts, one JSON object per line.", valueName: "labels.jsonl"))
    var labels: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Also write the statistics as JSON here.", valueName: "file"))
    var out: String?

    @OptionGroup var options: JudgingOptions

    func run() async throws {
        let console = Console(forceNoColor: options.noColor)
        guard let data = FileManager.default.contents(atPath: labels) else {
            throw RunDirectoryInput.fail("cannot read \(labels)", console: console, exitCode: 2)
        }
        let parsed = CalibrationLabel.parse(
            String(decoding: data, as: UTF8.self), relativeTo: (labels as NSString).deletingLastPathComponent)
        for (line, message) in parsed.problems {
            console.err("\(labels):\(line): " + console.style("error:", .red, .bold, forErrors: true) + " \(message)")
        }
        guard parsed.problems.isEmpty else { throw ExitCode(2) }
        guard !parsed.labels.isEmpty else {
            throw RunDirectoryInput.fail("\(labels) has no labels", console: console, exitCode: 2)
        }
        let (loadedWorkspace, configDiagnostics) = Workspace.load(configPath: options.config)
        guard let workspace = loadedWorkspace, let name = options.judge ?? JudgeSelection.defaultJudge(workspace.config)
        else {
            DiagnosticPrinter(console: console).print(configDiagnostics)
            throw RunDirectoryInput.fail(
                "no judge: name one with --judge, or set default_judge in parley.yaml", console: console, exitCode: 2)
        }
        let setup = JudgeSetup.endpoints(named: [name], workspace: workspace)
        if setup.diagnostics.hasErrors {
            DiagnosticPrinter(console: console).print(setup.diagnostics)
            throw ExitCode(2)
        }
        let resources = ProviderResources()
        let panel: JudgePanel
        do {
            panel = try await RunSession.makeJudges(
                setup.endpoints, defaultName: name, resources: resources,
                judging: JudgeOptions(cache: options.noCache ? nil : .standard()))
        } catch {
            await resources.shutdown()
            throw RunDirectoryInput.fail("could not start: \(error.message)", console: console, exitCode: 3)
        }
        guard let model = panel.judge(named: name) else { throw ExitCode(2) }
        let graded: (pairs: [Calibration.Pair], usage: JudgeUsage)
        do {
            graded = try await grade(parsed.labels, judge: model, workspace: workspace, console: console)
        } catch {
            await resources.shutdown()
            throw error
        }
        await resources.shutdown()
        let (pairs, usage) = graded
        let statistics = Calibration.statistics(pairs)
        for entry in statistics { print(entry, console: console) }
        console.out(
            "judge `\(name)` (\(model.model)): \(pairs.count) pair\(pairs.count == 1 ? "" : "s"), "
                + "\(usage.calls) judge call\(usage.calls == 1 ? "" : "s"), \(usage.cachedCalls) from the cache, "
                + "\(usage.totalTokens) tokens")
        if let out {
            let document = JSONValue.object([
                ("judge", .string(name)), ("model", .string(model.model)), ("labels", .string(labels)),
                ("criteria", .array(statistics.map(\.json))),
            ])
            do {
                try RunWriter.writeAtomically(path: out, bytes: document.prettyBytes)
            } catch {
                throw RunDirectoryInput.fail(error.description, console: console, exitCode: 3)
            }
        }
    }

    /// Every label's pair graded by the judge.
    private func grade(
        _ labelList: [CalibrationLabel], judge model: any ConversationJudge, workspace: Workspace, console: Console
    ) async throws -> (pairs: [Calibration.Pair], usage: JudgeUsage) {
        let name = model.name
        var pairs: [Calibration.Pair] = []
        var usage = JudgeUsage()
        var flows: [String: Flow?] = [:]
        for label in labelList {
            guard let bytes = FileManager.default.contents(atPath: label.transcript) else {
                throw RunDirectoryInput.fail(
                    "\(labels):\(label.line): no transcript at \(label.transcript)", console: console, exitCode: 2)
            }
            let transcript: FlowRunResult
            do {
                transcript = try FlowRunResult(json: JSONValue(parsing: bytes))
            } catch {
                throw RunDirectoryInput.fail(
                    "\(labels):\(label.line): \(label.transcript) is not a transcript (\(error))", console: console,
                    exitCode: 2)
            }
            if let reply = label.reply, reply > transcript.turns.count || transcript.turns[reply - 1].role != .agent {
                throw RunDirectoryInput.fail(
                    "\(labels):\(label.line): turn \(reply) of \(label.transcript) is not an agent reply",
                    console: console, exitCode: 2)
            }
            if flows[transcript.file] == nil {
                flows[transcript.file] = FlowLoader(environment: workspace.environment).load(paths: [transcript.file])
                    .flows.first { $0.name == transcript.flow }
            }
            let flow = flows[transcript.file] ?? nil
            let location = SourceLocation(file: labels, line: label.line, column: 1)
            let request = JudgeRequest(
                criteria: [Criterion(label.criterion, location: location)], turns: transcript.turns,
                persona: flow?.personas.first { $0.name == transcript.persona },
                scenario: flow?.scenario(named: transcript.scenario),
                focusTurn: label.reply.map { $0 - 1 })
            do {
                let answer = try await model.grade(request)
                usage = usage + answer.usage
                pairs.append(
                    Calibration.Pair(
                        criterion: label.criterion, humanPassed: label.humanPassed, judge: answer.verdicts[0].verdict))
            } catch {
                throw RunDirectoryInput.fail(
                    "\(labels):\(label.line): judge `\(name)` could not grade: \(error)", console: console, exitCode: 3)
            }
        }
        return (pairs, usage)
    }

    private func print(_ entry: CalibrationStatistics, console: Console) {
        let kappa = entry.kappa.map { String(format: "%.3f", $0) } ?? "undefined"
        console.out(console.style(entry.criterion, .bold))
        console.out(
            "  \(entry.count) pair\(entry.count == 1 ? "" : "s") · agreement \(ScoreText.percent(entry.agreement))"
                + " · Cohen's kappa \(kappa)")
        console.out("                     human pass  human fail")
        for (label, verdict) in [
            ("judge pass", Verdict.pass), ("judge fail", .fail), ("judge inconclusive", .inconclusive),
        ] {
            let pass = String(entry.cell(judge: verdict, humanPassed: true))
            let fail = String(entry.cell(judge: verdict, humanPassed: false))
            console.out(
                "  " + label.padding(toLength: 19, withPad: " ", startingAt: 0)
                    + String(repeating: " ", count: max(0, 11 - pass.count)) + pass
                    + String(repeating: " ", count: max(0, 12 - fail.count)) + fail)
        }
    }
}
