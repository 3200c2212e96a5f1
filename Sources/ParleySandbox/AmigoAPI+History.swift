import Foundation
import Hummingbird
import ParleyJSON

extension AmigoAPI {
    // MARK: - Finish

    /// `POST …/conversation/{id}/finish/` → 204.
    func finish(_ request: SandboxRequest, user: String, conversationID: String) -> Response {
        var validation = AmigoValidation()
        guard validation.objectID(conversationID, ["path", "conversation_id"]) else {
            return Self.unprocessable(validation)
        }
        guard let box = ownedConversation(conversationID, user: user) else {
            return Self.error(.notFound, Self.conversationNotFound)
        }
        let clockNow = ContinuousClock.now
        let refusal = box.state.withLock { state -> Response? in
            if state.finished { return Self.error(.conflict, AmigoRefusal.finished.detail) }
            if clockNow < state.busyUntil { return Self.error(.conflict, AmigoRefusal.busy.detail) }
            if state.interactions.isEmpty { return Self.error(.badRequest, "The conversation has no interactions.") }
            state.finished = true
            return nil
        }
        if let refusal { return refusal }
        store.closed(box)
        return HTTPReply.empty(.noContent)
    }

    // MARK: - Messages

    /// `GET …/conversation/{id}/messages/` with `limit`, `continuation_token`, `sort_by`, `message_type`, `id`,
    /// `interaction_id`.
    func messages(_ request: SandboxRequest, user: String, conversationID: String) -> Response {
        var validation = AmigoValidation()
        validation.objectID(conversationID, ["path", "conversation_id"])
        let limit =
            validation.integer(request.queryValue("limit"), ["query", "limit"], greaterThan: 0, atMost: 500) ?? 500
        let offset = max(
            0, validation.integer(request.queryValue("continuation_token"), ["query", "continuation_token"]) ?? 0)
        let allTypes = ["user-message", "agent-message", "agent-inner-thought", "external-event"]
        var types = Set<String>()
        for (index, value) in request.queryValues("message_type").enumerated() {
            if let type = validation.choice(
                value, ["query", "message_type", .int(index)], allowed: allTypes, required: true)
            {
                types.insert(type)
            }
        }
        if types.isEmpty { types = ["external-event", "agent-message", "user-message"] }
        let messageIDs = Set(idFilter(request, "id", &validation))
        let interactionIDs = Set(idFilter(request, "interaction_id", &validation))
        let sort = sortKeys(request, allowed: ["created_at", "interaction_id"], &validation)
        guard validation.isEmpty else { return Self.unprocessable(validation) }
        guard let box = ownedConversation(conversationID, user: user) else {
            return Self.error(.notFound, Self.conversationNotFound)
        }

        let all = box.state.withLock { $0.messages }
        var selected = all.enumerated().filter { _, message in
            types.contains(message.type)
                && (messageIDs.isEmpty || messageIDs.contains(message.id))
                && (interactionIDs.isEmpty || interactionIDs.contains(message.interactionID))
        }
        selected.sort { a, b in
            for key in sort {
                let order: ComparisonResult
                switch key.field {
                case "interaction_id": order = a.element.interactionID.compare(b.element.interactionID)
                default: order = a.element.createdAt.compare(b.element.createdAt)
                }
                if order != .orderedSame {
                    return key.ascending ? order == .orderedAscending : order == .orderedDescending
                }
            }
            // Messages written in the same instant keep their order of arrival, in the requested direction.
            return sort.first?.ascending ?? true ? a.offset < b.offset : a.offset > b.offset
        }
        let page = selected.dropFirst(offset).prefix(limit)
        let hasMore = offset + page.count < selected.count
        // `malformed` and `drop` faults cut the page short, as a broken proxy would.
        return HTTPReply.json(
            .ok,
            .object([
                ("messages", .array(page.map { messageJSON($0.element) })),
                ("has_more", .bool(hasMore)),
                ("continuation_token", hasMore ? .int(offset + page.count) : .null),
            ]), faults: request.faults)
    }

    func messageJSON(_ message: AmigoMessage) -> JSON {
        .object([
            ("id", .string(message.id)), ("interaction_id", .string(message.interactionID)),
            ("created_at", .string(Timestamp.microseconds(message.createdAt))), ("sender", .string(message.sender)),
            ("message", .string(message.text)), ("format", "text"), ("message_type", .string(message.type)),
        ])
    }

    /// Repeated id query values, each checked against the id pattern.
    func idFilter(_ request: SandboxRequest, _ name: String, _ validation: inout AmigoValidation) -> [String] {
        request.queryValues(name).enumerated().compactMap { index, value in
            validation.objectID(value, ["query", .string(name), .int(index)]) ? value : nil
        }
    }

    /// `sort_by=+created_at&sort_by=-interaction_id`; the default is newest first.
    func sortKeys(
        _ request: SandboxRequest, allowed: [String],
        _ validation: inout AmigoValidation
    ) -> [(field: String, ascending: Bool)] {
        var keys: [(field: String, ascending: Bool)] = []
        for (index, raw) in request.queryValues("sort_by").enumerated() {
            var field = Substring(raw.trimmingSpaces)
            var ascending = true
            if field.first == "-" {
                ascending = false
                field = field.dropFirst()
            } else if field.first == "+" {
                field = field.dropFirst()
            }
            if allowed.contains(String(field)) {
                keys.append((String(field), ascending))
            } else {
                validation.add(
                    "value_error", ["query", "sort_by", .int(index)],
                    "Value error, unsupported sort field `\(field)`; supported: \(allowed.joined(separator: ", "))",
                    input: .string(raw))
            }
        }
        return keys.isEmpty ? [("created_at", false)] : keys
    }

