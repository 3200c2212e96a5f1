import ArgumentParser
import Foundation
import ParleyFlow
import ParleyJSON
import ParleyResults

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two runs flow by flow and exit 1 when the candidate regressed.",
        discussion: """
            Flow runs are matched by flow name and persona (and a matrix run's scenario, a table's row); \
            repetitions (--repeat) are compared as a group. \
            When both runs ran a flow once, a regression is a new failure (the base passed, the candidate \
            failed or ended in an error). When either ran it more than once, a drop in pass rate is a \
            regression only when it is significant: Fisher's exact test (one-sided) gives a p-value below \
            --alpha (default 0.05); smaller drops are listed as "changed, not significant" with their \
            p-value. A pass-rate drop must also exceed --pass-rate-threshold. Latency regresses when the p50 \
            or p90 reply latency rose by more than --latency-threshold and more than --latency-floor. Fixes, \
            speed-ups and flows that only one run has are listed but never fail the command.

            Examples:
              parley diff .parley/runs/nightly-0301 .parley/runs/latest
              parley diff base/ candidate/ --pass-rate-threshold 10% --latency-floor 100ms
              parley diff base/ candidate/ --alpha 0.01          only changes significant at 1%
              parley diff base/ candidate/ --json > comparison.json

            Exit codes: 0 no regression · 1 the candidate regressed · 2 a run directory cannot be read.
            """
    )

    @Argument(help: ArgumentHelp("The run to compare against (e.g. last night's).", valueName: "base"))
    var base: String

    @Argument(help: ArgumentHelp("The run to judge.", valueName: "candidate"))
    var candidate: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Largest pass-rate drop that is not a regression, as 10% or 0.1; 0% makes any drop one.", valueName: "rate")
    )
    var passRateThreshold: Fraction = Fraction(0)

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Largest p50/p90 reply-latency rise that is not a regression, as 20% or 0.2.", valueName: "rate"))
    var latencyThreshold: Fraction = Fraction(0.2)

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Latency changes smaller than this never count, whatever the percentage.", valueName: "duration"))
    var latencyFloor: String = "50ms"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Significance level for pass-rate changes of flows that ran more than once.", valueName: "p"))
    var alpha: Double = 0.05

    @Flag(name: .long, help: "Print the comparison as JSON (every flow, changed or not).")
    var json = false

    @Flag(name: .long, help: "Also list flows that did not change.")
    var all = false

    @Flag(name: .long, help: "Never colour the output (also: NO_COLOR=1).")
    var noColor = false

    func validate() throws {
        if passRateThreshold.value > 1 { throw ValidationError("--pass-rate-threshold is at most 100%") }
        if DurationText.parse(latencyFloor) == nil { throw ValidationError("--latency-floor looks like 50ms or 0.2s") }
        if !(alpha > 0 && alpha < 1) { throw ValidationError("--alpha is between 0 and 1, e.g. 0.05") }
    }

    func run() throws {
        let console = Console(forceNoColor: noColor)
        let baseRecords = try RunDirectoryInput.records(of: RunDirectory(path: base), console: console)
        let candidateRecords = try RunDirectoryInput.records(of: RunDirectory(path: candidate), console: console)
        let floor = DurationText.parse(latencyFloor).map { Double($0.milliseconds) } ?? 50
        let thresholds = RunComparison.Thresholds(
            passRateDrop: passRateThreshold.value, latencyIncrease: latencyThreshold.value,
            latencyFloorMs: floor, alpha: alpha)
        let comparison = RunComparison.compare(
            base: baseRecords, candidate: candidateRecords, thresholds: thresholds,
            baseName: base, candidateName: candidate)
        if json {
            console.out(comparison.json.prettySerialized)
        } else {
            ComparisonPrinter(console: console, showUnchanged: all).print(comparison)
        }
        if comparison.regressed { throw ExitCode(1) }
    }
}

/// A fraction given as `20%` or `0.2`.
struct Fraction: ExpressibleByArgument, Sendable {
    var value: Double

    init(_ value: Double) { self.value = value }

    init?(argument: String) {
        let text = argument.trimmingSpaces
        if text.hasSuffix("%") {
            guard let percent = Double(text.dropLast()), percent.isFinite, percent >= 0 else { return nil }
            value = percent / 100
        } else {
            // A bare 20 would mean 2000%: more likely a forgotten % sign, so it is refused.
            guard let fraction = Double(text), fraction.isFinite, fraction >= 0, fraction <= 1 else { return nil }
            value = fraction
        }
    }

    var defaultValueDescription: String { "\(Int((value * 100).rounded()))%" }
}
