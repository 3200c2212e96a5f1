import Foundation

/// Reads `.env` files: `NAME=value` lines, `#` comments, optional `export ` and quotes.
public enum DotEnv {
    /// Variables defined in `text`; malformed lines are ignored rather than guessed at.
    public static func parse(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            var line = Substring(rawLine).drop { $0 == " " || $0 == "\t" }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst("export ".count).drop { $0 == " " } }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let name = line[..<eq].trimmingSpaces
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { continue }
            var value = line[line.index(after: eq)...].trimmingSpaces
            if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q {
                value = String(value.dropFirst().dropLast())
                if q == "\"" {
                    value = value.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(
                        of: "\\\"", with: "\"")
                }
            } else if let hash = value.range(of: " #") {
                value = value[..<hash.lowerBound].trimmingSpaces
            }
            result[name] = value
        }
        return result
    }

    /// The process environment with a `.env` file's values filling gaps (the process wins, as usual).
    public static func environment(process: [String: String], dotEnvPath: String?) -> [String: String] {
        guard let dotEnvPath, let data = FileManager.default.contents(atPath: dotEnvPath) else { return process }
        var merged = parse(String(decoding: data, as: UTF8.self))
        merged.merge(process) { _, fromProcess in fromProcess }
        return merged
    }
}
