import Testing

@testable import ParleyRun

@Suite struct ConversationStateTests {
    static let conversation = TestConversation(provider: TestProvider(behaviour: .reply { _ in ["hi"] }))

    @Test func aNewConversationIsNotOpenAndHasNothingToEnd() {
        var state = ConversationState.notOpened
        #expect(!state.isOpened && !state.isOpen && state.conversation == nil && state.closedReason == nil)
        #expect(state.flowEnds() == nil)
        state.agentEnded()
        #expect(!state.isOpened, "the agent cannot end what was never opened")
    }

    @Test func theFlowEndsAnOpenConversationOnce() {
        var state = ConversationState.notOpened
        state.opened(Self.conversation)
        #expect(state.isOpen && state.closedReason == nil)
        #expect(state.flowEnds() === Self.conversation)
        #expect(state.flowEnds() == nil, "a second end has nothing to end")
        #expect(!state.isOpen && state.conversation === Self.conversation)
        #expect(state.closedReason == "the conversation was ended by an earlier `end` step")
        state.agentEnded()
        #expect(!state.isEndedByAgent, "ended by the flow stays so")
    }

    @Test func aConversationTheAgentEndedIsNotEndedAgain() {
        var state = ConversationState.notOpened
        state.opened(Self.conversation)
        state.agentEnded()
        #expect(state.isEndedByAgent && !state.isOpen)
        #expect(state.closedReason == "the agent ended the conversation")
        #expect(state.flowEnds() == nil)
        #expect(state.isEndedByAgent)
    }

    @Test func openingTwiceKeepsTheFirstConversation() {
        let other = TestConversation(provider: TestProvider(behaviour: .hang))
        var state = ConversationState.notOpened
        state.opened(Self.conversation)
        state.opened(other)
        #expect(state.conversation === Self.conversation)
    }
}
