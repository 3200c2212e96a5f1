/// What the shape of a regular expression says about the time matching it can take.
///
/// Syntactic checks that prove nothing: one for a warning, one to skip the cost of a time budget
/// where no budget is needed.
public enum RegexShape {
    /// The shape that backtracks catastrophically: a repeated group that itself contains something
    /// repeated without bound, such as `(a+)+`, `(\w+\s?)*` or `(x*){2,}`. On a long text that does
    /// not match, such a pattern can try exponentially many ways to split it. Atomic groups
    /// (`(?>…)`) and possessive quantifiers (`++`, `*+`), which do not backtrack, are left out.
    /// Returns the first offending group as written (`(a+)+`), or `nil`.
    public static func nestedRepeat(in pattern: String) -> String? {
        // Only a group followed by `+`, `*` or `{` can repeat; most patterns have none, and the walk
        // below goes character by character.
        var previous: UInt8 = 0
        var repeatedGroup = false
        for byte in pattern.utf8 {
            if previous == UInt8(ascii: ")"),
                byte == UInt8(ascii: "+") || byte == UInt8(ascii: "*")
                    || byte == UInt8(ascii: "{")
            {
                repeatedGroup = true
                break
            }
            previous = byte
        }
        guard repeatedGroup else { return nil }
        let chars = Array(pattern)
        // Per open group: where it starts, whether it is atomic, whether it holds an unbounded repeat.
        var groups: [(start: Int, atomic: Bool, repeats: Bool)] = []
        var next = 0
        for i in syntaxPositions(chars) where i >= next {
            switch chars[i] {
            case "(":
                let atomic = i + 2 < chars.count && chars[i + 1] == "?" && chars[i + 2] == ">"
                groups.append((i, atomic, false))
            case ")":
                guard let group = groups.popLast() else { break }
                let (unbounded, length, possessive) = quantifier(chars, at: i + 1)
                if group.repeats, !group.atomic, length > 0, unbounded || repeatsMoreThanOnce(chars, at: i + 1),
                    !possessive
                {
                    return String(chars[group.start..<(i + 1 + length)])
                }
                // The group, repeated or holding a repeat, makes its enclosing group hold one.
                if !groups.isEmpty, (group.repeats && !group.atomic) || (unbounded && !possessive) {
                    groups[groups.count - 1].repeats = true
                }
                next = i + 1 + length
            default:
                let (unbounded, length, possessive) = quantifier(chars, at: i)
                if unbounded, !possessive, !groups.isEmpty { groups[groups.count - 1].repeats = true }
                next = i + max(1, length)
            }
        }
        return nil
    }

    /// Whether anything in the pattern repeats without bound (`*`, `+`, `{n,}`). Without such a
    /// repeat, matching takes time proportional to the text; with one — even `/a+b/` on a long run
    /// of `a`s — it can take the square of it or worse.
    public static func repeatsWithoutBound(_ pattern: String) -> Bool {
        let chars = Array(pattern)
        return syntaxPositions(chars).contains { quantifier(chars, at: $0).0 }
    }

    /// Where the characters that are syntax stand: not escaped (`\+`), not inside a character
    /// class (`[+*]`, a `]` right after `[` or `[^` being a member), and not a class's brackets.
    private static func syntaxPositions(_ chars: [Character]) -> [Int] {
        var positions: [Int] = []
        var i = 0
        var inClass = false
        while i < chars.count {
            let c = chars[i]
            if c == "\\" {
                i += 2
                continue
            }
            if inClass {
                if c == "]" { inClass = false }
            } else if c == "[" {
                inClass = true
                if i + 1 < chars.count, chars[i + 1] == "^" { i += 1 }
                if i + 1 < chars.count, chars[i + 1] == "]" { i += 1 }
            } else {
                positions.append(i)
            }
            i += 1
        }
        return positions
    }

    /// The quantifier starting at `index`, if any: whether it is unbounded (`*`, `+`, `{n,}`), how
    /// many characters it takes (with a lazy `?` or possessive `+`), and whether it is possessive.
    private static func quantifier(_ chars: [Character], at index: Int) -> (Bool, Int, Bool) {
        guard index < chars.count else { return (false, 0, false) }
        var length = 0
        var unbounded = false
        switch chars[index] {
        case "*", "+":
            unbounded = true
            length = 1
        case "?":
            length = 1
        case "{":
            guard let close = chars[index...].firstIndex(of: "}") else { return (false, 0, false) }
            let body = String(chars[(index + 1)..<close])
            let parts = body.split(separator: ",", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), parts.allSatisfy({ $0.allSatisfy(\.isNumber) }), !parts[0].isEmpty
            else { return (false, 0, false) }
            unbounded = parts.count == 2 && parts[1].isEmpty
            length = close - index + 1
        default:
            return (false, 0, false)
        }
        var possessive = false
        if index + length < chars.count {
            if chars[index + length] == "+" {
                possessive = true
                length += 1
            } else if chars[index + length] == "?" {
                length += 1
            }
        }
        return (unbounded, length, possessive)
    }

    /// Whether a bounded `{n,m}` quantifier at `index` repeats more than once (`{2,5}`, not `{0,1}`).
    private static func repeatsMoreThanOnce(_ chars: [Character], at index: Int) -> Bool {
        guard index < chars.count, chars[index] == "{", let close = chars[index...].firstIndex(of: "}") else {
            return false
        }
        let numbers = String(chars[(index + 1)..<close]).split(separator: ",").compactMap { Int($0) }
        return (numbers.last ?? 0) > 1
    }
}
