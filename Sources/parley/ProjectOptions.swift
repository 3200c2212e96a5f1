import ArgumentParser
import Foundation
import ParleyFlow
import ParleyProviders
import ParleyRun
import ParleyRuntime

/// Options every command that reads flows shares.
struct ProjectOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "Flow files or folders.",
            discussion:
                "Folders are searched recursively for .yaml files; names starting with _ are skipped (shared steps, "
                + "personas). Default: flows/",
            valueName: "path"))
    var paths: [String] = []

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("The target to run against, by its name in parley.yaml.", valueName: "name"))
    var target: String?

    @OptionGroup var configuration: ConfigOptions

    var config: String? {
        get { configuration.config }
        set { configuration.config = newValue }
    }
    var noColor: Bool { configuration.noColor }
    var flowPaths: [String] { paths.isEmpty ? ["flows"] : paths }
}

/// The configuration file and colour, for commands that read parley.yaml without reading flows.
struct ConfigOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The configuration file. Default: parley.yaml in the current folder, if any.", valueName: "file"))
    var config: String?

    @Flag(name: .long, help: "Never colour the output (also: NO_COLOR=1).")
    var noColor = false
}

/// Flows, workspace and plan, checked; or the diagnostics that stop the command.
struct LoadedProject {
    var workspace: Workspace
    var flows: [Flow]
    var plan: RunPlan
    /// The run's secrets, starting with the plan's; the console redacts them from here on.
    var secrets: SecretRegistry
}

/// A suite checked without keeping its flows: how many there are and what running them would take.
struct CheckedProject {
    var workspace: Workspace
    var flowCount: Int
    /// Counts and targets only; it holds no requests.
    var plan: RunPlan
}

extension ProjectOptions {
    /// Loads config and flows and plans the run; prints every diagnostic and exits 2 on errors.
    func load(console: Console, planOptions: PlanOptions) throws -> LoadedProject {
        var flows: [Flow] = []
        let (workspace, plan, secrets) = try load(console: console, planOptions: planOptions, keepsRequests: true) {
            flows.append($0)
        }
        return LoadedProject(workspace: workspace, flows: flows, plan: plan, secrets: secrets)
    }

    /// Loads and plans like ``load(console:planOptions:)`` one flow at a time, keeping none, so that
    /// checking a large suite takes memory for one flow rather than for all of them.
    func check(console: Console, planOptions: PlanOptions) throws -> CheckedProject {
        var count = 0
        let (workspace, plan, _) = try load(console: console, planOptions: planOptions, keepsRequests: false) { _ in
            count += 1
        }
        return CheckedProject(workspace: workspace, flowCount: count, plan: plan)
    }

    private func load(
        console: Console, planOptions: PlanOptions, keepsRequests: Bool, each: (Flow) -> Void
    ) throws -> (Workspace, RunPlan, SecretRegistry) {
        let printer = DiagnosticPrinter(console: console)
        let (loadedWorkspace, configDiagnostics) = Workspace.load(configPath: config)
        guard let workspace = loadedWorkspace else {
            printer.print(configDiagnostics)
            throw ExitCode(2)
        }
        var options = planOptions
        options.targetOverride = target
        var planner = RunPlanner(workspace: workspace, options: options, keepsRequests: keepsRequests)
        var found = false
        let loadDiagnostics = FlowLoader(environment: workspace.environment).load(paths: flowPaths) { flow in
            found = true
            planner.add(flow)
            each(flow)
        }
        var diagnostics = configDiagnostics + loadDiagnostics
        if !found && !loadDiagnostics.hasErrors {
            diagnostics.append(
                Diagnostic(
                    .error, at: SourceLocation(file: flowPaths.joined(separator: " "), line: 1, column: 1),
                    "no flows found (flows are .yaml files; names starting with _ are skipped)"))
        }
        let plan = planner.finish()
        // Diagnostics quote source lines, which may hold a credential written out.
        // The configuration's own secrets too: a history URL's password is no target's.
        let secrets = SecretRegistry(plan.secrets.union(workspace.config.secrets))
        console.protect(with: secrets)
        diagnostics += plan.diagnostics
        if diagnostics.hasErrors {
            printer.print(diagnostics)
            throw ExitCode(2)
        }
        if !diagnostics.isEmpty { printer.print(diagnostics) }
        return (workspace, plan, secrets)
    }
}
