import ArgumentParser
import Foundation
import ParleyAuthoring
import ParleyFlow
import ParleyResults
import ParleyRuntime

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Have a model write personas, scenarios and flows from a description of the agent.",
        discussion: """
            Sends the description (--about: the agent's system prompt, policy or help pages) to an \
            OpenAI-compatible model named under `generators:` in parley.yaml and asks for --count flows: \
            simulated conversations, each with a persona, a scenario, the customer's opening message, \
            judge criteria and — when the target reports its tools — checks on the tools the agent must \
            and must not call. --adversarial adds personas that try to push the agent out of its policy \
            (off-topic requests, prompt injection, social engineering for another customer's data), each \
            with criteria the agent must hold to.

            Every flow is checked like `parley validate`, against the target, before anything is \
            written; flows that do not validate are listed with the reason and left out. What a model \
            writes is a starting point for review: read every criterion before trusting it. Without \
            `generators:` the sandbox's deterministic `parley-generator` writes a suite shaped for the \
            demo agent, offline.

            Files: <out>/<flow>.yaml, <out>/_personas/<persona>.yaml, <out>/_scenarios/<scenario>.yaml; an \
            existing file is kept (and its flow left out) unless --force.

            Examples:
              parley generate --about docs/agent-policy.md --count 12
              parley generate --about prompt.txt --count 20 --adversarial --generator gpt --out flows/generated
              parley generate --about prompt.txt --target staging      flows that fit what staging reports

            Exit codes: 0 flows written · 2 invalid input (no description, bad configuration) · 3 the model \
            could not be reached, answered something that is not a suite, or wrote no valid flow.
            """
    )

    @Option(
        name: .long,
        help: ArgumentHelp("A description of the agent: its system prompt, policy or help text.", valueName: "file"))
    var about: String

    @Option(name: [.customShort("n"), .long], help: ArgumentHelp("How many flows to write.", valueName: "n"))
    var count: Int = 6

    @Flag(name: .long, help: "Add personas that try to push the agent out of its policy.")
    var adversarial = false

    @Option(
        name: .shortAndLong, help: ArgumentHelp("The folder to write into. Default: flows/generated", valueName: "dir"))
    var out: String = "flows/generated"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The model: a name under `generators:` in parley.yaml, or `sandbox`. Default: the first one, else "
                + "`sandbox`.",
            valueName: "name"))
    var generator: String?

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("The target the flows are checked against. Default: the project's.", valueName: "name"))
    var target: String?

    @Flag(name: .long, help: "Replace files that exist.")
    var force = false

    @OptionGroup var configuration: ConfigOptions

    func validate() throws {
        guard (1...200).contains(count) else { throw ValidationError("--count is between 1 and 200") }
    }

    func run() async throws {
        let console = Console(forceNoColor: configuration.noColor)
        let printer = DiagnosticPrinter(console: console)
        guard let data = FileManager.default.contents(atPath: about) else {
            throw RunDirectoryInput.fail("cannot read \(about)", console: console, exitCode: 2)
        }
        let description = String(decoding: data, as: UTF8.self)
        guard !description.isBlank else {
            throw RunDirectoryInput.fail("\(about) is empty: describe the agent", console: console, exitCode: 2)
        }
        let (loaded, configDiagnostics) = Workspace.load(configPath: configuration.config)
        guard let workspace = loaded else {
            printer.print(configDiagnostics)
            throw ExitCode(2)
        }
        let chosen = SuiteGeneration.generator(named: generator, workspace: workspace)
        guard let model = chosen.generator, !chosen.diagnostics.hasErrors else {
            printer.print(chosen.diagnostics)
            throw ExitCode(2)
        }
        let redactor = SecretRedactor(secrets: chosen.secrets)
        let layoutProbe = probe(workspace: workspace)
        let request = GenerationRequest(
            about: description, count: count, adversarial: adversarial, checksActions: layoutProbe.actions)
        console.out(
            "asking \(model.isBuiltIn ? "the sandbox's deterministic generator" : "generator `\(model.name)`") for "
                + "\(count) flow\(count == 1 ? "" : "s")\(adversarial ? ", adversarial ones included" : "")…")
        let answer: (answer: String, model: String)
        do {
            answer = try await SuiteGeneration.ask(request, generator: model)
        } catch {
            throw RunDirectoryInput.fail(
                "the generator could not answer: \(redactor.redact(error.message))", console: console, exitCode: 3)
        }
        let suite: GeneratedSuite
        do {
            suite = try GeneratedSuite.parse(answer.answer)
        } catch {
            let excerpt = redactor.redact(String(error.answer.prefix(800)))
            throw RunDirectoryInput.fail(
                "the generator's answer is not the suite asked for: \(error.message)\n  it answered: \(excerpt)"
                    + (error.answer.count > 800 ? "…" : ""),
                console: console, exitCode: 3)
        }
        let header: [String] =
            model.isBuiltIn
            ? [
                "Written by `parley generate` from \(about) with the sandbox's deterministic generator "
                    + "(`parley-generator`): a template suite for the demo agent."
            ]
            : [
                "Written by `parley generate` from \(about) with \(answer.model) (generator `\(model.name)`).",
                "A starting point for review: read every criterion and check before trusting it.",
            ]
        let layout = SuiteLayout(
            simulate: layoutProbe.simulate, checksActions: layoutProbe.actions, header: header,
            schemaDirectory: EditorSchema.folder(relativeTo: out + "/flow.yaml"))
        let files = suite.files(layout)
        let (valid, rejected) = try check(files, workspace: workspace, console: console)
        for (flow, diagnostics) in rejected {
            console.err(console.style("left out", .yellow, .bold, forErrors: true) + " \(flow): it does not validate")
            printer.print(
                diagnostics.map { $0.severity == .error ? Diagnostic(.warning, at: $0.location, $0.message) : $0 })
        }
        var written = 0
        var adversarialWritten = 0
        for entry in valid {
            let paths = [entry.file, entry.persona, entry.scenario]
            let clashes = paths.filter { file in
                let path = out + "/" + file.path
                guard let existing = FileManager.default.contents(atPath: path) else { return false }
                return String(decoding: existing, as: UTF8.self) != file.text
            }
            if !clashes.isEmpty, !force {
                console.err(
                    console.style("left out", .yellow, .bold, forErrors: true) + " \(entry.flow.name): "
                        + clashes.map { "\(out)/\($0.path)" }.joined(separator: ", ") + " exists (--force replaces it)")
                continue
            }
            do {
                for file in paths { try write(file, into: out) }
            } catch {
                throw RunDirectoryInput.fail("\(error)", console: console, exitCode: 3)
            }
            written += 1
            if entry.adversarial { adversarialWritten += 1 }
            console.out("  \(out)/\(entry.file.path)\(entry.adversarial ? "  (adversarial)" : "")")
        }
        guard written > 0 else {
            throw RunDirectoryInput.fail("no flow was written", console: console, exitCode: 3)
        }
        var line =
            console.style("wrote", .green, .bold) + " \(written) flow\(written == 1 ? "" : "s") into \(out)/"
        if adversarialWritten > 0 { line += " (\(adversarialWritten) adversarial)" }
        if !rejected.isEmpty { line += "; \(rejected.count) left out" }
        console.out(line)
        if adversarial, adversarialWritten == 0 {
            console.err(
                console.style("warning:", .yellow, .bold, forErrors: true)
                    + " --adversarial was asked for, but no adversarial flow was written (ask for more flows, "
                    + "or another model)")
        }
        if !layoutProbe.simulate {
            console.out("note: the target has no simulated user, so the flows only send the opening message")
        }
        console.out(
            model.isBuiltIn
                ? "The sandbox's generator writes the same suite every time, for the demo agent; name a model "
                    + "under `generators:` in parley.yaml for a real one."
                : "This is a starting point for review: read each flow's criteria and checks before relying on them.")
        console.out("next: parley run \(out)")
    }

    /// What the target supports: a simulated user (for `simulate`) and reported tools (for tool checks).
    private func probe(workspace: Workspace) -> (simulate: Bool, actions: Bool) {
        let text =
            "steps:\n  - send: hi\n  - simulate: { max_turns: 1 }\n  - expect_tool: { name: x, in: conversation }\n"
        let flows = FlowLoader(environment: workspace.environment).load(text: text, file: "<probe>").flows
        let simulateOnly = flows.map { flow -> Flow in
            var copy = flow
            copy.steps.removeAll { $0.kind == .expectTool }
            return copy
        }
        let options = PlanOptions(targetOverride: target)
        let simulate = !RunPlanner.plan(flows: simulateOnly, workspace: workspace, options: options).hasErrors
        let name = workspace.targetName(for: CaptureCommand.probe, override: target)
        return (simulate, CaptureCommand.reportsActions(target: name, workspace: workspace))
    }

    /// Each flow checked like `parley validate`, in a scratch folder laid out like the output folder.
    private func check(_ files: [GeneratedSuite.FlowFiles], workspace: Workspace, console: Console) throws
        -> (valid: [GeneratedSuite.FlowFiles], rejected: [(String, [Diagnostic])])
    {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "parley-generate-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var valid: [GeneratedSuite.FlowFiles] = []
        var rejected: [(String, [Diagnostic])] = []
        for entry in files {
            do {
                for file in [entry.file, entry.persona, entry.scenario] { try write(file, into: scratch) }
            } catch {
                throw RunDirectoryInput.fail("cannot write a scratch copy: \(error)", console: console, exitCode: 3)
            }
            let loaded = FlowLoader(environment: workspace.environment).load(paths: [scratch + "/" + entry.file.path])
            var diagnostics = loaded.diagnostics
            if !loaded.hasErrors {
                diagnostics +=
                    RunPlanner.plan(
                        flows: loaded.flows, workspace: workspace, options: PlanOptions(targetOverride: target)
                    ).diagnostics
            }
            if diagnostics.hasErrors || loaded.flows.isEmpty {
                // Shown where the files would have been written.
                rejected.append(
                    (
                        entry.flow.name,
                        diagnostics.map { diagnostic in
                            var shown = diagnostic
                            shown.location.file = diagnostic.location.file.replacingOccurrences(of: scratch, with: out)
                            return shown
                        }
                    ))
            } else {
                valid.append(entry)
            }
        }
        return (valid, rejected)
    }

    private func write(_ file: GeneratedFile, into folder: String) throws {
        let path = folder + "/" + file.path
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try RunWriter.writeAtomically(path: path, bytes: Array(file.text.utf8))
    }
}
