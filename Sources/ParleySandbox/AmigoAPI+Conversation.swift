import Foundation
import Hummingbird
import ParleyDemoAgent
import ParleyJSON

extension AmigoAPI {
    // MARK: - Create

    /// `POST /v1/{org}/conversation/?response_format=text`: creates a conversation and streams the agent's first turn.
    func createConversation(_ request: SandboxRequest, user: String) -> Response {
        var validation = AmigoValidation()
        let responseFormat = validation.choice(
            request.queryValue("response_format"), ["query", "response_format"],
            allowed: ["text", "voice"], required: true)
        let filter = Self.actionFilter(request, &validation)
        var serviceID: String?
        var versionSet = "release"
        var initialMessage: String?
        var initialType: String?
        var tags: [(key: String, value: String?)] = []
        if let body = validation.object(request.body) {
            switch body["service_id"] {
            case nil: validation.missing(["body", "service_id"], input: body)
            case .string(let id)?: if validation.objectID(id, ["body", "service_id"]) { serviceID = id }
            case let other?:
                validation.add("string_type", ["body", "service_id"], "Input should be a valid string", input: other)
            }
            if let value = body["service_version_set_name"] {
                if case .string(let name) = value {
                    versionSet = name
                } else {
                    validation.add(
                        "string_type", ["body", "service_version_set_name"], "Input should be a valid string",
                        input: value)
                }
            }
            if let value = body["initial_message"], !value.isNull {
                initialMessage = validation.strippedString(value, ["body", "initial_message", "str"])
            }
            if let value = body["initial_message_type"], !value.isNull {
                initialType = validation.choice(
                    value.stringValue ?? value.text, ["body", "initial_message_type", "str"],
                    allowed: ["user-message", "external-event"], required: true)
            }
            if let value = body["tags"] {
                tags = readTags(value, ["body", "tags"], valueLength: 100, &validation) ?? []
            }
            if initialType != nil, body["initial_message"]?.isNull ?? true {
                validation.add(
                    "value_error", ["body"],
                    "Value error, initial_message_type can only be specified if initial_message is provided",
                    input: body)
            }
        }
        guard validation.isEmpty, let serviceID, let responseFormat else { return Self.unprocessable(validation) }
        guard serviceID == credentials.amigoServiceID, versionSet == "release" else {
            return Self.error(.notFound, "Specified organization, service, or version set is not found.")
        }
        guard responseFormat == "text" else {
            return Self.error(.badRequest, "The agent does not have voice config specified.")
        }

        let opening: DemoOpening
        switch (initialMessage, initialType) {
        case (let text?, "external-event"): opening = .externalEvent(text)
        case (let text?, _): opening = .userMessage(text)
        default: opening = .agentFirst
        }
        let now = request.receivedAt
        let clockNow = ContinuousClock.now
        var demo = DemoConversation(script: configuration.script, seed: configuration.seed)
        let turn = demo.open(opening)
        let conversationID = ids.objectID(), interactionID = ids.objectID(), agentMessageID = ids.objectID()
        let firstDelay = timing.firstDelay()
        let insights = demo.insights
        let (turnLines, duration) = agentTurnLines(
            turn, insights: insights, messageID: agentMessageID, interactionID: interactionID,
            firstDelay: firstDelay, actionFilter: filter)

        var state = AmigoConversationState(demo: demo, busyUntil: clockNow + duration)
        state.tags = tags
        switch opening {
        case .userMessage(let text):
            state.messages.append(
                AmigoMessage(
                    id: ids.objectID(), interactionID: interactionID, createdAt: now, sender: user,
                    text: text, type: "user-message"))
            state.userMessagesReceived = 1
        case .externalEvent(let text):
            state.messages.append(
                AmigoMessage(
                    id: ids.objectID(), interactionID: interactionID, createdAt: now, sender: "external-event",
                    text: text, type: "external-event"))
        case .agentFirst:
            break
        }
        state.messages.append(
            agentMessage(agentMessageID, interactionID, turn, at: now.addingTimeInterval(firstDelay.seconds)))
        state.interactions.append(
            AmigoInteraction(
                id: interactionID, agentMessageID: agentMessageID, completesAt: clockNow + duration,
                insights: insights, transitions: turn.transitions))
        state.finished = turn.completed

        let box = AmigoConversationBox(
            id: conversationID, userID: user, serviceID: serviceID, versionSet: versionSet,
            createdAt: now, state: state)
        guard store.insert(box) else {
            return Self.error(
                .badRequest, "Attempting to start a conversation when other unfinished conversations exist.")
        }
        return HTTPReply.ndjson(
            .created, [TimedLine(AmigoEvents.conversationCreated(conversationID))] + turnLines, faults: request.faults)
    }

