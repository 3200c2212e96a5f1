import ParleyFlow
import ParleyYAML

/// Names an agent script refers to, collected while reading so the checker can point at each use.
final class ScriptReferences {
    /// `start`, `goto`, `reached`.
    var states: [(String, SourceLocation)] = []
    /// `recommend` keys and `default_goal`.
    var goals: [(String, SourceLocation)] = []
    /// `requires` and `derived.*.from`: names that some route must capture.
    var remembered: [(String, SourceLocation)] = []
}

/// Checks that every name an agent script uses is defined, once the whole script has been read.
struct AgentScriptChecker {
    let script: AgentScript
    let reader: NodeReader
    let references: ScriptReferences

    func check() {
        let stateNames = script.stateOrder
        for (name, location) in references.states where script.states[name] == nil && !stateNames.contains(name) {
            reader.error("no state is named `\(name)`\(Suggestion.hint(for: name, in: stateNames))", at: location)
        }
        let goalNames = script.simulatedUser.goals.map(\.name)
        for (name, location) in references.goals where !goalNames.contains(name) {
            let known =
                goalNames.isEmpty
                ? "; `simulated_user.goals` defines none"
                : Suggestion.hint(for: name, in: goalNames + [AgentScript.anyGoal])
            reader.error("no goal is named `\(name)`\(known)", at: location)
        }
        let captured = capturedNames
        for (name, location) in references.remembered where !captured.contains(name) {
            reader.error(
                "`\(name)` is never remembered: no route captures it\(Suggestion.hint(for: name, in: captured))",
                at: location)
        }
        checkAgentTemplates(known: captured.union(script.derived.keys))
        checkSimulatedUserTemplates()
    }

    /// Every name some route's `capture` remembers.
    var capturedNames: Set<String> {
        Set(allRoutes.flatMap { $0.captures.map(\.name) })
    }

    var allRoutes: [AgentRoute] {
        script.routes + script.eventRoutes + [script.fallback]
            + script.states.values.flatMap { $0.routes + ($0.fallback.map { [$0] } ?? []) }
    }

    /// Agent replies and patterns may use remembered and derived values only.
    func checkAgentTemplates(known: Set<String>) {
        var templates = script.states.values.flatMap(\.say)
        for route in allRoutes {
            templates += route.say
            templates += route.when?.templates ?? []
        }
        for template in templates {
            for (reference, location) in template.references {
                switch reference {
                case .local(let name) where known.contains(name):
                    continue
                case .local(let name):
                    reader.error(
                        "`${\(name)}` is never remembered or derived\(Suggestion.hint(for: name, in: known))",
                        at: location)
                default:
                    reader.error(
                        "an agent reply can use only remembered or derived values such as `${order_id}`, not "
                            + "`\(reference)`",
                        at: location)
                }
            }
        }
    }

    /// Simulated-user lines speak as the persona: `${persona.*}` and `${scenario.*}` only.
    func checkSimulatedUserTemplates() {
        var templates = script.simulatedUser.goodbye + script.simulatedUser.goals.flatMap(\.ask)
        templates += script.states.values.flatMap { $0.recommend.values.flatMap { $0 } }
        for template in templates {
            for (reference, location) in template.references {
                switch reference {
                case .persona, .scenario: continue
                case .local, .env, .case:
                    reader.error(
                        "a simulated user's line can use `${persona.<field>}` and `${scenario.<field>}`, not "
                            + "`\(reference)`",
                        at: location)
                }
            }
        }
    }
}
