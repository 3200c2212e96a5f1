import ArgumentParser
import CAllocator
import ParleyFlow

@main
struct Parley: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley",
        abstract: "Run scripted and simulated conversations against conversational AI agents.",
        discussion: """
            A flow is a YAML file: a persona, a scenario and steps — send a message, expect a pattern in \
            the agent's reply, let a simulated user answer. Parley runs flows against a target (Amigo, \
            Amelia, AgentHuman, any HTTP agent, or the built-in sandbox) and records pass/fail transcripts.

            Examples:
              parley init my-agent-tests      start a project: parley.yaml, a first flow, editor schemas
              parley run                      run flows/ against the built-in demo agent
              parley run flows/refund.yaml    run one flow
              parley run --target staging --junit junit.xml flows/
              parley validate flows/          check flows and parley.yaml, run nothing
              parley show                     the latest run's failing runs, to pick from
              parley show refund#2            the latest run's refund #2, as a conversation
              parley report                   an HTML report of the latest run
              parley diff base/ candidate/    what regressed since the base run (exit 1)
              parley merge a/ b/ --out all/   one run directory from several
              parley rejudge runs/nightly     grade saved transcripts again, without the agent
              parley judge calibrate labels.jsonl   how a judge agrees with human verdicts
              parley history                  pass rates, flaky flows and failures over the recorded runs
              parley capture run/transcripts/x.json   a regression flow from a real conversation
              parley generate --about policy.md     personas, scenarios and flows written by a model
              parley coverage                 the agent's states, tools and intents the latest run never reached

            Exit codes:
              0  every flow run passed
              1  some flow run failed an assertion (the agent's behaviour)
              2  invalid input: a flow or parley.yaml has errors; nothing ran
              3  could not run: a provider was unreachable or refused the credentials,
                 or flow runs ended in errors without any failure
            """,
        version: ParleyVersion.current,
        subcommands: [
            RunCommand.self, ValidateCommand.self, ShowCommand.self, ReportCommand.self, DiffCommand.self,
            MergeCommand.self, HistoryCommand.self, RejudgeCommand.self, JudgeCommand.self, CaptureCommand.self,
            GenerateCommand.self, CoverageCommand.self, InitCommand.self,
            SandboxCommand.self,
        ],
        defaultSubcommand: nil
    )

    static func main() async {
        parley_allocator_configure()
        await main(nil)
    }
}
