import ParleyFlow
import ParleyRun

/// Reads a target's `max_reply_size:` — `1MiB` (the default), `256KiB`, `4MB` or a number of bytes.
enum ReplyLimitSetting {
    /// Below this a reply could not even hold a paragraph; above, memory per conversation gets silly.
    static let range = 1024...(256 << 20)

    /// The target's limit; `nil` (with an error reported) when the value is not a size in range.
    static func read(_ map: MappingReader, values: ConfigValues) -> ReplyLimit? {
        let key = ReplyLimit.settingKey
        guard let node = map[key] else { return .default }
        guard let text = values.resolve(node, for: key) else { return nil }
        guard let bytes = ByteSizeText.parse(text), range.contains(bytes) else {
            values.sink.error(
                "`\(key)` must be a size between \(ByteSizeText.format(range.lowerBound)) and "
                    + "\(ByteSizeText.format(range.upperBound)) such as 1MiB or 512KiB, not `\(text)`",
                at: node.location)
            return nil
        }
        return ReplyLimit(bytes: bytes)
    }
}
