import Foundation
import Synchronization
import ParleyDemoAgent

/// One AgentHuman session: its fixed facts and, under a lock, what changes.
final class AgentHumanSessionBox: Sendable {
    let id: Int
    let agentID: Int
    let sessionType: String
    let startedAt: Date
    let metadata: JSON
    let state: Mutex<AgentHumanSessionState>

    init(id: Int, agentID: Int, sessionType: String, startedAt: Date, metadata: JSON, demo: DemoConversation) {
        self.id = id
        self.agentID = agentID
        self.sessionType = sessionType
        self.startedAt = startedAt
        self.metadata = metadata
        self.state = Mutex(AgentHumanSessionState(demo: demo))
    }
}

struct AgentHumanSessionState: Sendable {
    var demo: DemoConversation
    var endedAt: Date?
    var duration: Int?
    var transcript: String?
    /// `User: …` / `Agent: …` lines, the transcript used when the client sends none.
    var lines: [String] = []
    var userMessagesReceived = 0

    init(demo: DemoConversation) {
        self.demo = demo
    }

    var isActive: Bool { endedAt == nil }
}
