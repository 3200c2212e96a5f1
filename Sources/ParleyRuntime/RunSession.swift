import ParleyJudging
import ParleyProviders
import ParleyRun
import ParleySandbox

/// Live providers and simulators for a plan's targets, ready to hand out interpreters.
public final class RunSession: Sendable {
    public let resources: ProviderResources
    private let providers: [String: any ConversationProvider]
    private let simulators: [String: any UserSimulator]
    private let environment: [String: String]
    /// The judges the plan's flows use.
    public let judges: JudgePanel

    private init(
        resources: ProviderResources, providers: [String: any ConversationProvider],
        simulators: [String: any UserSimulator], environment: [String: String], judges: JudgePanel
    ) {
        self.judges = judges
        self.resources = resources
        self.providers = providers
        self.simulators = simulators
        self.environment = environment
    }

    /// Where flow runs should run, and their time-outs fire: the HTTP client's event loop (see
    /// ``RunCoordinator``).
    public var flowLoop: FlowLoop {
        let http = resources.http
        return FlowLoop(executor: http.taskExecutor) { due, action in
            let timer = http.schedule(at: due, action)
            return { timer.cancel() }
        }
    }

    /// The run's secrets: the plan's, and what providers obtain while the run goes on.
    public var secrets: SecretRegistry { resources.secrets }

    /// Connects whatever the plan's targets need (the embedded sandbox starts here). `secrets` is
    /// the run's registry, to which providers add tokens as they obtain them; by default one
    /// holding the plan's secrets. `concurrency`: how many flow runs go at once, if known (it sizes
    /// the HTTP client's receive buffers).
    public static func start(
        plan: RunPlan, workspace: Workspace, judging: JudgeOptions = JudgeOptions(), secrets: SecretRegistry? = nil,
        concurrency: Int? = nil
    ) async throws(ProviderError) -> RunSession {
        let resources = ProviderResources(secrets: secrets ?? SecretRegistry(plan.secrets), concurrency: concurrency)
        var providers: [String: any ConversationProvider] = [:]
        do {
            for (name, spec) in plan.targets {
                providers[name] = try await spec.makeProvider(resources: resources)
            }
        } catch {
            await resources.shutdown()
            throw error
        }
        var endpoints: [String: any UserSimulator] = [:]
        for (name, endpoint) in plan.simulatorEndpoints {
            let settings: OpenAISettings
            switch endpoint {
            case .openAI(let configured):
                settings = configured
            case .embeddedSandbox:
                let server: SandboxServer
                do {
                    server = try await resources.embeddedSandbox(SandboxConfiguration())
                } catch {
                    await resources.shutdown()
                    throw error
                }
                settings = OpenAISettings(
                    name: name, baseURL: server.baseURL + "/openai/v1",
                    apiKey: server.configuration.credentials.openAIAPIKey,
                    model: "parley-simulated-user", stream: false)
            }
            endpoints[name] = OpenAISimulator(
                client: OpenAIChatClient(settings: settings, client: resources.http), timeout: .seconds(120))
        }
        var simulators: [String: any UserSimulator] = [:]
        for (flow, choice) in plan.simulators {
            switch choice {
            case .target: simulators[flow] = TargetRecommendSimulator()
            case .script: simulators[flow] = ScriptSimulator()
            case .named(let name):
                if let endpoint = endpoints[name] {
                    simulators[flow] = endpoint
                } else if let provider = providers[name] {
                    endpoints[name] = MirroredTargetSimulator(targetName: name, provider: provider)
                    simulators[flow] = endpoints[name]
                }
            }
        }
        let judges: JudgePanel
        do {
            judges = try await makeJudges(
                plan.judgeEndpoints, defaultName: plan.defaultJudge, resources: resources, judging: judging)
        } catch {
            await resources.shutdown()
            throw error
        }
        return RunSession(
            resources: resources, providers: providers, simulators: simulators, environment: workspace.environment,
            judges: judges)
    }

    /// Judges for the given endpoints; the built-in one is the in-process sandbox's `parley-judge`.
    public static func makeJudges(
        _ endpoints: [String: SimulatorEndpoint], defaultName: String?, resources: ProviderResources,
        judging: JudgeOptions
    ) async throws(ProviderError) -> JudgePanel {
        var judges: [String: any ConversationJudge] = [:]
        for (name, endpoint) in endpoints {
            var settings: OpenAISettings
            switch endpoint {
            case .openAI(let configured):
                settings = configured
            case .embeddedSandbox:
                let server = try await resources.embeddedSandbox(SandboxConfiguration())
                settings = OpenAISettings(
                    name: name, baseURL: server.baseURL + "/openai/v1",
                    apiKey: server.configuration.credentials.openAIAPIKey, model: SandboxServer.judgeModel,
                    stream: false)
            }
            settings.stream = false
            let client = OpenAIChatClient(settings: settings, client: resources.http, service: "the judge")
            var pinned = settings.judgeModelSettings
            // The built-in sandbox listens on a new port each run; its verdicts do not depend on it.
            if case .embeddedSandbox = endpoint { pinned.endpoint = "parley-sandbox" }
            judges[name] = ModelJudge(
                settings: pinned,
                transport: ChatJudgeTransport(client: client, timeout: settings.timeout ?? .seconds(60)),
                cache: judging.cache, secrets: resources.secrets)
        }
        return JudgePanel(judges: judges, defaultName: defaultName)
    }

    /// The interpreter for one flow run; `stop` ends it gracefully between steps.
    public func interpreter(for request: FlowRunRequest, stop: StopSignal? = nil) -> FlowInterpreter {
        guard let provider = providers[request.targetName] else {
            preconditionFailure("the plan has no target \(request.targetName)")
        }
        return FlowInterpreter(
            provider: provider, simulator: simulators[request.flow.name], environment: environment,
            secrets: resources.secrets, stop: stop, judges: judges)
    }

    public func shutdown() async {
        await resources.shutdown()
    }
}
