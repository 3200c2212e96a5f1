/// Secrets that prove a webhook delivery comes from the sender Parley gave them to.
public enum WebhookSecret {
    /// A fresh random secret: 32 bytes from the system's generator, as 64 hexadecimal digits.
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// A random secret drawn from `generator` (64 hexadecimal digits).
    public static func random<Generator: RandomNumberGenerator>(using generator: inout Generator) -> String {
        let digits = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(64)
        for _ in 0..<4 {
            var word = generator.next()
            for _ in 0..<16 {
                text.append(digits[Int(word & 0xF)])
                word >>= 4
            }
        }
        return text
    }

    /// Whether `given` is `expected`, in time that depends only on their lengths, never on where
    /// they first differ: a sender guessing byte by byte learns nothing from how fast a wrong
    /// secret is refused. A missing value never matches.
    public static func matches(_ given: String?, _ expected: String) -> Bool {
        guard let given else { return false }
        let a = Array(given.utf8)
        let b = Array(expected.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        // Every byte of the longer value is looked at, whatever the other holds.
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
