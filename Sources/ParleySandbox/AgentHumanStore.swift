import Foundation
import Synchronization
import ParleyDemoAgent

/// AgentHuman's server-side state: sessions by their integer id.
final class AgentHumanStore: Sendable {
    private struct Registry {
        var byID: [Int: AgentHumanSessionBox] = [:]
        var ordered: [AgentHumanSessionBox] = []
    }

    private let registry = Mutex(Registry())

    func add(_ session: AgentHumanSessionBox) {
        registry.withLock { registry in
            registry.byID[session.id] = session
            registry.ordered.append(session)
        }
    }

    func session(_ id: Int) -> AgentHumanSessionBox? {
        registry.withLock { $0.byID[id] }
    }

    var all: [AgentHumanSessionBox] {
        registry.withLock { $0.ordered }
    }
}
