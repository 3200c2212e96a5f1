#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A point on the continuous clock (`ContinuousClock`'s, which counts while the machine sleeps)
/// as a count of nanoseconds: for the time kept on a turn's path, in the flow run's async frames
/// (across their awaits) and in the HTTP loop's transfers and timers. `ContinuousClock.Instant`'s
/// layout is the standard library's own, so each one held there is sized at run time (allocated
/// from the task's allocator, in a frame) and copied and compared through its type's witnesses;
/// this is an integer.
public struct MonotonicInstant: Sendable, Hashable, Comparable {
    /// Nanoseconds since the clock's origin (the machine's boot).
    public let nanoseconds: Int64

    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// Now.
    public static var now: MonotonicInstant {
        var time = timespec()
        #if os(Linux)
            clock_gettime(CLOCK_BOOTTIME, &time)
        #else
            clock_gettime(CLOCK_MONOTONIC_RAW, &time)
        #endif
        return MonotonicInstant(nanoseconds: Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec))
    }

    /// The span between two instants (saturating at about 292 years either way).
    public static func - (later: MonotonicInstant, earlier: MonotonicInstant) -> Duration {
        let (span, overflow) = later.nanoseconds.subtractingReportingOverflow(earlier.nanoseconds)
        return .nanoseconds(overflow ? (later.nanoseconds > earlier.nanoseconds ? .max : .min) : span)
    }

    /// `duration` later (earlier when negative), to the nanosecond; saturating, so that a limit
    /// of centuries is the end of time rather than a crash.
    public static func + (instant: MonotonicInstant, duration: Duration) -> MonotonicInstant {
        let (seconds, attoseconds) = duration.components
        // Within about 272 years either way, 64-bit arithmetic holds the span (the usual case, on
        // every request: a 128-bit multiplication costs a few times as much).
        if seconds.magnitude < 1 << 33 {
            let span = seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
            let (sum, overflow) = instant.nanoseconds.addingReportingOverflow(span)
            if !overflow { return MonotonicInstant(nanoseconds: sum) }
        }
        let nanoseconds = Int128(seconds) * 1_000_000_000 + Int128(attoseconds / 1_000_000_000)
        return MonotonicInstant(nanoseconds: Int64(clamping: Int128(instant.nanoseconds) + nanoseconds))
    }

    /// `milliseconds` later (earlier when negative), saturating like ``+(_:_:)``.
    public func advanced(byMilliseconds milliseconds: Int) -> MonotonicInstant {
        let (span, overflow) = Int64(clamping: milliseconds).multipliedReportingOverflow(by: 1_000_000)
        if !overflow {
            let (sum, overflow) = nanoseconds.addingReportingOverflow(span)
            if !overflow { return MonotonicInstant(nanoseconds: sum) }
        }
        return self + .milliseconds(milliseconds)
    }

    public static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }
}
