import ArgumentParser

/// Options of the commands that grade saved transcripts (`rejudge`, `judge calibrate`).
struct JudgingOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The judge (a name under judges:).", valueName: "name"))
    var judge: String?

    @OptionGroup var configuration: ConfigOptions

    @Flag(name: .long, help: "Ask the judges for fresh verdicts instead of reusing cached ones.")
    var noCache = false

    var config: String? { configuration.config }
    var noColor: Bool { configuration.noColor }
}
