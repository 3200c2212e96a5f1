internal import CCurl
internal import CCurlShims
import Synchronization
import ParleyClock

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// libcurl's one-time global setup; Swift runs a global's initializer exactly once.
private let curlGlobalInit: CURLcode = parley_curl_global_init()

/// The event loop behind an ``HTTPClient``: one dedicated thread that owns libcurl's multi
/// handle and every easy handle, so no Swift concurrency thread ever blocks in libcurl.
///
/// Callers talk to it only through a locked inbox (`submit`, `cancel`, `shutdown`) and a wake-up
/// signal; results flow back through continuations and `BodyStream`s. Everything else in the
/// class is touched only on the loop thread, hence `@unchecked Sendable`.
final class TransferLoop: @unchecked Sendable {
    /// How the loop waits for network events.
    enum Engine {
        /// libcurl's socket interface driven by epoll: each wake-up costs in proportion to the
        /// sockets that are ready, not to the transfers in flight.
        case socketAction(epoll: Int32, wake: Int32)
        /// `curl_multi_poll` + `curl_multi_perform` + `curl_multi_wakeup`: portable, but every
        /// wake-up visits every transfer.
        case multiPoll
    }

    enum Command {
        case submit(Transfer)
        case cancel(Transfer)
    }

    struct Inbox {
        var commands: [Command] = []
        /// Tasks' jobs handed to the loop from other threads (``TransferLoop/enqueue(_:)``).
        var jobs: [UnownedJob] = []
        /// Timers scheduled from other threads (``TransferLoop/schedule(at:_:)``).
        var timers: [LoopTimer] = []
        /// A wake-up was signalled and the loop has not drained the inbox since; further
        /// submissions need not signal again.
        var wakeupPending = false
        var closed = false
    }

    let multi: UnsafeMutableRawPointer
    let engine: Engine
    let inbox = Mutex(Inbox())
    private let userAgent: String
    private let receiveBufferSize: Int
    /// Whether no proxy variable is set: libcurl is then told there is no proxy, and does not read
    /// the environment (five `getenv` calls and a no-proxy check) for every request.
    let noProxy: Bool
    /// Whether a URL's path and query may be handed to libcurl as the request target
    /// (``Transfer/originSplit(_:)``): not when a proxy may be in use, which is sent the whole URL.
    let targetsFromURLs: Bool
    private let idleHandleLimit: Int

    // Counters published for `HTTPClient.metrics`.
    let completedCount = Atomic<Int>(0)
    let connectionsOpened = Atomic<Int>(0)
    let activeCount = Atomic<Int>(0)

    // MARK: Loop-thread state
    //
    // Only the loop thread reads and writes the `var`s below, and no access to one overlaps
    // another: their run-time exclusivity checks are left out, as are ``Transfer``'s.

    @exclusivity(unchecked) private var active: [Transfer] = []
    @exclusivity(unchecked) private var idleHandles: [EasyHandle] = []
    @exclusivity(unchecked) private var drained: [Command] = []
    /// Commands given on the loop thread itself (by tasks running on it): no lock, no wake-up.
    @exclusivity(unchecked) private var localCommands: [Command] = []
    /// Jobs to run on the loop thread, and a spare buffer to swap with while they run.
    @exclusivity(unchecked) var readyJobs: [UnownedJob] = []
    @exclusivity(unchecked) var runningJobs: [UnownedJob] = []
    /// The loop thread while it runs (Linux: `pthread_t` is an integer), so that work arising on
    /// the loop thread skips the lock and the wake-up; 0 before it starts and once it stops.
    ///
    /// Cleared before the thread exits: glibc gives a thread created later the id of one that has
    /// exited, and a pool thread with the old id would otherwise queue its jobs for a loop that
    /// will never run them (a task preferring a shut-down client's executor then hangs forever).
    private let loopThread = Atomic<UInt>(0)

