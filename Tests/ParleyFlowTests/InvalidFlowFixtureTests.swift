import Foundation
import Testing
import ParleyFlow

/// Every file in Fixtures/invalid is a broken flow whose `# expect:` comments pin the exact
/// diagnostics (`line:column: message`, or `path:line:column: message` for another file).
@Suite struct InvalidFlowFixtureTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/invalid").path

    static let fixtures: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    @Test func thereAreAtLeastTwentyFiveFixtures() {
        #expect(Self.fixtures.count >= 25)
    }

    @Test(arguments: fixtures)
    func fixtureProducesExactlyItsExpectedDiagnostics(_ name: String) throws {
        let path = Self.directory + "/" + name
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let expected = text.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("# expect: ") else { return nil }
            let body = String(line.dropFirst("# expect: ".count))
            return body.first?.isNumber == true ? "\(name):\(body)" : body
        }
        #expect(!expected.isEmpty, "fixture \(name) pins no diagnostic")

        let result = FlowLoader(environment: ["HOME": "/root"]).load(paths: [path])
        let prefix = Self.directory + "/"
        let actual = result.diagnostics.map { d in
            "\(d.location.file.replacingOccurrences(of: prefix, with: "")):\(d.location.line):\(d.location.column): "
                + d.message.replacingOccurrences(of: prefix, with: "")
        }
        #expect(actual == expected)
        #expect(result.flows.isEmpty, "an invalid flow must not be runnable")
        // Errors, and notes that point at where to look (the header of a table).
        #expect(result.diagnostics.contains { $0.severity == .error })
        #expect(result.diagnostics.allSatisfy { $0.severity != .warning })
    }

    @Test func diagnosticsCarryTheSourceLineForTheCaret() throws {
        let result = FlowLoader(environment: [:]).load(paths: [Self.directory + "/unknown-step.yaml"])
        let diagnostic = try #require(result.diagnostics.first)
        #expect(diagnostic.sourceLine == "  - expct: /help/i")
    }

    @Test func diagnosticsInsideIncludedFilesShowThatFilesLine() throws {
        let result = FlowLoader(environment: [:]).load(paths: [Self.directory + "/include-broken.yaml"])
        let diagnostic = try #require(result.diagnostics.first)
        #expect(diagnostic.location.file.hasSuffix("_parts/broken-steps.yaml"))
        #expect(diagnostic.sourceLine == "- sned: Again")
    }
}
