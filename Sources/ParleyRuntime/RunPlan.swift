import Foundation
import ParleyFlow
import ParleyProviders
import ParleyRun

/// What the command line asked for, beyond the flows themselves.
public struct PlanOptions: Sendable {
    public var targetOverride: String?
    /// `--filter`: flow name (glob), label, or `tag:key=value` select flows (any may match);
    /// `persona:NAME`, `scenario:NAME` and `case:NAME` select a matrix's flow runs (see ``RunFilter``).
    public var filters: [String]
    public var repeatCount: Int
    public var seed: UInt64
    /// Leave out (and report) flows their target cannot run instead of refusing the whole run.
    public var skipUnsupported: Bool
    /// Check every target of parley.yaml, not only those the flows use (`parley validate`).
    public var checkEveryTarget: Bool

    public init(
        targetOverride: String? = nil, filters: [String] = [], repeatCount: Int = 1, seed: UInt64 = 0,
        skipUnsupported: Bool = false, checkEveryTarget: Bool = false
    ) {
        self.targetOverride = targetOverride
        self.filters = filters
        self.repeatCount = repeatCount
        self.seed = seed
        self.skipUnsupported = skipUnsupported
        self.checkEveryTarget = checkEveryTarget
    }
}

/// A checked run: the flow runs to perform, the targets they use, and everything found wrong.
public struct RunPlan: Sendable {
    public var requests: [FlowRunRequest]
    /// How many flow runs were planned (also when the planner keeps no requests).
    public var runCount = 0
    /// The targets the planned runs use.
    public var targetNames: Set<String> = []
    /// Specs of the targets the requests use, by target name.
    public var targets: [String: any ProviderSpec]
    /// Simulator chosen for each flow that needs one, by flow name.
    public var simulators: [String: SimulatorChoice]
    /// OpenAI-compatible simulator endpoints the plan uses, by name.
    var simulatorEndpoints: [String: SimulatorEndpoint] = [:]
    /// Judge models the plan's flows use, by judge name.
    var judgeEndpoints: [String: SimulatorEndpoint] = [:]
    /// The judge `judge:` uses when it names none.
    public var defaultJudge: String?
    public var diagnostics: [Diagnostic]
    public var warnings: [String]
    /// Flows left out by `--skip-unsupported`, with why.
    public var skipped: [(flow: String, reason: String)]
    /// Values to redact from every output: credentials, values the configuration takes from the
    /// environment, and the values of the `${env.NAME}` flows use (unless listed under `public_env:`).
    public var secrets: Set<String>

    public var hasErrors: Bool { diagnostics.hasErrors }
}

/// Turns loaded flows and a workspace into a ``RunPlan``, checking everything that can be checked
/// without connecting to anything.
///
/// Flows are added one at a time, so a caller that only checks a suite (`parley validate`) can
/// plan flows as they are loaded and keep none of them.
public struct RunPlanner {
    private let workspace: Workspace
    private let options: PlanOptions
    private let sink = DiagnosticSink()
    private let values: ConfigValues
    private var plan = RunPlan(
        requests: [], targets: [:], simulators: [:], diagnostics: [], warnings: [], skipped: [], secrets: [])
    private var specsTried: Set<String> = []
    private var endpointsTried: Set<String> = []
    private var judgeEndpointsTried: Set<String> = []
    /// Whether requests are kept; without them the plan only counts runs and targets.
    private let keepsRequests: Bool
    /// `--filter`, split into what selects flows and what selects a matrix's flow runs.
    private let filter: RunFilter

    public static func plan(flows: [Flow], workspace: Workspace, options: PlanOptions) -> RunPlan {
        var planner = RunPlanner(workspace: workspace, options: options)
        for flow in flows { planner.add(flow) }
        return planner.finish()
    }

    /// A planner for `workspace`; with `keepsRequests: false` the plan counts its flow runs and
    /// targets (``RunPlan/runCount``, ``RunPlan/targetNames``) but holds no requests.
    public init(workspace: Workspace, options: PlanOptions, keepsRequests: Bool = true) {
        self.workspace = workspace
        self.options = options
        self.keepsRequests = keepsRequests
        filter = RunFilter(options.filters)
        // Target settings are read from parley.yaml here; with its text known, a diagnostic can
        // point inside a value (the `${` of a placeholder, the bad character of a path).
        if let file = workspace.config.file, let text = try? String(contentsOfFile: file, encoding: .utf8) {
            sink.register(file: file, text: text)
        }
        values = ConfigValues(reader: NodeReader(sink: sink), environment: workspace.environment)
    }

