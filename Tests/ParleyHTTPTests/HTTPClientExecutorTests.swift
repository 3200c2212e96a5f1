import Foundation
@testable import ParleyHTTP
import Synchronization
import Testing

@Suite("The client's loop thread as a task executor", .timeLimit(.minutes(1)))
struct HTTPClientExecutorTests {
    /// The name of the calling thread (the loop thread is `parley-http`).
    static func threadName() -> String {
        #if os(Linux)
            let name = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
            return name.trimmingCharacters(in: .whitespacesAndNewlines)
        #else
            return ""
        #endif
    }

    @Test(
        "Tasks that prefer the executor run on the loop thread, before and after their requests",
        arguments: [HTTPClient.EventEngine.automatic, .multiPoll])
    func tasksRunOnTheLoopThread(engine: HTTPClient.EventEngine) async throws {
        try await TestServer.run({ $0.addInspectRoute() }) { base in
            let client = HTTPClient(configuration: .init(eventEngine: engine))
            let executor = client.taskExecutor
            let outcomes = try await withThrowingTaskGroup(of: (String, Int, String).self) { group in
                for index in 0..<40 {
                    group.addTask(executorPreference: executor) {
                        let before = Self.threadName()
                        let response = try await client.execute(ClientRequest(url: "\(base)/inspect?n=\(index)"))
                        return (before, response.status, Self.threadName())
                    }
                }
                var outcomes: [(String, Int, String)] = []
                for try await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            #expect(outcomes.count == 40)
            #expect(outcomes.allSatisfy { $0.1 == 200 })
            #if os(Linux)
                #expect(outcomes.allSatisfy { $0.0 == "parley-http" && $0.2 == "parley-http" }, "\(outcomes)")
            #endif
            // Work that does not prefer the executor stays off the loop thread.
            #expect(Self.threadName() != "parley-http")
        }
    }

    @Test("A stream read on the loop thread gets every line, and a task sleeping there wakes")
    func streamsAndSleepsOnTheLoopThread() async throws {
        try await TestServer.run({ $0.addInspectRoute() }) { base in
            let client = HTTPClient()
            let lines = try await Task(executorPreference: client.taskExecutor) {
                try await Task.sleep(for: .milliseconds(20))
                let response = try await client.stream(
                    ClientRequest(method: .post, url: "\(base)/inspect", body: .text("a\nb\nc")))
                var count = 0
                for try await _ in response.lines { count += 1 }
                return (count, Self.threadName())
            }.value
            #expect(lines.0 >= 1)
            #if os(Linux)
                #expect(lines.1 == "parley-http")
            #endif
        }
    }

    @Test("Once the client is shut down, tasks preferring its executor still run, and requests fail")
    func afterShutdownTasksRunElsewhere() async throws {
        let client = HTTPClient()
        client.shutdown()
        // Give the loop thread time to stop.
        try await Task.sleep(for: .milliseconds(50))
        let outcome = await Task(executorPreference: client.taskExecutor) { () -> String in
            do throws(HTTPError) {
                _ = try await client.execute(ClientRequest(url: "http://127.0.0.1:9/"))
                return "answered"
            } catch {
                return "\(error.code)"
            }
        }.value
        #expect(outcome == "cancelled")
    }

    /// glibc gives a new thread the id of one that has exited. A loop thread that kept its id once
    /// stopped took such a thread for itself, and queued the jobs it was given for a loop that
    /// would never run them: the test above then hung, its task never started.
    @Test("A stopped loop forgets its thread: a thread given its id later still runs tasks that prefer it")
    func aStoppedLoopForgetsItsThread() async throws {
        let client = HTTPClient()
        let clock = ContinuousClock()
        let began = clock.now
        while !client.loop.threadIsRunning, clock.now - began < .seconds(10) {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(client.loop.threadIsRunning)
        client.shutdown()
        while client.loop.threadIsRunning, clock.now - began < .seconds(20) {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(!client.loop.threadIsRunning)
        // A thread started now often has the stopped loop thread's id. What it starts must run
        // (on the global executor), within a bound rather than never.
        for _ in 0..<5 {
            let answer = FirstAnswer()
            let ran = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                answer.wait(continuation)
                Thread.detachNewThread {
                    Task(executorPreference: client.taskExecutor) { answer.give(true) }
                }
                Task {
                    try? await Task.sleep(for: .seconds(10))
                    answer.give(false)
                }
            }
            #expect(ran)
        }
    }
}

/// Resumes a waiter with the first answer given; later ones are dropped.
private final class FirstAnswer: Sendable {
    private let waiter = Mutex<CheckedContinuation<Bool, Never>?>(nil)

    func wait(_ continuation: CheckedContinuation<Bool, Never>) {
        waiter.withLock { $0 = continuation }
    }

    func give(_ answer: Bool) {
        waiter.withLock { $0.take() }?.resume(returning: answer)
    }
}
