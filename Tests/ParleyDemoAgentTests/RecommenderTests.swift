import Foundation
import Testing
@testable import ParleyDemoAgent
import ParleyFlow

@Suite struct RecommenderTests {
    static func context(
        name: String, background: String, variables: [(String, String)] = [],
        scenario: String, objective: String, instructions: String = "Be polite."
    ) -> String {
        var text = "PERSONA:\nName: \(name)\nBackground: \(background)\n"
        if !variables.isEmpty {
            text += "Variables:\n" + variables.map { "- \($0.0): \($0.1)\n" }.joined()
        }
        text += "---\nSCENARIO:\nName: \(scenario)\nObjective: \(objective)\nInstructions: \(instructions)\n"
        return text
    }

    static let dana = context(
        name: "Dana Ortiz", background: "Busy parent; order ORD-1042 arrived cracked.",
        variables: [("order_id", "ORD-1042")], scenario: "Refund for a damaged item",
        objective: "Get a full refund for the damaged blender.",
        instructions: "Be polite but firm. Give the order number when asked.")

    // MARK: - Reading the context

    @Test func contextFieldsAreRead() {
        let context = RecommendationContext.parse(Self.dana)
        #expect(context.personaName == "Dana Ortiz")
        #expect(context.background == "Busy parent; order ORD-1042 arrived cracked.")
        #expect(context.variables == [Persona.Variable(name: "order_id", value: "ORD-1042")])
        #expect(
            context.scenario
                == Scenario(
                    name: "Refund for a damaged item",
                    objective: "Get a full refund for the damaged blender.",
                    instructions: "Be polite but firm. Give the order number when asked."))
    }

    @Test func contextReadingIsTolerant() {
        let context = RecommendationContext.parse(
            """
            persona:
              name:   Sam
              role: Student
            ----
            Scenario:
            OBJECTIVE: Find out where my parcel is,
            which was due on Monday.
            """)
        #expect(context.personaName == "Sam")
        #expect(context.otherFields["role"] == "Student")
        #expect(context.background == nil)
        #expect(context.scenario.objective == "Find out where my parcel is, which was due on Monday.")
        #expect(context.scenario.name == nil)
    }

    @Test func missingContextIsAmigosDefaultPersona() {
        for text in [nil, "", "  \n "] {
            let context = RecommendationContext.parse(text)
            #expect(context.personaName == "User")
            #expect(context.background == "A typical person seeking this service.")
            #expect(context.scenario.objective == "Successfully complete the service interaction.")
        }
    }

    @Test func goalsAreRecognisedFromTheObjective() {
        let conversation = DemoConversation(script: .supportDesk)
        func goal(_ objective: String) -> String? {
            conversation.goal(for: RecommendationContext(scenario: Scenario(objective: objective)))?.name
        }
        #expect(goal("Get a full refund for the damaged blender.") == "refund")
        #expect(goal("Find out when my parcel will be delivered") == "status")
        #expect(goal("Talk to a human about a late delivery") == "human")
        #expect(goal("Successfully complete the service interaction.") == "status")  // the default goal
    }

    // MARK: - Candidates per state

    @Test func atTheStartTheCandidatesStateTheNeed() {
        var conversation = DemoConversation(script: .supportDesk)
        _ = conversation.open(.agentFirst)
        let candidates = conversation.recommendations(context: Self.dana)
        #expect(candidates.count >= 3)
        #expect(candidates.first == "Hi, this is Dana. My order ORD-1042 arrived damaged and I'd like a refund.")
        #expect(
            candidates.allSatisfy {
                $0.localizedCaseInsensitiveContains("refund") || $0.localizedCaseInsensitiveContains("money back")
            })
    }

    @Test func whenAskedTheCandidatesGiveTheOrderNumber() {
        var conversation = DemoConversation(script: .supportDesk)
        _ = conversation.open(.agentFirst)
        _ = conversation.reply(to: "I need a refund")
        let candidates = conversation.recommendations(context: Self.dana)
        #expect(candidates.count == 3)
        #expect(candidates.allSatisfy { $0.contains("ORD-1042") })
    }

    @Test func anOrderNumberInTheBackgroundIsUsedWithoutAVariable() {
        var conversation = DemoConversation(script: .supportDesk)
        _ = conversation.open(.userMessage("where is my order?"))
        let context = Self.context(
            name: "Lee", background: "Ordered a lamp, order ord-3321, a week ago.",
            scenario: "Late lamp", objective: "Find out where the lamp is.")
        let candidates = conversation.recommendations(context: context)
        #expect(candidates.count == 3)
        #expect(candidates.allSatisfy { $0.contains("ORD-3321") })
    }

    @Test func whenOfferedARefundTheCandidatesConfirm() {
        var conversation = DemoConversation(script: .supportDesk)
        _ = conversation.open(.userMessage("Refund for ORD-1042 please, it's cracked"))
        #expect(conversation.stateName == "refund_offer")
        let candidates = conversation.recommendations(context: Self.dana)
        #expect(
            candidates == [
                "Yes, please go ahead with the refund.", "Yes please, refund it to my card.",
                "Sure, a refund would be great.",
            ])
    }

    @Test func onceTheGoalIsReachedTheCandidatesSayGoodbye() {
        var conversation = DemoConversation(script: .supportDesk)
        _ = conversation.open(.userMessage("Refund for ORD-1042 please, it's cracked"))
        _ = conversation.reply(to: "yes")
        let candidates = conversation.recommendations(context: Self.dana)
        #expect(candidates.count == 3)
        #expect(candidates.allSatisfy { $0.localizedCaseInsensitiveContains("bye") })
        // A different goal is not reached yet, so that persona restates its need.
        let statusContext = Self.context(
            name: "Ana", background: "Waiting for ORD-77.", scenario: "Where is it",
            objective: "Track order ORD-77")
        let statusCandidates = conversation.recommendations(context: statusContext)
        #expect(statusCandidates.allSatisfy { !$0.localizedCaseInsensitiveContains("bye") })
    }

    @Test func withoutContextTheDefaultPersonaUsesTheDefaultOrder() {
        var conversation = DemoConversation(script: .supportDesk)
        _ = conversation.open(.agentFirst)
        let candidates = conversation.recommendations(context: nil)
        #expect(candidates.count >= 3)
        #expect(candidates.first == "Hello, could you check the status of order ORD-1001?")
        #expect(!candidates.contains { $0.contains("this is User") })
    }

    @Test func recommendationsAreDeterministic() {
        var conversation = DemoConversation(script: .supportDesk)
        _ = conversation.open(.agentFirst)
        #expect(conversation.recommendations(context: Self.dana) == conversation.recommendations(context: Self.dana))
    }

    // MARK: - Simulations reach their goal

    struct Simulation: Sendable, CustomTestStringConvertible {
        let persona: String
        let context: String
        let goalState: String
        var testDescription: String { persona }
    }

    static let simulations: [Simulation] = [
        Simulation(persona: "Dana / refund", context: dana, goalState: "refund_issued"),
        Simulation(
            persona: "Priya / refund without variables",
            context: context(
                name: "Priya Natarajan", background: "Bought a kettle (order ORD-5521) that leaks.",
                scenario: "Faulty kettle", objective: "Get my money back for the faulty kettle."),
            goalState: "refund_issued"),
        Simulation(
            persona: "Marcus / status",
            context: context(
                name: "Marcus Lee", background: "Retired teacher.", variables: [("order_id", "ORD-2044")],
                scenario: "Where is my rug", objective: "Find out when order ORD-2044 will be delivered."),
            goalState: "status_given"),
        Simulation(
            persona: "Default user / status", context: RecommendationContext.amigoDefault, goalState: "status_given"),
        Simulation(
            persona: "Ines / human",
            context: context(
                name: "Ines Duarte", background: "Has called twice already; frustrated.",
                scenario: "Escalation", objective: "Speak to a human representative about a billing mistake."),
            goalState: "escalated"),
        Simulation(
            persona: "Tom / human, terse",
            context: "PERSONA:\nName: Tom\n---\nSCENARIO:\nObjective: Get escalated to a manager.\n",
            goalState: "escalated"),
    ]

    /// Picks a candidate: `nil` index means random with the given generator.
    enum Picker: CustomTestStringConvertible, Sendable {
        case first, last
        case random(UInt64)
        var testDescription: String {
            switch self {
            case .first: "first"
            case .last: "last"
            case .random(let seed): "random(\(seed))"
            }
        }
    }

    static let pickers: [Picker] = [.first, .last] + (1...6).map { Picker.random($0) }

    @Test(arguments: simulations, pickers)
    func simulatedCustomersReachTheirGoal(_ simulation: Simulation, _ picker: Picker) throws {
        var conversation = DemoConversation(script: .supportDesk, seed: 3)
        var transcript = ["agent: " + conversation.open(.agentFirst).text]
        var generator = SeededRandom(seed: { if case .random(let s) = picker { return s } else { return 0 } }())
        var turns = 0
        while !conversation.isCompleted && turns < 8 {
            let candidates = conversation.recommendations(context: simulation.context)
            try #require(candidates.count >= 3, "too few candidates in \(conversation.stateName): \(candidates)")
            let choice: String
            switch picker {
            case .first: choice = candidates[0]
            case .last: choice = candidates[candidates.count - 1]
            case .random: choice = candidates[Int(generator.next() % UInt64(candidates.count))]
            }
            transcript.append("user: " + choice)
            transcript.append("agent: " + conversation.reply(to: choice).text)
            turns += 1
        }
        #expect(conversation.visited.contains(simulation.goalState), "\(transcript.joined(separator: "\n"))")
        #expect(conversation.isCompleted, "\(transcript.joined(separator: "\n"))")
        #expect(
            !transcript.contains { $0.hasPrefix("agent: Sorry, I didn't catch that") },
            "\(transcript.joined(separator: "\n"))")
    }
}