    func agentMessage(_ id: String, _ interactionID: String, _ turn: DemoTurn, at date: Date) -> AmigoMessage {
        AmigoMessage(
            id: id, interactionID: interactionID, createdAt: date, sender: configuration.script.name,
            text: turn.text, type: "agent-message")
    }

    /// A tags object: at most 20 keys matching `^[\w\s]+$`; values null, or text of at most
    /// `valueLength` characters (creation) or matching `^[\w\s]+$` (the tags endpoint, `valueLength` nil).
    func readTags(_ value: JSON, _ location: [JSON], valueLength: Int?, _ validation: inout AmigoValidation) -> [(
        key: String, value: String?
    )]? {
        guard let pairs = value.objectPairs else {
            validation.add("dict_type", location, "Input should be a valid dictionary", input: value)
            return nil
        }
        if pairs.count > 20 {
            validation.add(
                "too_long", location, "Dictionary should have at most 20 items after validation, not \(pairs.count)",
                input: value,
                context: [("field_type", "Dictionary"), ("max_length", 20), ("actual_length", .int(pairs.count))])
            return nil
        }
        var result: [(key: String, value: String?)] = []
        var ok = true
        for (rawKey, rawValue) in pairs {
            guard
                let key = validation.strippedString(
                    .string(rawKey), location + [.string(rawKey), "[key]"], wordsOnly: true)
            else {
                ok = false
                continue
            }
            if rawValue.isNull {
                result.append((key, nil))
            } else if let text = validation.strippedString(
                rawValue, location + [.string(rawKey)], maxLength: valueLength,
                wordsOnly: valueLength == nil)
            {
                result.append((key, text))
            } else {
                ok = false
            }
        }
        return ok ? result : nil
    }

    // MARK: - Interact

    /// `POST …/conversation/{id}/interact?request_format=text&response_format=text` with a multipart body.
    func interact(_ request: SandboxRequest, user: String, conversationID: String) -> Response {
        var validation = AmigoValidation()
        validation.objectID(conversationID, ["path", "conversation_id"])
        let requestFormat = validation.choice(
            request.queryValue("request_format"), ["query", "request_format"],
            allowed: ["text", "voice"], required: true)
        let responseFormat = validation.choice(
            request.queryValue("response_format"), ["query", "response_format"],
            allowed: ["text", "voice"], required: true)
        let filter = Self.actionFilter(request, &validation)
        var boundary: String?
        if let contentType = request.header("content-type") {
            boundary = MultipartForm.boundary(fromContentType: contentType)
            if boundary == nil {
                validation.add(
                    "string_pattern_mismatch", ["header", "content-type"],
                    "String should match pattern '^multipart\\/form-data; boundary=.+$'", input: .string(contentType),
                    context: [("pattern", "^multipart\\/form-data; boundary=.+$")])
            }
        } else {
            validation.missing(["header", "content-type"])
        }
        guard validation.isEmpty, let boundary, let requestFormat, let responseFormat else {
            return Self.unprocessable(validation)
        }
        guard let form = MultipartForm.parse(request.body, boundary: boundary) else {
            return Self.error(.badRequest, "There was an error parsing the body")
        }
        guard let input = readInteraction(form, &validation), validation.isEmpty else {
            return Self.unprocessable(validation)
        }

        guard let box = ownedConversation(conversationID, user: user) else {
            return Self.error(.notFound, Self.conversationNotFound)
        }
        guard requestFormat == "text" else {
            return Self.error(.badRequest, "The preferred language does not support voice transcription or response.")
        }
        guard responseFormat == "text" else {
            return Self.error(.badRequest, "The agent does not have voice config specified.")
        }
        if input.kind == "user-message", input.message.allSatisfy(\.isWhitespace) {
            return Self.error(.badRequest, "The user message is empty.")
        }
        guard input.eventContents.count == input.eventTimestamps.count else {
            return Self.error(.badRequest, "The number of external event message contents and timestamps must match.")
        }
        guard input.eventTimestamps.allSatisfy({ $0 <= request.receivedAt }) else {
            return Self.error(.badRequest, "The timestamps for external event messages are not in the past.")
        }

        let now = request.receivedAt
        let clockNow = ContinuousClock.now
        let interactionID = ids.objectID(), agentMessageID = ids.objectID(), userMessageID = ids.objectID()
        let firstDelay = timing.firstDelay()
        let outcome = box.state.withLock { state -> Result<(lines: [TimedLine], completed: Bool), AmigoRefusal> in
            if state.finished { return .failure(.finished) }
            if clockNow < state.busyUntil { return .failure(.busy) }
            for (content, timestamp) in zip(input.eventContents, input.eventTimestamps) {
                _ = state.demo.event(content)
                state.messages.append(
                    AmigoMessage(
                        id: ids.objectID(), interactionID: interactionID, createdAt: timestamp,
                        sender: "external-event", text: content, type: "external-event"))
            }
            let turn: DemoTurn
            switch input.kind {
            case "user-message":
                turn = state.demo.reply(to: input.message)
                state.userMessagesReceived += 1
                state.messages.append(
                    AmigoMessage(
                        id: userMessageID, interactionID: interactionID, createdAt: now, sender: user,
                        text: input.message, type: "user-message"))
            case "external-event":
                turn = state.demo.event(input.message)
                state.messages.append(
                    AmigoMessage(
                        id: userMessageID, interactionID: interactionID, createdAt: now,
                        sender: "external-event", text: input.message, type: "external-event"))
            default:
                turn = state.demo.prompt()
            }
            let insights = state.demo.insights
            let (lines, duration) = agentTurnLines(
                turn, insights: insights, messageID: agentMessageID, interactionID: interactionID,
                firstDelay: firstDelay, actionFilter: filter)
            state.messages.append(
                agentMessage(agentMessageID, interactionID, turn, at: now.addingTimeInterval(firstDelay.seconds)))
            state.interactions.append(
                AmigoInteraction(
                    id: interactionID, agentMessageID: agentMessageID,
                    completesAt: clockNow + duration, insights: insights, transitions: turn.transitions))
            state.busyUntil = clockNow + duration
            state.finished = turn.completed
            return .success((lines, turn.completed))
        }
        switch outcome {
        case .failure(let refusal):
            return Self.error(.conflict, refusal.detail)
        case .success(let result):
            if result.completed { store.closed(box) }
            var lines = result.lines
            if input.kind != "skip" {
                lines.insert(
                    TimedLine(AmigoEvents.userMessageAvailable(messageID: userMessageID, text: input.message)), at: 0)
            }
            return HTTPReply.ndjson(.ok, lines, faults: request.faults)
        }
    }