    // MARK: - List

    /// `GET /v1/{org}/conversation/` with `user_id`, `service_id`, `is_finished`, `id`, `tag`, `limit`,
    /// `continuation_token`, `sort_by`.
    func listConversations(_ request: SandboxRequest, user: String) -> Response {
        var validation = AmigoValidation()
        let users = Set(request.queryValues("user_id"))
        let services = Set(idFilter(request, "service_id", &validation))
        let conversationIDs = Set(idFilter(request, "id", &validation))
        let finished = validation.boolean(request.queryValue("is_finished"), ["query", "is_finished"])
        let limit =
            validation.integer(request.queryValue("limit"), ["query", "limit"], greaterThan: 0, atMost: 150) ?? 150
        let offset = max(
            0, validation.integer(request.queryValue("continuation_token"), ["query", "continuation_token"]) ?? 0)
        let sort = sortKeys(request, allowed: ["created_at"], &validation)
        var tagFilters: [(key: String, value: String?)] = []
        for (index, raw) in request.queryValues("tag").enumerated() {
            guard let colon = raw.firstIndex(of: ":") else {
                validation.add(
                    "value_error", ["query", "tag", .int(index)], "Value error, a tag filter must be written key:value",
                    input: .string(raw))
                continue
            }
            let value = String(raw[raw.index(after: colon)...])
            tagFilters.append((String(raw[..<colon]), value.isEmpty ? nil : value))
        }
        guard validation.isEmpty else { return Self.unprocessable(validation) }

        var rows: [(created: Date, index: Int, json: JSON)] = []
        for (index, box) in store.all.enumerated() {
            if !users.isEmpty && !users.contains(box.userID) { continue }
            if !services.isEmpty && !services.contains(box.serviceID) { continue }
            if !conversationIDs.isEmpty && !conversationIDs.contains(box.id) { continue }
            let snapshot = box.state.withLock { state in
                (
                    finished: state.finished, tags: state.tags, count: state.messages.count,
                    last: state.messages.last?.text ?? ""
                )
            }
            if let finished, snapshot.finished != finished { continue }
            let matchesTags = tagFilters.allSatisfy { filter in
                guard let tag = snapshot.tags.first(where: { $0.key == filter.key }) else { return false }
                switch filter.value {
                case "*": return true
                case nil: return tag.value == nil
                case let wanted?: return tag.value == wanted
                }
            }
            if !matchesTags { continue }
            rows.append(
                (
                    box.createdAt, index,
                    .object([
                        ("id", .string(box.id)), ("user_id", .string(box.userID)),
                        ("created_at", .string(Timestamp.microseconds(box.createdAt))),
                        ("is_finished", .bool(snapshot.finished)), ("is_analyzed", false),
                        ("completed_post_processings", []),
                        ("final_message", .string(snapshot.last)), ("service_id", .string(box.serviceID)),
                        (
                            "version_set_info",
                            .object([
                                ("name", .string(box.versionSet)), ("agent_version_info", versionInfo(agentID)),
                                ("service_hierarchical_state_machine_version_info", versionInfo(stateMachineID)),
                                ("llm_model_preferences", .object([])),
                            ])
                        ),
                        ("num_messages", .int(snapshot.count)),
                        ("tags", .object(snapshot.tags.map { ($0.key, JSON.optional($0.value)) })),
                    ])
                ))
        }
        let ascending = sort.first?.ascending ?? false
        rows.sort { a, b in
            if a.created != b.created { return ascending ? a.created < b.created : a.created > b.created }
            return ascending ? a.index < b.index : a.index > b.index
        }
        let page = rows.dropFirst(offset).prefix(limit)
        let hasMore = offset + page.count < rows.count
        return HTTPReply.json(
            .ok,
            .object([
                ("conversations", .array(page.map(\.json))),
                ("has_more", .bool(hasMore)),
                ("continuation_token", hasMore ? .int(offset + page.count) : .null),
            ]))
    }

    // MARK: - Tags

    /// `POST …/conversation/{id}/tags/` with `{"updates": {key: value|null}, "deletes": [key]}` → 204.
    func modifyTags(_ request: SandboxRequest, user: String, conversationID: String) -> Response {
        var validation = AmigoValidation()
        validation.objectID(conversationID, ["path", "conversation_id"])
        var updates: [(key: String, value: String?)] = []
        var deletes: [String] = []
        if let body = validation.object(request.body) {
            if let value = body["updates"] {
                updates = readTags(value, ["body", "updates"], valueLength: nil, &validation) ?? []
            }
            if let value = body["deletes"] {
                if let items = value.arrayValue {
                    for (index, item) in items.enumerated() {
                        if let key = validation.strippedString(item, ["body", "deletes", .int(index)]) {
                            deletes.append(key)
                        }
                    }
                } else {
                    validation.add("set_type", ["body", "deletes"], "Input should be a valid set", input: value)
                }
            }
        }
        guard validation.isEmpty else { return Self.unprocessable(validation) }
        guard let box = ownedConversation(conversationID, user: user) else {
            return Self.error(.notFound, Self.conversationNotFound)
        }
        let accepted = box.state.withLock { state -> Bool in
            var tags = state.tags.filter { !deletes.contains($0.key) }
            for update in updates {
                if let index = tags.firstIndex(where: { $0.key == update.key }) {
                    tags[index].value = update.value
                } else {
                    tags.append(update)
                }
            }
            guard tags.count <= 20 else { return false }
            state.tags = tags
            return true
        }
        guard accepted else { return Self.error(.badRequest, "The conversation cannot contain more than 20 tags.") }
        return HTTPReply.empty(.noContent)
    }
}