    /// Parses a target's spec once, keeping it in the plan.
    private mutating func targetSpec(named name: String) -> (any ProviderSpec)? {
        if !specsTried.contains(name), let target = workspace.config.target(named: name) {
            specsTried.insert(name)
            if let parsed = ProviderSpecs.parse(target, values: values) {
                plan.targets[name] = parsed
                plan.warnings += parsed.warnings
            }
        }
        return plan.targets[name]
    }

    /// Checks one flow and, when it can run, plans its runs.
    public mutating func add(_ flow: Flow) {
        guard filter.selects(flow) else { return }
        let targetName = workspace.targetName(for: flow, override: options.targetOverride)
        guard workspace.config.target(named: targetName) != nil else {
            let known = workspace.config.targets.map(\.name)
            let message =
                "unknown target `\(targetName)`\(Suggestion.hint(for: targetName, in: known)); known targets: "
                + "\(known.joined(separator: ", "))"
            if options.targetOverride != nil {
                if !plan.warnings.contains(message) {
                    sink.error(message, at: SourceLocation(file: "<command line>", line: 1, column: 1))
                }
            } else {
                sink.error(message, at: flow.location)
            }
            return
        }
        guard let spec = targetSpec(named: targetName) else { return }

        let simulator = flow.simulator ?? workspace.config.simulator
        var simulatorProblem: String?
        if FlowCompatibility.needsSimulator(flow) {
            plan.simulators[flow.name] = simulator
            switch simulator {
            case .target:
                if !spec.capabilities.contains(.recommend) {
                    simulatorProblem =
                        "`recommend` and `simulate` need a simulator, and target `\(spec.targetName)` "
                        + "(\(spec.kind)) has no "
                        + "recommend-responses endpoint; set `simulator:` to `script`, a name under "
                        + "`simulators:` or a target that has one"
                }
            case .script:
                simulatorProblem = FlowCompatibility.scriptProblem(flow)
            case .named(let name):
                if let entry = workspace.config.simulatorSettings(named: name) {
                    if !endpointsTried.contains(name) {
                        endpointsTried.insert(name)
                        if entry.kind == SimulatorEndpoint.embeddedKind {
                            plan.simulatorEndpoints[name] = .embeddedSandbox
                        } else if let settings = OpenAISettings(entry, values: values, what: "simulator") {
                            plan.simulatorEndpoints[name] = .openAI(settings)
                        }
                    }
                    if plan.simulatorEndpoints[name] == nil { return }
                } else if workspace.config.target(named: name) != nil {
                    guard let other = targetSpec(named: name) else { return }
                    if !other.capabilities.contains(.recommend) {
                        simulatorProblem =
                            "simulator target `\(name)` (\(other.kind)) has no recommend-responses endpoint"
                    }
                } else {
                    let known =
                        ["target", "script"] + workspace.config.simulators.map(\.name)
                        + workspace.config.targets.map(\.name)
                    simulatorProblem =
                        "unknown simulator `\(name)`: use `target`, `script`, a name under `simulators:` or a "
                        + "target name"
                        + Suggestion.hint(for: name, in: known)
                }
            }
        }
        let problems = FlowCompatibility.problems(
            in: flow, target: targetName, providerKind: spec.kind,
            capabilities: spec.capabilities, simulatorProblem: simulatorProblem)
        // A judge that is not configured is a mistake in the project, not something the target
        // cannot do: it is reported even with --skip-unsupported.
        var judgeProblems: [Diagnostic] = []
        for judge in JudgeSelection.specs(of: flow) {
            let name = judge.judge ?? JudgeSelection.defaultJudge(workspace.config)
            if judge.judge == nil, workspace.config.defaultJudge == nil, name != nil,
                !plan.warnings.contains(JudgeSelection.builtInWarning)
            {
                plan.warnings.append(JudgeSelection.builtInWarning)
            }
            guard let name else {
                judgeProblems.append(
                    Diagnostic(
                        .error, at: judge.location,
                        "no default judge: parley.yaml names judges but no `default_judge:`; set it, or name one "
                            + "with `judge:` (`\(ProjectConfig.builtInJudge)` is the built-in rule-based judge)"))
                continue
            }
            if judgeEndpointsTried.insert(name).inserted {
                plan.judgeEndpoints[name] = JudgeSetup.endpoint(
                    named: name, config: workspace.config, values: values)
            }
            if plan.judgeEndpoints[name] == nil, workspace.config.judgeSettings(named: name) == nil {
                let known = workspace.config.judges.map(\.name) + [ProjectConfig.builtInJudge]
                judgeProblems.append(
                    Diagnostic(
                        .error, at: judge.location,
                        "unknown judge `\(name)`\(Suggestion.hint(for: name, in: known)); judges: "
                            + known.joined(separator: ", ")))
            }
        }
        judgeProblems.forEach(sink.add)
        if !judgeProblems.isEmpty { return }
        if problems.isEmpty {
            planRuns(of: flow, target: targetName)
        } else if options.skipUnsupported {
            plan.skipped.append((flow.name, problems[0].message))
        } else {
            problems.forEach(sink.add)
        }
    }