    /// The fields of an interact body once validated.
    struct InteractionInput {
        var kind: String
        var message: String
        var eventContents: [String]
        var eventTimestamps: [Date]
    }

    /// Reads the form fields as Amigo's three body shapes (user message, external event, skip) define them.
    func readInteraction(_ form: MultipartForm, _ validation: inout AmigoValidation) -> InteractionInput? {
        let kind = validation.choice(
            form.first("initial_message_type")?.value, ["body", "initial_message_type"],
            allowed: ["user-message", "external-event", "skip"], required: true)
        let message = form.first("recorded_message")?.value
        if message == nil { validation.missing(["body", "recorded_message"]) }
        let contents = form.values("external_event_message_content")
        var timestamps: [Date] = []
        for (index, text) in form.values("external_event_message_timestamp").enumerated() {
            if let date = Timestamp.parse(text) {
                timestamps.append(date)
            } else {
                validation.add(
                    "datetime_from_date_parsing", ["body", "external_event_message_timestamp", .int(index)],
                    "Input should be a valid datetime or date, invalid character in year", input: .string(text))
            }
        }
        for (index, content) in contents.enumerated() where content.isEmpty {
            validation.add(
                "string_too_short", ["body", "external_event_message_content", .int(index)],
                "String should have at least 1 character", input: "", context: [("min_length", 1)])
        }
        guard let kind, let message else { return nil }
        if kind == "skip" {
            if !message.isEmpty {
                validation.add(
                    "string_too_long", ["body", "skip", "recorded_message"], "String should have at most 0 characters",
                    input: .string(message), context: [("max_length", 0)])
            }
            if !contents.isEmpty || !timestamps.isEmpty {
                validation.add(
                    "too_long", ["body", "skip", "external_event_message_content"],
                    "List should have at most 0 items after validation, not \(contents.count)",
                    input: .array(contents.map(JSON.string)))
            }
        } else if message.isEmpty {
            validation.add(
                "string_too_short", ["body", .string(kind), "recorded_message"],
                "String should have at least 1 character",
                input: "", context: [("min_length", 1)])
        }
        return InteractionInput(kind: kind, message: message, eventContents: contents, eventTimestamps: timestamps)
    }

    /// Why a conversation cannot take an interaction now (409).
    enum AmigoRefusal: Error {
        case finished, busy

        var detail: String {
            switch self {
            case .finished: "The specified conversation is already finished."
            case .busy: "A related operation is in progress."
            }
        }
    }
}
