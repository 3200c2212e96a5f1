import Foundation
import Testing
import ParleyHTTP
@testable import ParleyProviders

/// The client-side budgets: seeded from documented limits, then following the server's headers.
@Suite struct RateLimitsTests {
    /// Takes `count` requests from `endpoint`, failing the test if any of them has to wait.
    /// Budgets that must make a request wait reset an hour away: a machine that stalls the test
    /// process for longer than the second raced here must not let the wait run out first.
    func takeWithoutWaiting(_ limits: RateLimits, _ endpoint: String, count: Int) async throws -> Bool {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                for _ in 0..<count { try await limits.acquire(endpoint) }
                return true
            }
            group.addTask {
                try await Task.sleep(for: .seconds(1))
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    @Test func theServersHigherLimitLiftsTheDocumentedOne() async throws {
        let limits = RateLimits(perMinute: ["create": 5])
        #expect(try await takeWithoutWaiting(limits, "create", count: 5))
        limits.observe(
            "create",
            headers: [
                "X-RateLimit-Limit": "1000000", "X-RateLimit-Remaining": "999995",
                "X-RateLimit-Reset": "\(Int(Date().timeIntervalSince1970) + 60)",
            ])
        #expect(
            try await takeWithoutWaiting(limits, "create", count: 50),
            "the server allows far more than the documented 5")
    }

    @Test func anExhaustedServerBudgetWaitsForTheReset() async throws {
        let limits = RateLimits(perMinute: ["requests": 60])
        limits.observe(
            "requests",
            headers: [
                "X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": "\(Int(Date().timeIntervalSince1970) + 3600)",
            ])
        #expect(try await !takeWithoutWaiting(limits, "requests", count: 1), "no request before the window resets")
    }

    /// The three fields are found whatever their case and wherever they are, the first of each.
    @Test func rateLimitFieldsAreFoundInAnyCaseAndOrder() async throws {
        let limits = RateLimits()
        limits.observe(
            "requests",
            headers: [
                "Date": "Thu, 03 Dec 2026 22:07:50 GMT",
                "x-ratelimit-reset": "\(Int(Date().timeIntervalSince1970) + 3600)",
                "X-RATELIMIT-REMAINING": "0", "x-RateLimit-Remaining": "50", "X-RateLimit-Limit": "60",
            ])
        #expect(try await !takeWithoutWaiting(limits, "requests", count: 1), "the first Remaining (0) counts")
    }

    @Test func endpointsWithoutALimitNeverWait() async throws {
        #expect(try await takeWithoutWaiting(RateLimits(), "poll", count: 1000))
    }
}