    /// Every persona × scenario × case combination the filters keep, once per repetition.
    private mutating func planRuns(of flow: Flow, target targetName: String) {
        plan.secrets.formUnion(flow.secretEnvironmentValues(workspace.environment))
        let personas: [Persona?] = flow.personas.isEmpty ? [nil] : flow.personas
        let scenarios: [Scenario?] = flow.scenarios.isEmpty ? [nil] : flow.scenarios
        let cases: [CaseRow?] = flow.cases?.rows ?? [nil]
        let repetitions = max(1, options.repeatCount)
        var first: [FlowRunRequest] = []
        var variants = 0
        for persona in personas where filter.selects(persona: persona) {
            for scenario in scenarios where filter.selects(scenario: scenario) {
                for row in cases where filter.selects(case: row) {
                    variants += 1
                    guard keepsRequests else { continue }
                    first.append(
                        FlowRunRequest(
                            flow: flow, persona: persona, scenario: scenario, dataCase: row, repetition: 1,
                            targetName: targetName, seed: options.seed))
                }
            }
        }
        plan.runCount += repetitions * variants
        plan.targetNames.insert(targetName)
        guard keepsRequests else { return }
        for repetition in 1...repetitions {
            plan.requests += first.map { $0.withRepetition(repetition) }
        }
    }

    /// The plan of every flow added.
    public mutating func finish() -> RunPlan {
        if options.checkEveryTarget {
            for target in workspace.config.targets { _ = targetSpec(named: target.name) }
        }
        var plan = plan
        plan.defaultJudge = JudgeSelection.defaultJudge(workspace.config)
        plan.secrets.formUnion(values.secrets)
        plan.diagnostics = sink.sorted
        return plan
    }

    /// Whether a flow is selected by `--filter` values (no filters selects everything); filters on
    /// personas, scenarios and cases select flow runs, not flows, and are not looked at here.
    public static func matches(_ flow: Flow, filters: [String]) -> Bool {
        let filters = filters.filter { RunFilter.runPrefix(of: $0) == nil }
        guard !filters.isEmpty else { return true }
        return filters.contains { filter in
            if filter.hasPrefix("tag:") {
                let spec = filter.dropFirst(4)
                let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
                return flow.steps.contains { step in
                    guard case .tag(let change) = step.action else { return false }
                    return change.set.contains { $0.key == parts[0] && (parts.count == 1 || $0.value.raw == parts[1]) }
                }
            }
            return flow.tags.contains(filter) || Glob.matches(filter, flow.name)
        }
    }
}

/// The judges a flow asks: its `judge` steps and its closing `judge:`.
public enum JudgeSelection {
    /// The judge for `judge:` that names none: `default_judge:`, else — when parley.yaml has no
    /// `judges:` at all — the built-in rule-based judge (with a warning: it is not a model).
    public static func defaultJudge(_ config: ProjectConfig) -> String? {
        config.defaultJudge ?? (config.judges.isEmpty ? ProjectConfig.builtInJudge : nil)
    }

    static let builtInWarning =
        "parley.yaml has no `judges:`, so judged flows are graded by the built-in rule-based judge "
        + "(`sandbox`); add `judges:` and `default_judge:` to grade them with a model"

    public static func specs(of flow: Flow) -> [JudgeSpec] {
        var specs: [JudgeSpec] = flow.steps.compactMap {
            if case .judge(let spec) = $0.action { return spec }
            return nil
        }
        if let closing = flow.judge { specs.append(closing) }
        return specs
    }
}

/// Where an OpenAI-compatible simulator or judge lives.
public enum SimulatorEndpoint: Sendable {
    case openAI(OpenAISettings)
    /// The in-process sandbox's models: the simulated user (the built-in `openai` simulator) or
    /// the rule-based judge (the built-in `sandbox` judge).
    case embeddedSandbox

    static let embeddedKind = "sandbox"
}

/// Shell-style `*` and `?` matching for `--filter refund*`.
enum Glob {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "?" || p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
