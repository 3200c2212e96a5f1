// What a time budget costs a regular expression match, and how soon it stops a runaway one.
//
//     swiftc -O scripts/regex-budget.swift -o /tmp/regex-budget && /tmp/regex-budget
//
// Parley matches flow patterns with NSRegularExpression. Without a budget a match is one
// `firstMatch` call; with one it is `enumerateMatches` with `.reportProgress`, whose callback ICU
// calls before each start position and every few thousand backtracking steps, and which reads the
// clock every 16th call (the way CompiledRegex.firstMatch(in:deadline:pattern:) does). This prints
// the cost of each on replies of several sizes, and how long a runaway pattern runs before the
// budget stops it.
import Foundation

func budgeted(_ regex: NSRegularExpression, _ text: String, deadline: ContinuousClock.Instant) -> (Bool, Bool) {
    var found = false
    var stopped = false
    var calls = 0
    regex.enumerateMatches(in: text, options: [.reportProgress], range: NSRange(text.startIndex..., in: text)) {
        match, _, stop in
        if match != nil {
            found = true
            stop.pointee = true
            return
        }
        calls &+= 1
        if calls & 0xF == 0, ContinuousClock.now >= deadline {
            stopped = true
            stop.pointee = true
        }
    }
    return (found, stopped)
}

func perMatch(_ iterations: Int, _ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    let began = clock.now
    for _ in 0..<iterations { body() }
    let elapsed = clock.now - began
    return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) / Double(iterations)
}

func show(_ seconds: Double) -> String {
    seconds < 1e-3 ? String(format: "%.1f µs", seconds * 1e6) : String(format: "%.2f ms", seconds * 1e3)
}

let sentence = "Thanks! I found order ORD-1042 and opened ticket T-12345 for it. I can refund the full $49.99. "
let patterns = [("/order (number|id)/i", "order (number|id)", NSRegularExpression.Options.caseInsensitive),
                ("/ticket (T-\\d+)/", "ticket (T-\\d+)", [])]
print("reply size      pattern                  no budget    with budget")
for size in [300, 4096, 65536, 1 << 20] {
    var reply = ""
    while reply.utf8.count < size { reply += sentence }
    reply = String(reply.prefix(size))
    let iterations = max(3, 2_000_000 / size)
    for (shown, source, options) in patterns {
        let regex = try! NSRegularExpression(pattern: source, options: options)
        let plain = perMatch(iterations) {
            _ = regex.firstMatch(in: reply, options: [], range: NSRange(reply.startIndex..., in: reply))
        }
        let bounded = perMatch(iterations) { _ = budgeted(regex, reply, deadline: .now + .seconds(60)) }
        print(
            String(size).padding(toLength: 16, withPad: " ", startingAt: 0)
                + shown.padding(toLength: 25, withPad: " ", startingAt: 0)
                + show(plain).padding(toLength: 13, withPad: " ", startingAt: 0) + show(bounded))
    }
}

let runaway = try! NSRegularExpression(pattern: "(a+)+$")
for length in [30, 5000] {
    let text = String(repeating: "a", count: length) + "!"
    let clock = ContinuousClock()
    let began = clock.now
    let (_, stopped) = budgeted(runaway, text, deadline: began + .seconds(2))
    print("/(a+)+$/ on \(length + 1) characters with a 2s budget: \(stopped ? "stopped" : "finished") after \(clock.now - began)")
}
