import ArgumentParser
import Foundation
import ParleyCore
import ParleyDemoAgent
import ParleySandbox

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Serve the demo agent over the Amigo, Amelia, AgentHuman, OpenAI-compatible and helpdesk protocols on loopback.",
        discussion: """
        One port serves every protocol, so a parley.yaml can point amigo, http and openai targets at \
        it (see examples/http-targets.yaml and docs/sandbox.md for the credentials it accepts). \
        It listens on 127.0.0.1 only and runs until Ctrl-C.

        Examples:
          parley sandbox --port 8700
          parley sandbox --port 8700 --latency 100ms --jitter 20ms --chunk-delay 10ms
          parley sandbox --agent examples/agents/support-desk.yaml --rate-limits documented --rate-scale 60
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

    @Option(name: .long, help: ArgumentHelp("`documented` enforces the providers' documented per-minute limits; `off` never refuses.", valueName: "mode"))
    var rateLimits: String = "off"

    @Option(name: .long, help: ArgumentHelp("With --rate-limits documented: allow K times the documented rates.", valueName: "k"))
    var rateScale: Double = 1

    func run() async throws {
        let console = Console()
        guard let latency = DurationText.parse(latency), let jitter = DurationText.parse(jitter),
              let chunkDelay = DurationText.parse(chunkDelay) else {
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
        let configuration = SandboxConfiguration(port: port, script: script, latency: latency, jitter: jitter,
                                                 chunkDelay: chunkDelay, rateLimits: limits)
        let server: SandboxServer
        do {
            server = try await SandboxServer.start(configuration)
        } catch {
            console.err(console.style("error:", .red, .bold, forErrors: true) + " could not start the sandbox: \(error)")
            throw ExitCode(3)
        }
        console.out("Parley sandbox: \(script.name) on \(server.baseURL) (Amigo /v1/…, Amelia /AmeliaRest/api/v1/…, AgentHuman /api/v1/…, "
                    + "OpenAI /openai/v1/…, helpdesk /helpdesk/v2/…)")
        console.out("Credentials: docs/sandbox.md. Ctrl-C stops.")
        await ShutdownSignal.wait()
        await server.stop()
    }
}

/// Waits for SIGINT or SIGTERM.
enum ShutdownSignal {
    static func wait() async {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = OnceFlag()
            for number in [SIGINT, SIGTERM] {
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    if once.claim() { continuation.resume() }
                }
                source.resume()
                Retained.keep(source as AnyObject)
            }
        }
    }
}

/// True the first time only, from any thread.
final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if done { return false }
        done = true
        return true
    }
}

/// Keeps signal sources alive for the life of the process.
enum Retained {
    nonisolated(unsafe) private static var objects: [AnyObject] = []
    private static let lock = NSLock()
    static func keep(_ object: AnyObject) {
        lock.lock()
        objects.append(object)
        lock.unlock()
    }
}
