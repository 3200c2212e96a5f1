import Foundation

/// A child process started with `posix_spawn`.
///
/// Tests do not use Foundation's `Process`: on Linux its `run()` (swift-corelibs-foundation as
/// shipped with Swift 6.3) copies 256 bytes of every `/proc/self/fd` directory entry and now and
/// then reads past the end of a mapped page, crashing the whole test process
/// (swiftlang/swift-corelibs-foundation#5472). Test processes have many descriptors open, which
/// makes that likely enough to fail a suite run in a few.
public final class Spawned: @unchecked Sendable {
    /// Where a standard stream of the child goes.
    public enum Stream: Sendable {
        case null
        case pipe
        /// Standard error only: the same place as standard output.
        case standardOutput
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
    }

    public let pid: pid_t
    /// The write end of the child's standard input, when it is a pipe.
    public let standardInput: FileHandle?
    /// The read ends of the child's output, when they are pipes.
    public let standardOutput: FileHandle?
    public let standardError: FileHandle?

    private let lock = NSLock()
    private var exitStatus: Int32?
    private static let spawning = NSLock()

    /// Starts `executable` (an absolute path) with `arguments`, in `directory` (through
    /// `env -C`), with `environment` (default: this process's).
    public init(
        _ executable: String, _ arguments: [String], in directory: String? = nil, environment: [String: String]? = nil,
        stdin: Stream = .null, stdout: Stream = .null, stderr: Stream = .null
    ) throws {
        // One spawn at a time: a pipe is created and marked close-on-exec before another child can start.
        Self.spawning.lock()
        defer { Self.spawning.unlock() }
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        var parentEnds: [Int32?] = [nil, nil, nil]
        var childEnds: [Int32] = []
        defer { childEnds.forEach { close($0) } }
        for (fd, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch stream {
            case .null:
                posix_spawn_file_actions_addopen(&fileActions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
            case .standardOutput:
                posix_spawn_file_actions_adddup2(&fileActions, 1, fd)
            case .pipe:
                var ends: [Int32] = [-1, -1]
                guard pipe(&ends) == 0 else {
                    throw SpawnError(description: "pipe: \(String(cString: strerror(errno)))")
                }
                // Close-on-exec, so that no other child inherits them (spawns are serialized, below).
                _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
                _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
                let (childEnd, parentEnd) = fd == 0 ? (ends[0], ends[1]) : (ends[1], ends[0])
                posix_spawn_file_actions_adddup2(&fileActions, childEnd, fd)
                childEnds.append(childEnd)
                parentEnds[Int(fd)] = parentEnd
            }
        }
        // The child keeps only 0, 1 and 2: an inherited socket would keep a connection open after
        // the test closed it (libcurl's sockets are not close-on-exec).
        try Self.closeInheritedDescriptors(&fileActions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let program = directory == nil ? executable : "/usr/bin/env"
        let argv = [program] + (directory.map { ["-C", $0, executable] } ?? []) + arguments
        let envp = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = envp.map { strdup($0) } + [nil]
        defer { (cArguments + cEnvironment).forEach { free($0) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, program, &fileActions, &attributes, cArguments, cEnvironment)
        guard result == 0 else {
            parentEnds.compactMap { $0 }.forEach { close($0) }
            throw SpawnError(description: "posix_spawn \(program): \(String(cString: strerror(result)))")
        }
        self.pid = pid
        standardInput = parentEnds[0].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        standardOutput = parentEnds[1].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        standardError = parentEnds[2].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc 2.34's `posix_spawn_file_actions_addclosefrom_np`, which Swift's Glibc module does not declare.
    private static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    private static func closeInheritedDescriptors(_ fileActions: inout posix_spawn_file_actions_t) throws {
        if let addCloseFrom {
            guard addCloseFrom(&fileActions, 3) == 0 else {
                throw SpawnError(description: "posix_spawn_file_actions_addclosefrom_np failed")
            }
            return
        }
        // Older C libraries: mark every open descriptor close-on-exec instead.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            if let fd = Int32(name), fd > 2 { _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC) }
        }
    }

    /// Whether the child has not exited yet (reaps it when it has).
    public var isRunning: Bool {
        if recordedStatus != nil { return false }
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        if reaped == pid {
            record(status)
            return false
        }
        return reaped == 0
    }

    /// Blocks until the child exits; returns its exit code, or 128 + the signal that ended it.
    @discardableResult
    public func waitUntilExit() -> Int32 {
        while true {
            if let known = recordedStatus { return known }
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, 0)
            if reaped == pid {
                record(status)
            } else if errno == ECHILD {
                // Reaped by `isRunning` on another thread, which is recording it.
                usleep(1000)
            } else if errno != EINTR {
                return -1
            }
        }
    }

    /// The exit code once the child has exited (see `waitUntilExit`).
    public var terminationStatus: Int32 { recordedStatus ?? -1 }

    /// Sends `signal` unless the child has already been reaped.
    public func send(_ signal: Int32) {
        if recordedStatus == nil { kill(pid, signal) }
    }

    public func terminate() { send(SIGTERM) }

    private var recordedStatus: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return exitStatus
    }

    private func record(_ status: Int32) {
        let signal = status & 0x7F
        let code = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
        lock.lock()
        exitStatus = code
        lock.unlock()
    }
}
