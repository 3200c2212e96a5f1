import Foundation
import Testing

@testable import ParleyYAML

/// Input handed to libyaml already decoded (plain ASCII) reads exactly as input its reader decodes:
/// the same nodes, positions, styles and tags, the same errors at the same places.
@Suite struct PreloadTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Every YAML file of the repository's flows, examples and test fixtures.
    static let files: [String] = {
        var found: [String] = []
        for folder in ["flows", "examples", "Tests"] {
            let root = repository.appendingPathComponent(folder).path
            guard let walker = FileManager.default.enumerator(atPath: root) else { continue }
            for case let path as String in walker where path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
                found.append(root + "/" + path)
            }
        }
        return found.sorted()
    }()

    static let snippets: [String] = [
        "", "# only a comment\n", "a: 1", "a: 1\r\nb: [x, y]\r\n", "a: 1\rb: 2\r", "a:\n\t- x\n",
        "a: b: c\n", "flow: a\nsteps: [\n  - send: x\n", "a: 'unclosed\n", "x: { a: 1, a: 2 }\n",
        "base: &b { a: 1 }\nderived:\n  <<: *b\n  c: 2\n", "a: *nope\n", "a: 1\n---\nb: 2\n",
        "text: |\n  keep\n  lines\n\nfolded: >-\n  one\n  two\n", "q: \"esc \\t \\u00e9 \\\"\"\n",
        "? [a, b]\n: c\n", "list:\n- a\n-   b\n- - c\n  - d\n", "k: v # trailing comment\n",
        "naïve: é\n", "emoji: \"👋\"\n", "bell: \u{07}\n", "del: \u{7F}\n", "bom: x", "\u{FEFF}bom: x\n",
        "deep: " + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "\n",
        "t: !include other.yaml\nu: !!str 3\n", "x:\n  - a: 1\n    b: 2\n  - c\n", "  indented: 1\n back: 2\n",
    ]

    /// The tree as text with every node's position, style and tag, or the error.
    func outcome(_ bytes: [UInt8], preloading: Bool) -> String {
        do {
            guard
                let root = try YAMLParser.parse(
                    bytes: bytes, file: "f.yaml", limits: YAMLLimits(maxDepth: 64), preloading: preloading)
            else { return "no document" }
            return describe(root)
        } catch {
            return "error at \(error.location): \(error.message)"
        }
    }

    func describe(_ node: YAMLNode) -> String {
        let at = "@\(node.location.line):\(node.location.column)\(node.tag.map { " " + $0 } ?? "")"
        switch node.content {
        case .scalar(let s): return "\(s.style):\(s.value.debugDescription)\(at)"
        case .sequence(let items): return "[" + items.map(describe).joined(separator: ", ") + "]\(at)"
        case .mapping(let pairs):
            return "{" + pairs.map { describe($0.key) + ": " + describe($0.value) }.joined(separator: ", ") + "}\(at)"
        }
    }

    @Test func theRepositorysYAMLFilesReadTheSameEitherWay() throws {
        #expect(Self.files.count > 40, "found \(Self.files.count) files under \(Self.repository.path)")
        for path in Self.files {
            let bytes = try #require(FileManager.default.contents(atPath: path)).map { $0 }
            #expect(outcome(bytes, preloading: true) == outcome(bytes, preloading: false), "\(path)")
        }
    }

    @Test(arguments: snippets)
    func snippetsReadTheSameEitherWay(_ text: String) {
        let bytes = Array(text.utf8)
        #expect(outcome(bytes, preloading: true) == outcome(bytes, preloading: false))
    }

    @Test func inputLargerThanLibyamlsBufferReadsTheSame() {
        let big = Array((0..<6000).map { "key\($0): value \($0)\n" }.joined().utf8)
        #expect(big.count > 100_000)
        let read = outcome(big, preloading: true)
        #expect(read == outcome(big, preloading: false))
        #expect(read.hasPrefix("{plain:\"key0\"@1:1: plain:\"value 0\"@1:7"))
    }

    func preloads(_ text: String) throws -> Bool {
        var builder = TreeBuilder(file: "f.yaml", bytes: Array(text.utf8), limits: .default)
        _ = try? builder.run(preloading: true)
        return builder.preloaded
    }

    @Test func onlyPlainASCIIThatFitsIsPreloaded() throws {
        #expect(try preloads("a: 1\r\n\tb: [x, y] # c\n"))
        #expect(try preloads(""))
        #expect(try !preloads("naïve: é\n"))
        #expect(try !preloads("bell: \u{07}\n"))
        #expect(try !preloads("del: \u{7F}\n"))
        #expect(try !preloads("\u{FEFF}bom: x\n"))
        #expect(try !preloads(String(repeating: "k: v\n", count: 20_000)))
    }
}
