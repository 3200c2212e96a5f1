import ArgumentParser
import ParleyProviders
import ParleyRuntime

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check flows and parley.yaml without running anything.",
        discussion: """
            Reports every problem of every file at once, as path:line:column: error: message, with the \
            line and a caret. Also checks that each flow only uses steps its target supports, and — \
            without --target — every target in parley.yaml (its provider, keys and ${env.X} variables), \
            whether a flow uses it or not. Warns about patterns with nested quantifiers such as (a+)+, \
            which can take exponential time on a long reply.

            Examples:
              parley validate                    check flows/
              parley validate flows/refund.yaml --target staging

            Exit codes: 0 valid · 2 errors found.
            """
    )

    @OptionGroup var project: ProjectOptions

    @Flag(name: .long, help: "Leave out flows their target cannot run instead of reporting them as errors.")
    var skipUnsupported = false

    func run() async throws {
        let console = Console(forceNoColor: project.noColor)
        let checked = try project.check(
            console: console,
            planOptions: PlanOptions(skipUnsupported: skipUnsupported, checkEveryTarget: project.target == nil))
        for (flow, reason) in checked.plan.skipped {
            console.out("skip  \(flow): \(reason)")
        }
        let targets = checked.plan.targetNames.sorted().joined(separator: ", ")
        let runs = checked.plan.runCount
        console.out(
            console.style("ok", .green, .bold)
                + " \(checked.flowCount) flow\(checked.flowCount == 1 ? "" : "s") valid; "
                + "\(runs) flow run\(runs == 1 ? "" : "s") against \(targets.isEmpty ? "no target" : targets)")
    }
}
