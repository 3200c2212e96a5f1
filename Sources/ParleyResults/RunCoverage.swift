import Foundation
import ParleyFlow
import ParleyRun

/// `coverage.json`: which of the agent's states, tools and intents a run exercised, counted in
/// passing and in failing flow runs, from the actions the agent reported on each turn.
///
/// A state is exercised by a flow run that entered it or left it (the state a conversation starts in
/// is only ever left); a tool by a run in which it was called; an intent by a run in which the agent
/// selected that dynamic behaviour. Declared items no run exercised come first in each list, then
/// those only failing runs exercised, then the rest, least exercised first. Items a run exercised
/// but the inventory does not declare are listed too, marked undeclared.
public struct RunCoverage: Sendable {
    public var runId: String
    /// Where the declared items come from; `nil` when nothing was declared (only what the agent did
    /// is listed).
    public var inventory: String?
    /// Flow runs read, and how many passed.
    public var runs: Int
    public var passedRuns: Int
    /// Flow runs whose transcript could not be read (they count for nothing).
    public var unreadable: Int
    public var kinds: [Kind]
    /// Declared items, and how many of them some run exercised.
    public var declared: Int
    public var exercised: Int

    public struct Kind: Sendable {
        public var kind: CoverageKind
        public var declared: Int
        public var exercised: Int
        public var items: [Item]
    }

    public struct Item: Sendable, Hashable {
        public var name: String
        /// False for an item a run exercised that the inventory does not list.
        public var declared: Bool
        /// Flow runs that exercised it and passed.
        public var passedRuns: Int
        /// Flow runs that exercised it and failed or ended in an error.
        public var failingRuns: Int

        public var exercised: Bool { passedRuns + failingRuns > 0 }
    }

    /// The share of declared items exercised; `nil` when nothing is declared.
    public var ratio: Double? { declared == 0 ? nil : Double(exercised) / Double(declared) }

    /// What one flow run exercised, by kind.
    public struct Exercised: Sendable, Hashable {
        public var states: Set<String> = []
        public var tools: Set<String> = []
        public var intents: Set<String> = []

        public init() {}

        /// What the agent's actions on these turns exercise.
        public init(turns: [Turn]) {
            // A conversation goes through a few states and tools turn after turn: the names are
            // told apart by comparison first (the same name is often the same string), and each
            // distinct one hashed once, instead of a set insertion for every action.
            var names = (states: Distinct(), tools: Distinct(), intents: Distinct())
            // By index: the subscripts lend each action where gathering them all copied every one.
            for turn in turns.indices {
                guard let actions = turns[turn].actions else { continue }
                for index in actions.indices {
                    switch actions[index].kind {
                    case .stateTransition:
                        names.states.add(actions[index].name)
                        if let from = actions[index].from, !from.isEmpty { names.states.add(from) }
                    case .toolCall: names.tools.add(actions[index].name)
                    case .dynamicBehavior: names.intents.add(actions[index].name)
                    case .step: break
                    }
                }
            }
            states = names.states.set
            tools = names.tools.set
            intents = names.intents.set
        }

        /// Names gathered without duplicates: a short list searched by comparison, a set once the
        /// list is long.
        private struct Distinct {
            var list: [String] = []
            var overflow: Set<String> = []

            mutating func add(_ name: String) {
                guard !list.contains(name) else { return }
                if list.count < 16 { list.append(name) } else { overflow.insert(name) }
            }

            var set: Set<String> { overflow.union(list) }
        }

        func names(_ kind: CoverageKind) -> Set<String> {
            switch kind {
            case .states: states
            case .tools: tools
            case .intents: intents
            }
        }
    }

    /// Coverage of `records`, reading each one's transcript with `transcript` (one at a time); a
    /// transcript that cannot be read is counted in `unreadable`.
    public init(
        runId: String, records: [ResultRecord], inventory: CoverageInventory?,
        transcript: (ResultRecord) throws -> FlowRunResult
    ) {
        var observed: [(passed: Bool, exercised: Exercised)] = []
        var unreadable = 0
        for record in records {
            guard let result = try? transcript(record) else {
                unreadable += 1
                continue
            }
            observed.append((record.outcome == .passed, Exercised(turns: result.turns)))
        }
        self.init(runId: runId, observed: observed, inventory: inventory)
        self.unreadable = unreadable
    }

    /// What one flow run exercised and whether it passed; runs alike are counted together.
    public struct Observation: Sendable, Hashable {
        public var passed: Bool
        public var exercised: Exercised

        public init(passed: Bool, exercised: Exercised) {
            self.passed = passed
            self.exercised = exercised
        }
    }

    /// Coverage from what each flow run exercised and whether it passed.
    public init(runId: String, observed: [(passed: Bool, exercised: Exercised)], inventory: CoverageInventory?) {
        var counted: [Observation: Int] = [:]
        for run in observed { counted[Observation(passed: run.passed, exercised: run.exercised), default: 0] += 1 }
        self.init(runId: runId, observations: counted, inventory: inventory)
    }

    /// Coverage from how many flow runs made each observation.
    public init(runId: String, observations: [Observation: Int], inventory: CoverageInventory?) {
        self.runId = runId
        self.inventory = inventory.map(\.source)
        runs = observations.values.reduce(0, +)
        passedRuns = observations.reduce(0) { $0 + ($1.key.passed ? $1.value : 0) }
        unreadable = 0
        var kinds: [Kind] = []
        for kind in CoverageKind.allCases {
            let declaredNames =
                inventory.map { inventory in
                    inventory.kinds.first { $0.kind == kind }?.names ?? []
                } ?? []
            var items: [String: Item] = [:]
            for name in declaredNames { items[name] = Item(name: name, declared: true, passedRuns: 0, failingRuns: 0) }
            for (run, count) in observations {
                for name in run.exercised.names(kind) {
                    var item = items[name] ?? Item(name: name, declared: false, passedRuns: 0, failingRuns: 0)
                    if run.passed { item.passedRuns += count } else { item.failingRuns += count }
                    items[name] = item
                }
            }
            let ordered = items.values.sorted(by: Self.gapsFirst)
            kinds.append(
                Kind(
                    kind: kind, declared: declaredNames.count,
                    exercised: ordered.count { $0.declared && $0.exercised }, items: ordered))
        }
        self.kinds = kinds
        declared = kinds.reduce(0) { $0 + $1.declared }
        exercised = kinds.reduce(0) { $0 + $1.exercised }
    }

    /// Never exercised, then exercised by failing runs only, then the least exercised; undeclared
    /// items after declared ones of the same rank; then by name.
    static func gapsFirst(_ a: Item, _ b: Item) -> Bool {
        func rank(_ item: Item) -> Int {
            if !item.exercised { return 0 }
            return item.passedRuns == 0 ? 1 : 2
        }
        if rank(a) != rank(b) { return rank(a) < rank(b) }
        if a.declared != b.declared { return a.declared }
        let runsA = a.passedRuns + a.failingRuns, runsB = b.passedRuns + b.failingRuns
        if runsA != runsB { return runsA < runsB }
        return a.name < b.name
    }

    /// True when the share of declared items exercised is at least `minimum`.
    public func meets(_ minimum: Double) -> Bool {
        guard let ratio else { return false }
        return ratio + 1e-9 >= minimum
    }
}
