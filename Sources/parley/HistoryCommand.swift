import ArgumentParser
import Foundation
import ParleyFlow
import ParleyHistory
import ParleyJSON
import ParleyReports
import ParleyResults
import ParleyRun
import ParleyRuntime

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "What the recorded runs say over time: pass rates, flaky flows, failures, latency.",
        discussion: """
            Every `parley run` records its run in the history: .parley/history.sqlite by default, or the \
            database named by --history or by `history: {url: …}` in parley.yaml (a SQLite file, or \
            postgres://user:password@host:port/database for PostgreSQL).

            Examples:
              parley history                              the last 30 runs of the whole suite
              parley history --flow refund-damaged-item   one flow: its runs, flips, first failing run
              parley history --target staging --since 30d
              parley history --json > history.json
              parley history --html history.html          a self-contained page with trend charts
              parley history import shard-1/ shard-2/     record runs made elsewhere (once each)
              parley history --history postgres://ci@db.internal/parley

            Exit codes: 0 answered · 2 bad options · 3 the history could not be opened or read.
            """,
        subcommands: [HistoryShowCommand.self, HistoryImportCommand.self],
        defaultSubcommand: HistoryShowCommand.self
    )
}

/// `--history` and `--config`: which history a command uses.
struct HistoryOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The history: a SQLite file or postgres://user:password@host:port/database. Default: parley.yaml's "
                + "history.url, else .parley/history.sqlite.",
            valueName: "location"))
    var history: String?

    @OptionGroup var configuration: ConfigOptions

    var config: String? { configuration.config }
    var noColor: Bool { configuration.noColor }

    /// The history's location; its secrets (the configuration's, a password in `--history`) are
    /// kept out of everything the console prints from here on, and returned for files written.
    func location(console: Console) throws -> (String, SecretRegistry) {
        let (workspace, diagnostics) = Workspace.load(configPath: config)
        guard let workspace else {
            DiagnosticPrinter(console: console).print(diagnostics)
            throw ExitCode(2)
        }
        var secrets = workspace.config.secrets
        if let history, let password = HistoryURLPassword.password(in: history) { secrets.insert(password) }
        let registry = SecretRegistry(secrets)
        console.protect(with: registry)
        return (history ?? workspace.config.history.url ?? HistoryStore.defaultPath, registry)
    }

    /// Opens the history, printing why it cannot be and exiting 3.
    func open(console: Console) async throws -> (HistoryStore, SecretRegistry) {
        let (location, secrets) = try location(console: console)
        do {
            let store = try await HistoryStore.open(location)
            if store.migration.from > 0, store.migration.from < store.migration.to {
                console.err(
                    "history: upgraded \(store.location) from schema version \(store.migration.from) to "
                        + "\(store.migration.to)")
            }
            return (store, secrets)
        } catch {
            console.err(console.style("error:", .red, .bold, forErrors: true) + " " + error.message)
            throw ExitCode(3)
        }
    }
}

struct HistoryShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the history (the default): pass rate per run, flips, failing flows, latency.")

    @OptionGroup var options: HistoryOptions

    @Option(name: .long, help: ArgumentHelp("Only this flow.", valueName: "name"))
    var flow: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("Only flow runs against this target.", valueName: "name"))
    var target: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Only runs since: 30d, 2w, 12h, or a date (2026-03-01).", valueName: "when"))
    var since: String?

    @Option(name: .long, help: ArgumentHelp("At most this many runs, the latest.", valueName: "n"))
    var last: Int = 30

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @Option(
        name: .long, help: ArgumentHelp("Also write a self-contained HTML page with trend charts.", valueName: "file"))
    var html: String?

    func validate() throws {
        if last < 1 { throw ValidationError("--last must be at least 1") }
        if let since, SinceText.date(since, now: Date()) == nil {
            throw ValidationError("--since looks like 30d, 2w, 12h or 2026-03-01")
        }
    }

    func run() async throws {
        let console = Console(forceNoColor: options.noColor)
        let (store, secrets) = try await options.open(console: console)
        let query = HistoryQuery(
            flow: flow, target: target, since: since.flatMap { SinceText.date($0, now: Date()) }, last: last)
        let report: HistoryReport
        do {
            report = try await store.report(query)
        } catch {
            await store.close()
            console.err(console.style("error:", .red, .bold, forErrors: true) + " " + error.message)
            throw ExitCode(3)
        }
        await store.close()
        if let html {
            do {
                try RunWriter.writeAtomically(
                    path: html, bytes: secrets.redact(Array(HistoryPage.render(report).utf8)))
            } catch {
                console.err(console.style("error:", .red, .bold, forErrors: true) + " \(error)")
                throw ExitCode(3)
            }
        }
        if json {
            console.out(String(decoding: report.json.prettyBytes, as: UTF8.self))
        } else {
            HistoryPrinter(console: console).print(report)
            if let html { console.out("page:       \(html)") }
        }
    }
}

struct HistoryImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Record run directories made elsewhere (CI shards, merged runs); each run is recorded once.",
        discussion: """
            A run already in the history (the same run id) is left as it is, so importing twice is harmless.

            Examples:
              parley history import .parley/runs/*/
              parley history import nightly/ --history postgres://ci@db.internal/parley

            Exit codes: 0 imported · 2 a directory is not a run · 3 the history could not be written.
            """)

    @OptionGroup var options: HistoryOptions

    @Argument(help: ArgumentHelp("Run directories.", valueName: "dir"))
    var directories: [String]

    func validate() throws {
        if directories.isEmpty { throw ValidationError("name at least one run directory") }
    }

    func run() async throws {
        let console = Console(forceNoColor: options.noColor)
        var runs: [RecordedRun] = []
        for directory in directories {
            do {
                runs.append(try RecordedRun.scan(directory: directory))
            } catch {
                throw RunDirectoryInput.fail("\(error)", console: console, exitCode: 2)
            }
        }
        let (store, _) = try await options.open(console: console)
        var recorded = 0
        for run in runs {
            do {
                let isNew = try await store.record(run)
                if isNew { recorded += 1 }
                console.out(
                    (isNew ? "recorded  " : "already   ") + "\(run.id)  \(run.summary.passed)/\(run.summary.total) "
                        + "passed  (\(run.source))")
            } catch {
                await store.close()
                console.err(console.style("error:", .red, .bold, forErrors: true) + " " + error.message)
                throw ExitCode(3)
            }
        }
        await store.close()
        console.out(
            "\(recorded) run\(recorded == 1 ? "" : "s") recorded, \(runs.count - recorded) already there, in "
                + store.location)
    }
}

/// `--since`: `30d`, `2w`, `12h`, `45m`, or a date or time (`2026-03-01`, ISO 8601).
enum SinceText {
    static func date(_ text: String, now: Date) -> Date? {
        let trimmed = text.trimmingSpaces
        if let unit = trimmed.last, let amount = Double(trimmed.dropLast()), amount >= 0 {
            let seconds: Double? =
                switch unit {
                case "w": amount * 7 * 86_400
                case "d": amount * 86_400
                case "h": amount * 3_600
                case "m": amount * 60
                default: nil
                }
            if let seconds { return now.addingTimeInterval(-seconds) }
        }
        if let date = Timestamp.parse(trimmed) { return date }
        return try? Date.ISO8601FormatStyle().year().month().day().parse(trimmed)
    }
}
