import ArgumentParser
import Foundation

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Start a Parley project: a parley.yaml, a first flow, and schemas for your editor.",
        discussion: """
            Writes parley.yaml (the built-in sandbox as the default target, with commented-out examples \
            of Amigo, Amelia, AgentHuman, HTTP and OpenAI targets and of simulators), flows/hello.yaml \
            (a flow that passes against the sandbox) and schema/*.schema.json, which the files' first-line \
            `# yaml-language-server: $schema=...` comments point at for completion and checks in editors.

            Never overwrites a file: when any of them exists, nothing is written and the exit code is 2.

            Examples:
              parley init                   in the current folder
              parley init support-bot       in ./support-bot (created if missing)
              cd support-bot && parley run

            Exit codes: 0 written · 2 a file exists already, nothing written · 3 could not write.
            """
    )

    @Argument(help: ArgumentHelp("The project folder. Default: the current folder.", valueName: "dir"))
    var directory: String = "."

    func run() throws {
        let console = Console()
        let files = ProjectScaffold.files
        let fm = FileManager.default
        func target(_ file: ProjectScaffold.File) -> String {
            directory == "." ? file.path : (directory as NSString).appendingPathComponent(file.path)
        }

        let existing = files.map(target).filter { fm.fileExists(atPath: $0) }
        if !existing.isEmpty {
            for path in existing {
                console.err(
                    "\(path): " + console.style("error:", .red, .bold, forErrors: true)
                        + " already exists; parley init never overwrites a file")
            }
            console.err("nothing was written")
            throw ExitCode(2)
        }

        for file in files {
            let path = target(file)
            do {
                let folder = (path as NSString).deletingLastPathComponent
                if !folder.isEmpty { try fm.createDirectory(atPath: folder, withIntermediateDirectories: true) }
                // `withoutOverwriting` too, in case the file appeared since the check above.
                try Data(file.contents.utf8).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
            } catch {
                console.err(
                    "\(path): " + console.style("error:", .red, .bold, forErrors: true)
                        + " cannot write: \(error.localizedDescription)")
                throw ExitCode(3)
            }
            console.out("wrote \(path)")
        }
        let enter = directory == "." ? "" : "cd \(shellQuoted(directory)) && "
        console.out("")
        console.out("next: \(enter)parley run        runs \(ProjectScaffold.flowPath) against the built-in sandbox")
        console.out("      \(enter)parley validate   checks flows and parley.yaml without running anything")
    }

    private func shellQuoted(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "/._-~".unicodeScalars.contains($0)
        }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
