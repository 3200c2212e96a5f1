import ArgumentParser
import Foundation
import ParleyAuthoring
import ParleyFlow
import ParleyProviders
import ParleyResults
import ParleyRun
import ParleyRuntime

struct CaptureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Turn a real conversation into a regression flow.",
        discussion: """
            From a Parley transcript (`parley capture TRANSCRIPT.json`) or from an Amigo conversation's \
            history (`parley capture --target T CONVERSATION_ID`), writes a flow that says what the user said \
            and checks what the agent answered:

              - each user message becomes a `send` step, each external event an `event` step;
              - each agent reply becomes checks, chosen by --expect: `judge` (a judge criterion, "the \
            reply is equivalent in meaning to: …"), `keywords` (the reply's distinctive facts — ids, amounts, \
            dates, names — as patterns) or `exact` (the whole text);
              - values the user gives that come back later (order numbers, e-mail addresses) become \
            persona variables; values the agent gives that the user repeats (a ticket) are captured and \
            sent back as ${name};
              - the tools the agent called (when the transcript recorded them and the target reports \
            them) become `expect_tool` checks; --no-actions leaves them out.

            The flow is checked like `parley validate` before it is written (default: \
            flows/captured/<name>.yaml); an existing file is kept unless --force.

            Examples:
              parley capture .parley/runs/latest/transcripts/refund--dana-ortiz--1.json
              parley capture run/transcripts/x.json --expect keywords --name refund-regression
              parley capture --target staging 6640c2f3a1b2c3d4e5f60718 --out flows/regressions/refund.yaml

            Exit codes: 0 written · 2 invalid input (unknown conversation or target, not a transcript, the \
            flow would not validate, the file exists) · 3 the platform could not be reached.
            """
    )

    @Argument(
        help: ArgumentHelp(
            "A transcript file, or with --target an Amigo conversation id.", valueName: "transcript|conversation-id"))
    var source: String

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "Read the conversation from this target's history (an Amigo target in parley.yaml).", valueName: "name"))
    var target: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "How each agent reply is checked: judge, keywords or exact. Default: judge.", valueName: "mode"))
    var expect: String = "judge"

    @Option(
        name: .long,
        help: ArgumentHelp("The flow's name. Default: from the transcript or the conversation.", valueName: "name"))
    var name: String?

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("Where to write the flow. Default: flows/captured/<name>.yaml", valueName: "file"))
    var out: String?

    @Flag(name: .long, help: "Leave out checks on the tools the agent called.")
    var noActions = false

    @Flag(name: .long, help: "Replace the file if it exists.")
    var force = false

    @OptionGroup var configuration: ConfigOptions

    func validate() throws {
        guard FlowCapture.ExpectMode(rawValue: expect) != nil else {
            throw ValidationError(
                "--expect is one of \(FlowCapture.ExpectMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let name, Slug.make(name) != name {
            throw ValidationError(
                "--name is a flow name of lower-case letters, digits and dashes, e.g. \(Slug.make(name))")
        }
    }

    func run() async throws {
        let console = Console(forceNoColor: configuration.noColor)
        let printer = DiagnosticPrinter(console: console)
        let (loaded, configDiagnostics) = Workspace.load(configPath: configuration.config)
        guard let workspace = loaded else {
            printer.print(configDiagnostics)
            throw ExitCode(2)
        }
        let conversation = try await read(workspace: workspace, console: console)
        if conversation.turns.isEmpty {
            console.err(
                console.style("warning:", .yellow, .bold, forErrors: true) + " the conversation has no messages")
        }
        let flowName = name ?? conversation.suggestedName
        let path = out ?? "flows/captured/\(flowName).yaml"
        if FileManager.default.fileExists(atPath: path), !force {
            throw RunDirectoryInput.fail(
                "\(path) exists; use --force to replace it, or --out", console: console, exitCode: 2)
        }
        let replayTarget = workspace.targetName(for: Self.probe, override: target)
        let actions =
            !noActions && conversation.turns.contains { !$0.actions.isEmpty }
            && Self.reportsActions(target: replayTarget, workspace: workspace)
        let options = FlowCapture.Options(
            expect: FlowCapture.ExpectMode(rawValue: expect) ?? .judge, actions: actions, name: flowName,
            schemaComment: EditorSchema.folder(relativeTo: path).map {
                EditorSchema.modeline("flow.schema.json", in: $0)
            })
        let captured = FlowCapture.flow(conversation, options: options)

        // Checked as `parley validate` would, at the place it will be written, before it is written.
        let check = FlowLoader(environment: workspace.environment).load(text: captured.text, file: path)
        var diagnostics = check.diagnostics
        if let flow = check.flows.first {
            let plan = RunPlanner.plan(
                flows: [flow], workspace: workspace, options: PlanOptions(targetOverride: target))
            diagnostics += plan.diagnostics
        }
        if diagnostics.hasErrors || check.flows.isEmpty {
            console.err(captured.text)
            printer.print(diagnostics)
            throw RunDirectoryInput.fail(
                "the captured flow does not validate; nothing was written", console: console, exitCode: 2)
        }
        do {
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent.isEmpty
                    ? "." : (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
            try RunWriter.writeAtomically(path: path, bytes: Array(captured.text.utf8))
        } catch {
            throw RunDirectoryInput.fail("cannot write \(path): \(error)", console: console, exitCode: 3)
        }
        var summary =
            "\(captured.sends) send\(captured.sends == 1 ? "" : "s"), \(captured.checkedReplies) checked "
            + "repl\(captured.checkedReplies == 1 ? "y" : "ies") (\(expect))"
        if captured.toolChecks > 0 {
            summary += ", \(captured.toolChecks) tool check\(captured.toolChecks == 1 ? "" : "s")"
        }
        console.out(console.style("wrote", .green, .bold) + " \(path): flow \(captured.name), \(summary)")
        if !captured.variables.isEmpty {
            console.out(
                "persona variables: " + captured.variables.map { "\($0.name) = \($0.value)" }.joined(separator: ", "))
        }
        if !captured.captures.isEmpty {
            console.out("captured from replies: " + captured.captures.joined(separator: ", "))
        }
        console.out("run it: parley run \(path)" + (target.map { " --target \($0)" } ?? ""))
    }

    /// A flow with no target of its own, to ask which target a flow would run against by default.
    static let probe = Flow(
        name: "probe", file: "<capture>", location: SourceLocation(file: "<capture>", line: 1, column: 1), steps: [])

    /// Whether `target` reports the tools its agent calls (so checks on them can run there).
    static func reportsActions(target: String, workspace: Workspace) -> Bool {
        guard let config = workspace.config.target(named: target) else { return false }
        let values = ConfigValues(reader: NodeReader(sink: DiagnosticSink()), environment: workspace.environment)
        return ProviderSpecs.parse(config, values: values)?.capabilities.contains(.actions) ?? false
    }

    /// The conversation: a transcript file, or with --target the platform's history.
    private func read(workspace: Workspace, console: Console) async throws -> CapturedConversation {
        if let target {
            do {
                return try await ConversationHistory.conversation(id: source, target: target, workspace: workspace)
            } catch {
                DiagnosticPrinter(console: console).print(error.diagnostics)
                let redactor = SecretRedactor(secrets: error.secrets)
                throw RunDirectoryInput.fail(
                    redactor.redact(error.message), console: console, exitCode: error.invalidInput ? 2 : 3)
            }
        }
        if AmigoHistory.isConversationID(source), !FileManager.default.fileExists(atPath: source) {
            throw RunDirectoryInput.fail(
                "`\(source)` looks like a conversation id: name the target to read it from with --target",
                console: console, exitCode: 2)
        }
        let result: FlowRunResult
        do {
            result = try RunDirectory.readTranscript(path: source)
        } catch {
            throw RunDirectoryInput.fail(error.description, console: console, exitCode: 2)
        }
        let flow = FlowLoader(environment: workspace.environment).load(paths: [result.file]).flows
            .first { $0.name == result.flow }
        return CapturedConversation(
            transcript: result, path: source, scenario: flow?.scenario(named: result.scenario))
    }
}
