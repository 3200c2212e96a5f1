internal import CCurl

/// A libcurl easy handle and the error buffer libcurl writes into, reused across transfers.
///
/// Only the transfer loop's thread touches it.
struct EasyHandle {
    let raw: UnsafeMutableRawPointer
    /// CURL_ERROR_SIZE bytes, registered with CURLOPT_ERRORBUFFER for each transfer.
    let errorBuffer: UnsafeMutablePointer<CChar>

    init?() {
        guard let raw = curl_easy_init() else { return nil }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    /// libcurl's detail for the last failure, if it wrote one.
    var errorDetail: String? {
        errorBuffer[0] == 0 ? nil : String(cString: errorBuffer)
    }

    /// Clears every option so the handle can carry an unrelated request; connections, DNS and
    /// TLS session caches live in the multi handle and survive.
    func reset() {
        curl_easy_reset(raw)
    }

    func destroy() {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
    }
}
