import ArgumentParser
import ParleyResults

/// Reads a run directory named on the command line; prints why it cannot be read and exits 2.
enum RunDirectoryInput {
    static func records(of directory: RunDirectory, console: Console) throws -> [ResultRecord] {
        do {
            return try directory.records()
        } catch {
            console.err(console.style("error:", .red, .bold, forErrors: true) + " \(error)")
            throw ExitCode(2)
        }
    }

    /// Prints a problem that stops the command.
    static func fail(_ message: String, console: Console, exitCode: Int32) -> ExitCode {
        console.err(console.style("error:", .red, .bold, forErrors: true) + " \(message)")
        return ExitCode(exitCode)
    }
}
