import Foundation
import ParleyJSON
import ParleyRun

/// One message of an Amigo conversation's history (`GET …/conversation/{id}/messages/`).
public struct AmigoHistoryMessage: Sendable, Hashable {
    public var id: String
    public var interactionID: String
    public var createdAt: String
    public var sender: String
    public var text: String
    /// `user-message`, `agent-message`, `agent-inner-thought` or `external-event`.
    public var type: String
}

/// Reads a past conversation's messages from Amigo's conversation-history endpoints, oldest first.
///
/// Messages are read as one of the target's users. Amigo shows a user the conversations it may see;
/// when the first user is told the conversation does not exist, the conversations list is asked for
/// its owner (`GET …/conversation/?id=…`), and the messages are read again as that user when the
/// target has it.
public struct AmigoHistory: Sendable {
    public let provider: AmigoProvider

    public init(provider: AmigoProvider) {
        self.provider = provider
    }

    /// Amigo's ids: 24 lowercase hexadecimal characters.
    public static func isConversationID(_ text: String) -> Bool {
        text.count == 24 && text.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }

    /// Every message of the conversation, oldest first, read page by page.
    public func messages(of conversationID: String) async throws(ProviderError) -> [AmigoHistoryMessage] {
        let users = provider.settings.userIDs
        guard let first = users.first else {
            throw ProviderError(.configuration, "the Amigo target has no user to read the conversation as")
        }
        if let found = try await messages(of: conversationID, as: first) { return found }
        if users.count > 1, let owner = try await owner(of: conversationID, as: first), users.contains(owner),
            owner != first, let found = try await messages(of: conversationID, as: owner)
        {
            return found
        }
        throw ProviderError(
            .configuration,
            "Amigo has no conversation \(conversationID) that the target's user\(users.count == 1 ? "" : "s") "
                + "can see (404): check the id and the target's organization and users",
            status: 404)
    }

    /// The messages as `user`; `nil` when Amigo says there is no such conversation (for this user).
    private func messages(of conversationID: String, as user: String) async throws(ProviderError)
        -> [AmigoHistoryMessage]?
    {
        var result: [AmigoHistoryMessage] = []
        var token = 0
        // A bound on pages, so a server that always says `has_more` cannot keep us here.
        for _ in 0..<1000 {
            var query = "limit=500&sort_by=%2Bcreated_at"
            for type in ["user-message", "agent-message", "external-event"] { query += "&message_type=\(type)" }
            if token > 0 { query += "&continuation_token=\(token)" }
            let json = try await get(
                "conversation/\(conversationID)/messages/?\(query)", as: user, endpoint: "messages")
            guard let json else { return nil }
            guard let items = json["messages"]?.array else {
                throw ProviderError(.protocolViolation, "Amigo's messages answer has no `messages` list")
            }
            for item in items {
                guard let type = item["message_type"]?.string, let text = item["message"]?.string else {
                    throw ProviderError(
                        .protocolViolation, "a message in Amigo's answer has no `message_type` or `message` text")
                }
                result.append(
                    AmigoHistoryMessage(
                        id: item["id"]?.string ?? "", interactionID: item["interaction_id"]?.string ?? "",
                        createdAt: item["created_at"]?.string ?? "", sender: item["sender"]?.string ?? "",
                        text: text, type: type))
            }
            guard json["has_more"]?.bool == true, let next = json["continuation_token"]?.int, next > token else {
                return result
            }
            token = next
        }
        return result
    }

    /// The `user_id` of the conversation, from the conversations list.
    private func owner(of conversationID: String, as user: String) async throws(ProviderError) -> String? {
        let json = try await get("conversation/?id=\(conversationID)&limit=1", as: user, endpoint: "list")
        return json?["conversations"]?[0]?["user_id"]?.string
    }

    /// A GET as `user`: the JSON answer, or `nil` for a 404.
    private func get(_ path: String, as user: String, endpoint: String) async throws(ProviderError) -> JSONValue? {
        let url = provider.settings.url(path)
        let http = provider.http
        let response = try await provider.authorized(
            as: user,
            { token in
                var request = http.request(.get, url, timeout: .seconds(60))
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
                return request
            }, endpoint: endpoint, idempotent: true)
        if response.status == 404 { return nil }
        guard (200..<300).contains(response.status) else {
            throw http.statusError(response.status, body: response.body, doing: "reading the conversation's history")
        }
        return try http.json(response.body, doing: "reading the conversation's history")
    }
}
