import Foundation
import Testing
@testable import parley
import ParleyTestSupport
import ParleyResults

/// Serialized: each test waits on the binary synchronously (ParleyBinary.run), so one at a time keeps the
/// shared pool free for the other suites.
@Suite(.serialized) struct InitCommandTests {
    static let written = ProjectScaffold.files.map(\.path)

    @Test func initWritesAProjectThatRunsAndValidates() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        let result = try await ParleyBinary.run(["init"], in: dir)
        #expect(result.status == 0, "\(result.all)")
        for path in Self.written {
            #expect(result.stdout.contains("wrote \(path)\n"), "\(result.stdout)")
            let contents = try String(contentsOfFile: dir + "/" + path, encoding: .utf8)
            #expect(contents == ProjectScaffold.files.first { $0.path == path }?.contents)
        }
        #expect(result.stdout.contains("next: parley run"))

        let run = try await ParleyBinary.run(["run", "--out", "out"], in: dir)
        #expect(run.status == 0, "\(run.all)")
        #expect(run.stdout.contains("1 passed"), "\(run.stdout)")
        let records = try RunWriter.readRecords(directory: dir + "/out")
        #expect(records.map(\.outcome) == [.passed])

        let validate = try await ParleyBinary.run(["validate"], in: dir)
        #expect(validate.status == 0, "\(validate.all)")
        #expect(validate.stdout.contains("1 flow valid"), "\(validate.stdout)")
    }

    @Test func theWrittenFilesMatchTheWrittenSchemas() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        let result = try await ParleyBinary.run(["init", "project"], in: dir)
        #expect(result.status == 0, "\(result.all)")
        let project = dir + "/project"
        let cases = [
            SchemaValidator.Case(
                schema: "parley.schema.json", label: "parley.yaml",
                document: try SchemaValidator.document(yamlFile: project + "/parley.yaml")),
            SchemaValidator.Case(
                schema: "flow.schema.json", label: "flows/hello.yaml",
                document: try SchemaValidator.document(yamlFile: project + "/flows/hello.yaml")),
        ]
        // The validator reads only the project's folder, so a schema that another refers to and init
        // did not write fails here.
        let verdicts = try await SchemaValidator(schemaFolder: project + "/schema").validate(cases)
        #expect(verdicts.allSatisfy { $0.valid }, "\(verdicts)")
        // The schemas written are the repository's, every one of them.
        let originals = try FileManager.default.contentsOfDirectory(
            atPath: SchemaValidator.repositoryRoot + "/schema")
        #expect(originals.count >= 5)
        for name in originals {
            let written = try String(contentsOfFile: project + "/schema/" + name, encoding: .utf8)
            let original = try String(
                contentsOfFile: SchemaValidator.repositoryRoot + "/schema/" + name, encoding: .utf8)
            #expect(written == original, "\(name)")
        }
    }

    @Test func initIntoANewFolderCreatesItAndSaysHowToGetThere() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        let result = try await ParleyBinary.run(["init", "my tests/agent"], in: dir)
        #expect(result.status == 0, "\(result.all)")
        #expect(result.stdout.contains("wrote my tests/agent/parley.yaml"))
        #expect(result.stdout.contains("next: cd 'my tests/agent' && parley run"))
        #expect(FileManager.default.fileExists(atPath: dir + "/my tests/agent/flows/hello.yaml"))
    }

    @Test func initRefusesToOverwriteAndChangesNothing() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        #expect(try await ParleyBinary.run(["init"], in: dir).status == 0)
        try "# mine\ndefault_target: sandbox\ntargets: { sandbox: { provider: sandbox } }\n"
            .write(toFile: dir + "/parley.yaml", atomically: true, encoding: .utf8)
        let before = try Self.snapshot(dir)

        let again = try await ParleyBinary.run(["init"], in: dir)
        #expect(again.status == 2)
        #expect(
            again.stderr.contains("parley.yaml: error: already exists; parley init never overwrites a file"),
            "\(again.stderr)")
        #expect(again.stderr.contains("flows/hello.yaml: error: already exists"))
        #expect(again.stderr.contains("nothing was written"))
        #expect(again.stdout.isEmpty)
        #expect(try Self.snapshot(dir) == before)
    }

    @Test func oneExistingFileIsEnoughToWriteNothing() async throws {
        let dir = try ParleyBinary.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/flows", withIntermediateDirectories: true)
        try "steps: [{ send: hi }]\n".write(toFile: dir + "/flows/hello.yaml", atomically: true, encoding: .utf8)
        let result = try await ParleyBinary.run(["init"], in: dir)
        #expect(result.status == 2)
        #expect(result.stderr.contains("flows/hello.yaml: error: already exists"))
        #expect(!result.stderr.contains("parley.yaml: error"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/parley.yaml"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/schema"))
        #expect(try String(contentsOfFile: dir + "/flows/hello.yaml", encoding: .utf8) == "steps: [{ send: hi }]\n")
    }

    @Test func initHelpShowsExamples() async throws {
        let result = try await ParleyBinary.run(["init", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("parley init support-bot"))
        #expect(result.stdout.contains("Never overwrites a file"))
        let overview = try await ParleyBinary.run(["--help"])
        #expect(overview.stdout.contains("init"))
    }

    /// Every file under `dir` with its contents and modification date.
    static func snapshot(_ dir: String) throws -> [String: String] {
        var result: [String: String] = [:]
        let fm = FileManager.default
        for entry in fm.enumerator(atPath: dir)?.compactMap({ $0 as? String }) ?? [] {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: dir + "/" + entry, isDirectory: &isDirectory), !isDirectory.boolValue else {
                continue
            }
            let attributes = try fm.attributesOfItem(atPath: dir + "/" + entry)
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            result[entry] = "\(modified) " + (try String(contentsOfFile: dir + "/" + entry, encoding: .utf8))
        }
        return result
    }
}
