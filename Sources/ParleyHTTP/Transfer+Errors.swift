internal import CCurl

extension Transfer {
    /// Turns libcurl's result into an error. A failure recorded by our own callbacks wins,
    /// because libcurl only reports the generic "write error" for it.
    func error(forCurlCode code: CURLcode, detail: String?) -> HTTPError {
        if let failure { return failure }
        let summary = String(cString: curl_easy_strerror(code))
        // libcurl's detail ("Failed to connect to host port 80 after 3 ms: ...") is more useful
        // than the summary, but it is dropped if it could echo a secret from the URL.
        let message: String
        if let detail, !detail.isEmpty, !URLRedaction.mentionsSecrets(Substring(detail), of: url) {
            message = detail
        } else {
            message = summary
        }
        return error(Self.classify(code), message)
    }

    /// The error a stream's reader sees after cancelling. Built without touching loop-thread
    /// state, so any thread may use it.
    var cancelledByConsumer: HTTPError {
        HTTPError(code: .cancelled, message: "the response stream was cancelled", redactedURL: redactedURL)
    }

    static func classify(_ code: CURLcode) -> HTTPError.Code {
        switch code {
        case CURLE_COULDNT_CONNECT:
            return .connectFailed
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .resolveFailed
        case CURLE_OPERATION_TIMEDOUT:
            // We never set CURLOPT_TIMEOUT_MS (total, first-byte and idle limits are the loop's),
            // so libcurl's only timeout is the connect timeout.
            return .connectTimeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CRL_BADFILE,
            CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
            CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CLIENTCERT, CURLE_USE_SSL_FAILED:
            return .tls
        case CURLE_PARTIAL_FILE, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING,
            CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_HTTP3:
            return .connectionDropped
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT:
            return .invalidRequest
        case CURLE_FILESIZE_EXCEEDED:
            return .tooLarge
        default:
            return .other
        }
    }
}
