import Foundation
import Hummingbird
import ParleyJSON

extension AmigoAPI {
    /// `POST /v1/{org}/user/signin_with_api_key` with `x-api-key`, `x-api-key-id`, `x-user-id`.
    func signIn(_ request: SandboxRequest, organization: String) -> Response {
        var validation = AmigoValidation()
        let key = request.header("x-api-key")
        let keyID = request.header("x-api-key-id")
        let user = request.header("x-user-id")
        if key == nil { validation.missing(["header", "x-api-key"]) }
        if keyID == nil { validation.missing(["header", "x-api-key-id"]) }
        if user == nil { validation.missing(["header", "x-user-id"]) }
        guard validation.isEmpty, let key, let keyID, let user else { return Self.unprocessable(validation) }
        guard organization == credentials.amigoOrganization else {
            return Self.error(.notFound, "Specified organization is not found.")
        }
        // The API key belongs to the organization, which may sign in as any of its users: the default
        // user, or any other 24-hex user id (so benchmarks can run many users, each with its own conversation).
        let knownUser = user == credentials.amigoUserID || AmigoValidation.isObjectID(user)
        guard key == credentials.amigoAPIKey, keyID == credentials.amigoAPIKeyID, knownUser else {
            return Self.error(.unauthorized, "API key not found, is incorrect, or the requested user is not found.")
        }
        let lifetime = min(max(configuration.amigoTokenLifetime.seconds, 0), 100 * 365 * 86_400)
        let expiresAt = request.receivedAt.addingTimeInterval(lifetime)
        let token = ids.jwt(subject: "\(organization)/\(user)", expiresAt: expiresAt)
        store.issue(token, AmigoStore.Token(userID: user, organization: organization, expiresAt: expiresAt))
        return HTTPReply.json(
            .ok,
            .object([
                ("id_token", .string(token)),
                ("expires_at", .string(Timestamp.microseconds(expiresAt))),
            ]))
    }

    /// The user id behind `Authorization: Bearer <token>` (or Basic `{org}_{user}:<token>`), if valid for
    /// `organization`.
    func authenticate(_ request: SandboxRequest, organization: String) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        let scheme = parts[0].lowercased()
        let credential = parts[1].trimmingSpaces
        let token: String
        var basicUser: String?
        switch scheme {
        case "bearer":
            token = credential
        case "basic":
            guard let data = Data(base64Encoded: credential), let text = String(data: data, encoding: .utf8),
                let colon = text.firstIndex(of: ":")
            else { return nil }
            basicUser = String(text[..<colon])
            token = String(text[text.index(after: colon)...])
        default:
            return nil
        }
        guard let holder = store.holder(of: token, now: request.receivedAt), holder.organization == organization else {
            return nil
        }
        if let basicUser, basicUser != "\(holder.organization)_\(holder.userID)" { return nil }
        return holder.userID
    }
}
