extension Duration {
    /// Whole milliseconds, rounded up so that a wait never ends early.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        let fraction = (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? Int.min : Int.max }
        return Int(clamping: product) &+ Int(fraction)
    }
}