    /// Whether the loop thread is running (it has started and not yet begun to stop).
    var threadIsRunning: Bool { loopThread.load(ordering: .acquiring) != 0 }
    /// When to look at the transfers' own deadlines next; never later than the earliest one.
    @exclusivity(unchecked) private var nextDeadlineCheck: MonotonicInstant?
    /// Timers by due instant, a binary heap (``schedule(at:_:)``).
    @exclusivity(unchecked) var timers: [LoopTimer] = []
    let cancelledTimers = LoopTimerCount()
    /// When libcurl wants `curl_multi_socket_action(CURL_SOCKET_TIMEOUT)` (socket engine).
    @exclusivity(unchecked) var curlTimer: MonotonicInstant?
    /// The time when the loop last woke up. Callbacks stamp arrivals with it instead of reading
    /// the clock for every header line and chunk; it is at most one loop iteration old.
    @exclusivity(unchecked) var now = MonotonicInstant.now

    init(configuration: HTTPClient.Configuration) {
        _ = curlGlobalInit
        guard let multi = curl_multi_init() else {
            // Only out of memory makes this fail; nothing sensible can continue.
            fatalError("libcurl could not create a multi handle")
        }
        self.multi = multi
        userAgent = configuration.userAgent
        receiveBufferSize = min(max(configuration.receiveBufferSize, 1024), 512 * 1024)
        noProxy = !Self.proxyInEnvironment()
        targetsFromURLs = configuration.targetsFromURLs && noProxy
        idleHandleLimit = max(0, configuration.maxConnections)
        engine = Self.makeEngine(configuration.eventEngine)
        let connections = max(1, configuration.maxConnections)
        _ = parley_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, connections)
        _ = parley_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, connections)
        installEngineCallbacks()
        if !startThread() {
            inbox.withLock { $0.closed = true }
        }
    }

    /// Whether libcurl may send requests through a proxy: it reads these variables for every
    /// request it is not told the proxy of (`http_proxy` in lower case only, as it does).
    static func proxyInEnvironment() -> Bool {
        ["http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"].contains { (name: String) in
            getenv(name).map { $0.pointee != 0 } ?? false
        }
    }

    deinit {
        // Runs after the loop thread has exited (the thread holds a reference while it runs),
        // and only once no caller can signal a wake-up any more.
        removeEngineCallbacks()
        curl_multi_cleanup(multi)
        closeEngine()
    }

    // MARK: Inbox (any thread)

    /// Queues a transfer; false if the loop has shut down.
    func submit(_ transfer: Transfer) -> Bool {
        enqueue(.submit(transfer))
    }

    /// Asks the loop to abort a transfer; harmless if it already finished.
    func cancel(_ transfer: Transfer) {
        transfer.cancelRequested.store(true, ordering: .relaxed)
        _ = enqueue(.cancel(transfer))
    }

    /// Stops the loop: in-flight and queued transfers fail with `.cancelled`.
    func shutdown() {
        let signal = inbox.withLock { inbox -> Bool in
            guard !inbox.closed else { return false }
            inbox.closed = true
            let signal = !inbox.wakeupPending
            inbox.wakeupPending = true
            return signal
        }
        if signal { wake() }
    }

    var isClosed: Bool {
        inbox.withLock { $0.closed }
    }

    private func enqueue(_ command: Command) -> Bool {
        if isLoopThread {
            // Runs before the loop waits again; after shutdown, the inbox path refuses it.
            if !inbox.withLock({ $0.closed }) {
                localCommands.append(command)
                return true
            }
        }
        return post { $0.commands.append(command) }
    }

    /// Adds to the inbox and wakes the loop unless a wake-up is already on its way; false (and
    /// nothing added) once the loop has shut down.
    func post(_ add: (inout Inbox) -> Void) -> Bool {
        let (accepted, signal) = inbox.withLock { inbox -> (Bool, Bool) in
            guard !inbox.closed else { return (false, false) }
            add(&inbox)
            let signal = !inbox.wakeupPending
            inbox.wakeupPending = true
            return (true, signal)
        }
        if signal { wake() }
        return accepted
    }

    // MARK: Loop thread

    private func startThread() -> Bool {
        let context = Unmanaged.passRetained(self).toOpaque()
        #if canImport(Glibc)
            var thread = pthread_t()
        #else
            var thread: pthread_t?
        #endif
        let result = pthread_create(
            &thread, nil,
            { context in
                #if canImport(Glibc)
                    guard let context else { return nil }
                #endif
                let loop = Unmanaged<TransferLoop>.fromOpaque(context).takeRetainedValue()
                loop.run()
                return nil
            }, context)
        guard result == 0 else {
            Unmanaged<TransferLoop>.fromOpaque(context).release()
            return false
        }
        #if canImport(Glibc)
            pthread_detach(thread)
        #else
            if let thread { pthread_detach(thread) }
        #endif
        return true
    }

    /// Commands given on the loop thread wait to be processed.
    var hasLocalCommands: Bool { !localCommands.isEmpty }

    /// Whether the calling thread is the loop thread.
    var isLoopThread: Bool {
        #if os(Linux)
            return loopThread.load(ordering: .relaxed) == pthread_self()
        #else
            return false
        #endif
    }

    private func run() {
        #if os(Linux)
            loopThread.store(pthread_self(), ordering: .releasing)
            parley_name_current_thread("parley-http")
        #else
            pthread_setname_np("parley-http")
        #endif
        switch engine {
        case .socketAction(let epoll, let wake):
            runSocketEngine(epoll: epoll, wake: wake)
        case .multiPoll:
            runMultiPollEngine()
        }
        tearDown()
    }

    /// Takes every queued command; returns false once the loop must stop.
    func processInbox() -> Bool {
        let closed = inbox.withLock { inbox -> Bool in
            swap(&inbox.commands, &drained)
            readyJobs.append(contentsOf: inbox.jobs)
            inbox.jobs.removeAll(keepingCapacity: true)
            for timer in inbox.timers { insertTimer(timer) }
            inbox.timers.removeAll(keepingCapacity: true)
            inbox.wakeupPending = false
            return inbox.closed
        }
        if !localCommands.isEmpty {
            // Given on the loop thread before anything now in the inbox was taken: they go first.
            drained.insert(contentsOf: localCommands, at: 0)
            localCommands.removeAll(keepingCapacity: true)
        }
        for command in drained {
            switch command {
            case .submit(let transfer):
                if closed {
                    transfer.complete(.failure(transfer.error(.cancelled, "the HTTP client was shut down")))
                } else {
                    start(transfer)
                }
            case .cancel(let transfer):
                if transfer.slot >= 0 {
                    abort(transfer, with: transfer.error(.cancelled, "the request was cancelled"))
                }
            }
        }
        drained.removeAll(keepingCapacity: true)
        return !closed
    }

    private func start(_ transfer: Transfer) {
        if transfer.cancelRequested.load(ordering: .relaxed) {
            transfer.complete(.failure(transfer.error(.cancelled, "the request was cancelled")))
            return
        }
        guard let handle = idleHandles.popLast() ?? EasyHandle() else {
            transfer.complete(.failure(transfer.error(.other, "libcurl could not create a transfer handle")))
            return
        }
        let configured = transfer.configure(
            handle, userAgent: userAgent, receiveBufferSize: receiveBufferSize, targetFromURL: targetsFromURLs,
            noProxy: noProxy)
        guard configured == CURLE_OK else {
            recycle(handle)
            transfer.complete(.failure(transfer.error(forCurlCode: configured, detail: nil)))
            return
        }
        transfer.easy = handle
        transfer.loop = self
        transfer.slot = active.count
        active.append(transfer)
        activeCount.add(1, ordering: .relaxed)
        if let deadline = transfer.nextDeadline()?.at {
            considerDeadline(deadline)
        }
        let added = curl_multi_add_handle(multi, handle.raw)
        if added != CURLM_OK {
            abort(transfer, with: transfer.error(.other, String(cString: curl_multi_strerror(added))))
        }
    }

    /// Completes every transfer libcurl reports as done.
    func collectFinished() {
        var easy: UnsafeMutableRawPointer?
        var result = CURLE_OK
        while parley_multi_next_done(multi, &easy, &result) != 0 {
            guard let easy else { continue }
            var context: UnsafeMutableRawPointer?
            _ = parley_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &context)
            guard let context else { continue }
            let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
            guard transfer.slot >= 0, let handle = transfer.easy else { continue }
            let outcome: Result<Void, HTTPError>
            if result == CURLE_OK && transfer.failure == nil {
                outcome = .success(())
            } else {
                outcome = .failure(transfer.error(forCurlCode: result, detail: handle.errorDetail))
            }
            retire(transfer)
            transfer.complete(outcome)
        }
    }

    /// Stops a transfer that libcurl has not finished: removing the handle closes its
    /// connection, which the server sees as the client going away.
    private func abort(_ transfer: Transfer, with error: HTTPError) {
        if transfer.failure == nil { transfer.failure = error }
        retire(transfer)
        transfer.complete(.failure(transfer.failure ?? error))
    }

    /// Detaches a transfer from libcurl and returns its handle to the pool.
    private func retire(_ transfer: Transfer) {
        guard transfer.slot >= 0, let handle = transfer.easy else { return }
        curl_multi_remove_handle(multi, handle.raw)
        var connects = 0
        if parley_easy_getinfo_long(handle.raw, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK, connects > 0 {
            connectionsOpened.add(connects, ordering: .relaxed)
        }
        let slot = transfer.slot
        let last = active.removeLast()
        if last !== transfer {
            active[slot] = last
            last.slot = slot
        }
        transfer.slot = -1
        transfer.easy = nil
        activeCount.subtract(1, ordering: .relaxed)
        completedCount.add(1, ordering: .relaxed)
        recycle(handle)
    }

    private func recycle(_ handle: EasyHandle) {
        if idleHandles.count < idleHandleLimit {
            handle.reset()
            idleHandles.append(handle)
        } else {
            handle.destroy()
        }
    }

    // MARK: Deadlines

    /// Makes sure the deadlines are checked no later than `instant`.
    func considerDeadline(_ instant: MonotonicInstant) {
        if let current = nextDeadlineCheck, current <= instant { return }
        nextDeadlineCheck = instant
    }

    /// Fails transfers whose first-byte, idle or total deadline has passed. Only runs when the
    /// earliest known deadline is due, so a busy loop does not walk every transfer each time.
    func checkDeadlines() {
        guard let due = nextDeadlineCheck, due <= now else { return }
        // Fresh, because a busy iteration may have taken a while since the wake-up.
        let now = MonotonicInstant.now
        nextDeadlineCheck = nil
        var expired: [(Transfer, HTTPError.Code)] = []
        for transfer in active {
            guard let deadline = transfer.nextDeadline() else { continue }
            if deadline.at <= now {
                expired.append((transfer, deadline.code))
            } else {
                considerDeadline(deadline.at)
            }
        }
        for (transfer, code) in expired {
            abort(transfer, with: transfer.timeoutError(code))
        }
    }

    /// Milliseconds until the loop must run again without any network event: the soonest of
    /// libcurl's timer, the transfers' deadlines and the timers, capped so a lost wake-up cannot
    /// hang the loop.
    func waitMilliseconds(includingCurlTimer: Bool) -> Int32 {
        var deadline = nextDeadlineCheck
        if let timer = nextTimer {
            deadline = deadline.map { min($0, timer) } ?? timer
        }
        if includingCurlTimer, let timer = curlTimer {
            deadline = deadline.map { min($0, timer) } ?? timer
        }
        let cap: Int32 = 5_000
        guard let deadline else { return cap }
        // In whole milliseconds, rounded up so that the wait never ends early; in integers, as the
        // loop asks this at every wake-up (a `Duration` is a 128-bit count of attoseconds).
        let now = MonotonicInstant.now.nanoseconds
        let (remaining, overflow) = deadline.nanoseconds.subtractingReportingOverflow(now)
        if overflow { return deadline.nanoseconds < 0 ? 0 : cap }
        if remaining <= 0 { return 0 }
        if remaining > Int64(cap) * 1_000_000 { return cap }
        return Int32((remaining + 999_999) / 1_000_000)
    }

    private func tearDown() {
        // From here on the loop thread is a thread like any other: what it resumes or schedules
        // while stopping goes through the (closed) inbox to the global executor.
        loopThread.store(0, ordering: .releasing)
        while let transfer = active.last {
            abort(transfer, with: transfer.error(.cancelled, "the HTTP client was shut down"))
        }
        // Transfers submitted after the last drain.
        _ = processInbox()
        // Tasks still running on the loop (none, when the client is shut down after its work)
        // carry on on the global executor: they see their transfers fail as cancelled.
        handOffJobs()
        handOffTimers()
        for handle in idleHandles {
            handle.destroy()
        }
        idleHandles.removeAll()
    }
}
