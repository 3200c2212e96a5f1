internal import CCurl
internal import CCurlShims
import ParleyClock

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension TransferLoop {
    static func makeEngine(_ choice: HTTPClient.EventEngine) -> Engine {
        #if os(Linux)
            if choice == .automatic {
                let epoll = parley_epoll_create()
                let wake = parley_eventfd_create()
                if epoll >= 0, wake >= 0, parley_epoll_watch(epoll, wake, CURL_POLL_IN, 0) == 0 {
                    return .socketAction(epoll: epoll, wake: wake)
                }
                if epoll >= 0 { close(epoll) }
                if wake >= 0 { close(wake) }
            }
        #endif
        return .multiPoll
    }

    func installEngineCallbacks() {
        guard case .socketAction = engine else { return }
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = parley_multi_setopt_socket_callback(multi, loopSocketCallback)
        _ = parley_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, context)
        _ = parley_multi_setopt_timer_callback(multi, loopTimerCallback)
        _ = parley_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, context)
    }

    /// Called before the multi handle is cleaned up, which closes cached connections and would
    /// otherwise call back into a loop that is being deinitialized.
    func removeEngineCallbacks() {
        guard case .socketAction = engine else { return }
        _ = parley_multi_setopt_socket_callback(multi, nil)
        _ = parley_multi_setopt_timer_callback(multi, nil)
    }

    func closeEngine() {
        #if os(Linux)
            if case .socketAction(let epoll, let wake) = engine {
                close(epoll)
                close(wake)
            }
        #endif
    }

    /// Interrupts the loop's wait. Safe from any thread as long as the loop object is alive,
    /// which every caller guarantees by holding a reference.
    func wake() {
        switch engine {
        case .socketAction(_, let wake):
            #if os(Linux)
                parley_eventfd_signal(wake)
            #else
                _ = wake
            #endif
        case .multiPoll:
            _ = curl_multi_wakeup(multi)
        }
    }

    /// The socket engine: epoll reports ready sockets, and each one is handed to libcurl with
    /// `curl_multi_socket_action`, which runs only the transfers on that socket.
    func runSocketEngine(epoll: Int32, wake: Int32) {
        #if os(Linux)
            let capacity = 256
            var fds = [Int32](repeating: 0, count: capacity)
            var events = [Int32](repeating: 0, count: capacity)
            var running: Int32 = 0
            while true {
                let timeout = hasLocalWork ? 0 : waitMilliseconds(includingCurlTimer: true)
                let ready = parley_epoll_wait(epoll, &fds, &events, Int32(capacity), timeout)
                now = .now
                var woken = false
                if ready > 0 {
                    for index in 0..<Int(ready) {
                        if fds[index] == wake {
                            woken = true
                        } else {
                            _ = parley_multi_socket_action(multi, fds[index], events[index], &running)
                        }
                    }
                }
                if woken { parley_eventfd_drain(wake) }
                if woken || hasLocalCommands {
                    guard processInbox() else { return }
                }
                // New transfers and finished sockets usually move libcurl's timer to "now".
                if let timer = curlTimer, timer <= now {
                    curlTimer = nil
                    _ = parley_multi_socket_timeout(multi, &running)
                }
                collectFinished()
                checkDeadlines()
                fireDueTimers()
                // Tasks resumed by this turn's events (and those handed over from other threads).
                runReadyJobs()
            }
        #else
            _ = (epoll, wake)
        #endif
    }

    /// The portable engine: `curl_multi_poll` waits (and honours libcurl's own timers),
    /// `curl_multi_wakeup` interrupts it, `curl_multi_perform` drives every transfer.
    func runMultiPollEngine() {
        var running: Int32 = 0
        while true {
            guard processInbox() else { return }
            _ = curl_multi_perform(multi, &running)
            collectFinished()
            checkDeadlines()
            fireDueTimers()
            runReadyJobs()
            if hasLocalCommands { continue }
            let timeout = readyJobs.isEmpty ? waitMilliseconds(includingCurlTimer: false) : 0
            _ = curl_multi_poll(multi, nil, 0, timeout, nil)
            now = .now
        }
    }
}

/// CURLMOPT_SOCKETFUNCTION: libcurl says which events it wants on a socket.
private func loopSocketCallback(
    _ easy: UnsafeMutableRawPointer?, _ socket: curl_socket_t, _ what: Int32,
    _ context: UnsafeMutableRawPointer?, _ socketContext: UnsafeMutableRawPointer?
) -> Int32 {
    #if os(Linux)
        guard let context else { return 0 }
        let loop = Unmanaged<TransferLoop>.fromOpaque(context).takeUnretainedValue()
        guard case .socketAction(let epoll, _) = loop.engine else { return 0 }
        if what == CURL_POLL_REMOVE {
            // libcurl forgets the socket's assigned pointer itself.
            _ = parley_epoll_unwatch(epoll, socket)
            return 0
        }
        // The socket's libcurl-assigned pointer marks it as registered with epoll.
        let known = socketContext != nil
        guard parley_epoll_watch(epoll, socket, what, known ? 1 : 0) == 0 else { return -1 }
        if !known {
            _ = curl_multi_assign(loop.multi, socket, registeredSocketMarker)
        }
        return 0
    #else
        return 0
    #endif
}

/// Any non-null pointer: libcurl only hands it back to say "this socket is in the epoll set".
nonisolated(unsafe) private let registeredSocketMarker = UnsafeMutableRawPointer(bitPattern: 1)

/// CURLMOPT_TIMERFUNCTION: libcurl asks to be called back after `milliseconds` (-1: never).
/// libcurl must not be re-entered from here, so the loop only records the time.
private func loopTimerCallback(
    _ multi: UnsafeMutableRawPointer?, _ milliseconds: Int, _ context: UnsafeMutableRawPointer?
) -> Int32 {
    guard let context else { return 0 }
    let loop = Unmanaged<TransferLoop>.fromOpaque(context).takeUnretainedValue()
    loop.curlTimer = milliseconds < 0 ? nil : loop.now.advanced(byMilliseconds: milliseconds)
    return 0
}
