internal import CCurlShims

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Process-wide resources a run of many concurrent conversations runs into: open files, resident memory.
public enum ProcessLimits {
    /// Raises the soft limit on open files to the hard limit and returns the new soft limit
    /// (the unchanged one if raising failed, -1 if the limit could not be read). Each connection is a file descriptor,
    /// twice over
    /// when client and server share the process, so the usual soft limit of 1,024 is too low
    /// for a thousand concurrent conversations.
    @discardableResult
    public static func raiseOpenFileLimit() -> Int {
        var limits = rlimit()
        #if canImport(Glibc)
            let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
            let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limits) == 0 else { return -1 }
        var target = limits.rlim_max
        #if canImport(Darwin)
            // macOS reports an unlimited hard limit but refuses soft limits above OPEN_MAX.
            target = min(target, rlim_t(OPEN_MAX))
        #endif
        if limits.rlim_cur < target {
            var raised = limits
            raised.rlim_cur = target
            if setrlimit(resource, &raised) == 0 {
                limits = raised
            }
        }
        return Int(clamping: limits.rlim_cur)
    }

    /// Unmaps the pages of the executable's and the libraries' code and constant data, and returns
    /// how many kilobytes of them were resident (Linux; elsewhere, or when `/proc/self/smaps`
    /// cannot be read, nothing happens and the answer is nil). A page that is used again is mapped
    /// again at its first touch, from the page cache, without reading the disk.
    ///
    /// Start-up runs code and reads constants that a run never touches again: argument parsing,
    /// loading and checking the flows, the libraries' initializers, code near all of it that the
    /// kernel maps ahead. Their pages stay counted in the process's memory until it ends, about
    /// 10 MB of a run at 1,000 concurrent conversations (BENCHMARKS.md). Only mappings the process
    /// cannot write and holds no private copy of a page in are released: their pages are the
    /// file's own, so nothing the process did is lost.
    @discardableResult
    public static func releaseFilePages() -> Int? {
        #if os(Linux)
            let released = parley_release_file_pages()
            return released < 0 ? nil : released
        #else
            return nil
        #endif
    }
}
