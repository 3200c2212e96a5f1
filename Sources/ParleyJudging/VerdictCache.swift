import Foundation
import ParleyJSON
import ParleyRun

/// Verdicts on disk (`.parley/cache/judge/<sha256>.json`), keyed by everything that decides them:
/// the prompt version, the model and its settings, and the messages (transcript, actions, persona,
/// scenario, criteria). A re-run of an unchanged conversation costs no judge call.
public struct VerdictCache: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// `.parley/cache/judge` under `root`.
    public static func standard(root: String = ".parley") -> VerdictCache {
        VerdictCache(directory: (root as NSString).appendingPathComponent("cache/judge"))
    }

    /// The key of one judge call.
    public static func key(settings: JudgeModelSettings, messages: [JudgeMessage]) -> String {
        var members: [(String, JSONValue)] = [
            ("prompt_version", .string(JudgePrompt.version)),
            ("schema", JudgePrompt.schema),
            ("endpoint", .string(settings.endpoint)), ("model", .string(settings.model)),
            ("temperature", .double(settings.temperature)), ("seed", .int(settings.seed)),
        ]
        if let maxTokens = settings.maxTokens { members.append(("max_tokens", .int(maxTokens))) }
        members.append(
            (
                "messages",
                .array(messages.map { .object([("role", .string($0.role)), ("content", .string($0.content))]) })
            ))
        return SHA256.hex(JSONValue.object(members).canonical.bytes)
    }

    /// The verdicts stored under `key`, if any (an unreadable entry is a miss).
    public func read(_ key: String, criteria: Int) -> [(verdict: Verdict, reasoning: String)]? {
        guard let data = FileManager.default.contents(atPath: path(key)),
            let json = try? JSONValue(parsing: [UInt8](data)), let answer = json["answer"]?.string
        else { return nil }
        return try? VerdictParser.parse(answer, criteria: criteria)
    }

    /// Stores a parsed answer; a cache that cannot be written is skipped (the verdicts still count).
    public func write(_ key: String, answer: String, model: String) {
        let entry = JSONValue.object([
            ("prompt_version", .string(JudgePrompt.version)), ("model", .string(model)),
            ("stored_at", .string(Timestamp.iso8601(Date()))), ("answer", .string(answer)),
        ])
        let fm = FileManager.default
        try? fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path(key) + ".\(UInt32.random(in: 0...UInt32.max)).tmp"
        guard fm.createFile(atPath: temporary, contents: Data(entry.prettyBytes)) else { return }
        if rename(temporary, path(key)) != 0 { try? fm.removeItem(atPath: temporary) }
    }

    private func path(_ key: String) -> String { (directory as NSString).appendingPathComponent(key + ".json") }
}
