/// Reads and writes sizes as configuration writes them: `1MiB`, `512KiB`, `2MB`, `65536`.
public enum ByteSizeText {
    /// Parses a whole number of bytes, optionally with a unit: `B`, `KB`/`MB`/`GB` (powers of 1000)
    /// or `KiB`/`MiB`/`GiB` (powers of 1024), case-insensitive, a space allowed before the unit.
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingSpaces
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        guard !digits.isEmpty, let value = Double(digits), value.isFinite, value >= 0 else { return nil }
        let factor: Double
        switch trimmed.dropFirst(digits.count).trimmingSpaces.lowercased() {
        case "", "b": factor = 1
        case "kb": factor = 1000
        case "mb": factor = 1_000_000
        case "gb": factor = 1_000_000_000
        case "kib": factor = 1024
        case "mib": factor = 1024 * 1024
        case "gib": factor = 1024 * 1024 * 1024
        default: return nil
        }
        let bytes = (value * factor).rounded()
        guard bytes < 1e15 else { return nil }
        return Int(bytes)
    }

    /// The shortest exact form in binary units: `1MiB`, `512KiB`, `1500B`.
    public static func format(_ bytes: Int) -> String {
        for (unit, size) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] where bytes >= size {
            if bytes % size == 0 { return "\(bytes / size)\(unit)" }
        }
        return "\(bytes)B"
    }
}
