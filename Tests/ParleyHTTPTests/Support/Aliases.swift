import ParleyHTTP

// Hummingbird re-exports swift-http-types' HTTPRequest and HTTPResponse, so the client's types
// are spelled through these aliases in files that import both.
typealias ClientRequest = ParleyHTTP.HTTPRequest
typealias ClientResponse = ParleyHTTP.HTTPResponse
typealias ClientHeaders = ParleyHTTP.HTTPHeaders
typealias ClientError = ParleyHTTP.HTTPError
