import Foundation
import Hummingbird

extension AmigoAPI {
    /// `POST …/conversation/{cid}/interaction/{iid}/recommend_responses` with an optional `{"context": …}`.
    func recommend(_ request: SandboxRequest, user: String, conversationID: String, interactionID: String) -> Response {
        var validation = AmigoValidation()
        validation.objectID(conversationID, ["path", "conversation_id"])
        validation.objectID(interactionID, ["path", "interaction_id"])
        var context: String?
        if !request.isEmptyBody, let body = validation.object(request.body), let value = body["context"] {
            context = validation.strippedString(value, ["body", "context"])
        }
        guard validation.isEmpty else { return Self.unprocessable(validation) }
        guard let box = ownedConversation(conversationID, user: user) else {
            return Self.error(.notFound, Self.conversationNotFound)
        }
        let clockNow = ContinuousClock.now
        let candidates = box.state.withLock { state -> [String]? in
            guard !state.finished, state.latestCompletedInteraction(now: clockNow)?.id == interactionID else {
                return nil
            }
            return state.demo.recommendations(context: context)
        }
        guard let candidates else {
            return Self.error(
                .badRequest,
                "The conversation is finished, or the supplied interaction ID doesn't correspond to the latest, "
                    + "completed interaction."
            )
        }
        return HTTPReply.json(.ok, .object([("recommended_responses", .array(candidates.map(JSON.string)))]))
    }

    /// `GET …/conversation/{cid}/interaction/{iid}/insights`: the demo agent's state after that interaction.
    func insights(_ request: SandboxRequest, user: String, conversationID: String, interactionID: String) -> Response {
        var validation = AmigoValidation()
        validation.objectID(conversationID, ["path", "conversation_id"])
        validation.objectID(interactionID, ["path", "interaction_id"])
        guard validation.isEmpty else { return Self.unprocessable(validation) }
        guard let box = ownedConversation(conversationID, user: user),
            let interaction = box.state.withLock({ $0.interactions.first { $0.id == interactionID } })
        else {
            return Self.error(.notFound, "Specified organization, conversation, or interaction is not found.")
        }
        let machine = versionInfo(stateMachineID)
        let logs: [JSON] = interaction.transitions.map { transition in
            .object([
                ("type", "action"),
                ("previous_state", .string(transition.from)),
                ("previous_service_hierarchical_state_machine_version_info", machine),
                ("next_state", .string(transition.to)),
                ("next_service_hierarchical_state_machine_version_info", machine),
                (
                    "previous_state_exit_condition_description",
                    .string("The user's message matched \(transition.reason).")
                ),
                ("tool_call_logs", []),
            ])
        }
        let memory: [JSON] = interaction.insights.memory.sorted { $0.key < $1.key }.map { name, value in
            .object([("content", .string("\(name): \(value)")), ("context", "Remembered from the conversation.")])
        }
        return HTTPReply.json(
            .ok,
            .object([
                ("current_state_name", .string(interaction.insights.stateName)),
                ("current_state_action", .string(interaction.insights.action)),
                ("current_state_objective", .string(interaction.insights.objective)),
                ("state_transition_logs", .array(logs)),
                ("working_memory", .array(memory)),
                ("reflections", []),
                ("triggered_dynamic_behavior_set_version_info", .null),
                ("select_next_action_tool_call_logs", []),
                ("engage_user_tool_call_logs", []),
            ]))
    }
}
