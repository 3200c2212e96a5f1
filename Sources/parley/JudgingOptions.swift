import ArgumentParser

/// Options of the commands that grade saved transcripts (`rejudge`, `judge calibrate`).
struct JudgingOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The judge (a name under judges:).", valueName: "name"))
    var judge: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The configuration file. Default: parley.yaml in the current folder, if any.", valueName: "file"))
    var config: String?

    @Flag(name: .long, help: "Ask the judges for fresh verdicts instead of reusing cached ones.")
    var noCache = false

    @Flag(name: .long, help: "Never colour the output (also: NO_COLOR=1).")
    var noColor = false
}
