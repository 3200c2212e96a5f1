import ArgumentParser
import Foundation
import ParleyDemoAgent
import ParleyFlow
import ParleySandbox

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract:
            "Serve the demo agent over the Amigo, Amelia, AgentHuman, OpenAI-compatible, helpdesk and webchat "
            + "protocols on loopback.",
        discussion: """
            One port serves every protocol, so a parley.yaml can point amigo, http and openai targets at \
            it (see examples/http-targets.yaml and docs/sandbox.md for the credentials it accepts). \
            It listens on 127.0.0.1 only and runs until Ctrl-C.

            Examples:
              parley sandbox --port 8700
              parley sandbox --port 8700 --latency 100ms --jitter 20ms --chunk-delay 10ms
              parley sandbox --agent examples/agents/support-desk.yaml --rate-limits documented --rate-scale 60
              parley sandbox --faults 429@5%,503@5%,drop:amigo.interact@5%,malformed@5%,slow=1s@5%
              parley sandbox --faults duplicate@20%,late=300ms@10%,reorder@10%   # Amelia webhook deliveries
            """
    )

    @Option(name: .long, help: ArgumentHelp("Port to listen on (0: any free port).", valueName: "n"))
    var port: Int = 8700

    @Option(name: .long, help: ArgumentHelp("Agent script. Default: the built-in support desk.", valueName: "file"))
    var agent: String?

    @Option(name: .long, help: ArgumentHelp("Delay before each reply, e.g. 100ms.", valueName: "duration"))
    var latency: String = "0ms"

    @Option(name: .long, help: ArgumentHelp("Random extra delay of up to this much per reply.", valueName: "duration"))
    var jitter: String = "0ms"

    @Option(name: .long, help: ArgumentHelp("Delay between streamed chunks of a reply.", valueName: "duration"))
    var chunkDelay: String = "0ms"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "`documented` enforces the providers' documented per-minute limits; `off` never refuses.", valueName: "mode"
        ))
    var rateLimits: String = "off"

    @Option(
        name: .long,
        help: ArgumentHelp("With --rate-limits documented: allow K times the documented rates.", valueName: "k"))
    var rateScale: Double = 1

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Inject failures: comma-separated KIND[=ARG][:ENDPOINT][@PROBABILITY] with kinds 429, 503, 500, drop, "
                + "malformed, slow, system-error, and for Amelia's webhook deliveries duplicate, late, reorder — "
                + "e.g. 429@5%,drop:amigo.interact@5%,slow=1s@5%,duplicate@10%.",
            valueName: "spec"))
    var faults: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Seed for the agent's wording choices and for probabilistic faults.", valueName: "n"))
    var seed: UInt64 = 0

    func validate() throws {
        if let faults {
            do { _ = try SandboxFault.parse(faults) } catch { throw ValidationError("--faults: \(error)") }
        }
    }

    func run() async throws {
        let console = Console()
        guard let latency = DurationText.parse(latency), let jitter = DurationText.parse(jitter),
            let chunkDelay = DurationText.parse(chunkDelay)
        else {
            throw ValidationError("durations look like 100ms, 1.5s or 2m")
        }
        let limits: SandboxRateLimits
        switch rateLimits {
        case "off": limits = .off
        case "documented":
            guard rateScale > 0 else { throw ValidationError("--rate-scale must be greater than 0") }
            limits = .documented(scale: rateScale)
        default: throw ValidationError("--rate-limits must be `documented` or `off`")
        }
        var script = AgentScript.supportDesk
        if let agent {
            let sink = DiagnosticSink()
            guard let loaded = AgentScript.load(path: agent, sink: sink) else {
                DiagnosticPrinter(console: console).print(sink.sorted)
                throw ExitCode(2)
            }
            script = loaded
        }
        var injected: [SandboxFault] = []
        if let faults {
            do { injected = try SandboxFault.parse(faults) } catch { throw ValidationError("--faults: \(error)") }
        }
        let configuration = SandboxConfiguration(
            port: port, script: script, seed: seed, latency: latency, jitter: jitter,
            chunkDelay: chunkDelay, rateLimits: limits, faults: injected)
        let server: SandboxServer
        do {
            server = try await SandboxServer.start(configuration)
        } catch {
            console.err(
                console.style("error:", .red, .bold, forErrors: true) + " could not start the sandbox: \(error)")
            throw ExitCode(3)
        }
        console.out(
            "Parley sandbox: \(script.name) on \(server.baseURL) (Amigo /v1/…, Amelia /AmeliaRest/api/v1/…, "
                + "AgentHuman /api/v1/…, "
                + "OpenAI /openai/v1/…, helpdesk /helpdesk/v2/…, webchat /webchat/v1/…)")
        console.out("Credentials: docs/sandbox.md. Ctrl-C stops.")
        await withCheckedContinuation { (stopped: CheckedContinuation<Void, Never>) in
            let interruption = Interruption.onInterrupt { stopped.resume() }
            Interruption.keepAlive(interruption)
        }
        await server.stop()
    }
}
