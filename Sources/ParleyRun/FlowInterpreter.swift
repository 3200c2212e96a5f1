import Foundation
import ParleyClock
import ParleyFlow
import ParleyJSON

/// One flow run to perform: a flow, as one of its personas, in one of its scenarios, with one row of
/// its cases, for one repetition.
public struct FlowRunRequest: Sendable {
    /// The flow, persona, scenario and row, shared by every repetition of them: a plan of many
    /// repetitions holds one copy of each flow, not one per flow run.
    private let subject: Subject
    public var flow: Flow { subject.flow }
    public var persona: Persona? { subject.persona }
    /// The scenario of this run: the flow's `scenario:`, or one of its `scenarios:`.
    public var scenario: Scenario? { subject.scenario }
    /// The row of the flow's `cases:` this run uses.
    public var dataCase: CaseRow? { subject.dataCase }
    public var repetition: Int
    public var targetName: String
    /// The run's seed; each flow run derives its own generator from it and its id.
    public var seed: UInt64

    private final class Subject: Sendable {
        let flow: Flow
        let persona: Persona?
        let scenario: Scenario?
        let dataCase: CaseRow?

        init(flow: Flow, persona: Persona?, scenario: Scenario?, dataCase: CaseRow?) {
            self.flow = flow
            self.persona = persona
            self.scenario = scenario
            self.dataCase = dataCase
        }
    }

    public init(
        flow: Flow, persona: Persona?, scenario: Scenario? = nil, dataCase: CaseRow? = nil, repetition: Int = 1,
        targetName: String, seed: UInt64 = 0
    ) {
        self.subject = Subject(
            flow: flow, persona: persona, scenario: scenario ?? (flow.scenarios.count == 1 ? flow.scenarios[0] : nil),
            dataCase: dataCase)
        self.repetition = repetition
        self.targetName = targetName
        self.seed = seed
    }

    /// The same flow run, another repetition (sharing the flow, persona, scenario and row).
    public func withRepetition(_ repetition: Int) -> FlowRunRequest {
        var request = self
        request.repetition = repetition
        return request
    }

    public var id: String {
        FlowRunResult.makeID(
            flow: flow.name, persona: persona, scenario: flow.scenarioMatrix ? scenario : nil, dataCase: dataCase,
            repetition: repetition)
    }
}

/// Executes flows step by step against a provider and returns what happened as a value.
///
/// Each flow run owns its conversation and its state; nothing is shared between runs except the
/// provider, so thousands can run at once.
public struct FlowInterpreter: Sendable {
    public var provider: any ConversationProvider
    public var simulator: (any UserSimulator)?
    public var environment: [String: String]
    /// Longest wait for ending a conversation after the steps are done (never past the flow's
    /// `timeout:`), including waiting for a request that may have created it. Short, because a dead
    /// server makes every flow run pay it again.
    public var endTimeout: Duration
    /// Longest time one pattern may take to match a reply (never past the flow's `timeout:`).
    public var patternBudget: Duration
    /// The run's secrets: taken out of the result before anything writes it; values captured
    /// into variables named like credentials are added.
    public var secrets: SecretRegistry
    /// Checked between steps (and simulated turns): once requested, the run stops and is reported
    /// as interrupted.
    public var stop: StopSignal?
    /// The judges `judge` steps and a flow's closing `judge:` use.
    public var judges: JudgePanel

    public static let defaultEndTimeout: Duration = .seconds(3)
    public static let defaultPatternBudget: Duration = .seconds(2)
    /// How long a flow run waits for its conversation to give back what it held (a logout).
    static let releaseTimeout: Duration = .seconds(1)

    public init(
        provider: any ConversationProvider, simulator: (any UserSimulator)? = nil,
        environment: [String: String], secrets: SecretRegistry = SecretRegistry(),
        endTimeout: Duration = FlowInterpreter.defaultEndTimeout,
        patternBudget: Duration = FlowInterpreter.defaultPatternBudget, stop: StopSignal? = nil,
        judges: JudgePanel = JudgePanel()
    ) {
        self.stop = stop
        self.judges = judges
        self.provider = provider
        self.simulator = simulator
        self.environment = environment
        self.secrets = secrets
        self.endTimeout = endTimeout
        self.patternBudget = patternBudget
    }

    /// Runs one flow run to completion; never throws: every problem becomes part of the result.
    public func run(_ request: FlowRunRequest) async -> FlowRunResult {
        await runBoxed(request).value
    }

    /// ``run(_:)``'s result boxed (see ``Boxed``), for the coordinator: a flow run's task holds one
    /// word for it rather than the result's 400 bytes, in its frames and in its own storage.
    func runBoxed(_ request: FlowRunRequest) async -> Boxed<FlowRunResult> {
        var execution = FlowExecution(request: request, interpreter: self)
        return await execution.run()
    }
}

/// What ended a step early.
///
/// Indirect, so that the value is one pointer: with typed throws, every call that can throw it
/// keeps room for one in the caller's async frame, and a conversation's frames live as long as it does.
indirect enum StepStop: Error {
    case failed(FailureInfo)
    case error(String, kind: ErrorKind)
}

/// The state of one flow run while it executes; owned by the run's task alone.
///
/// Every conversation in flight holds one in its task's memory, so it holds its large parts by
/// reference: the flow through the request, the latest reply boxed.
struct FlowExecution {
    let request: FlowRunRequest
    let interpreter: FlowInterpreter
    var scope: VariableScope
    var random: SeededRandom
    var state = ConversationState.notOpened
    private var latestReplyBox: Boxed<AgentReply>?
    var turns: [Turn] = []
    var tags: [String: String] = [:]
    var notes: [String] = []
    /// Tokens reported by the agent's and the simulator's models so far.
    var usage: [TokenUsage] = []
    var judgments: [Judgment] = []
    var judgeUsage = JudgeUsage()
    /// Provider calls abandoned at their deadline that had not wound down yet: a conversation one of
    /// them creates must still be ended, so ending waits for them first.
    var lateOperations: [Task<Void, Never>] = []
    /// Integer instants (``MonotonicInstant``): a flow run's frame holds them across its awaits.
    let flowDeadline: MonotonicInstant?

    var flow: Flow { request.flow }
    var latestReply: AgentReply? { latestReplyBox?.value }

    init(request: FlowRunRequest, interpreter: FlowInterpreter) {
        self.request = request
        self.interpreter = interpreter
        self.scope = VariableScope(
            persona: request.persona, scenario: request.scenario, caseValues: request.dataCase?.values ?? [:],
            environment: interpreter.environment)
        self.random = SeededRandom(seed: request.seed, stream: request.id)
        self.flowDeadline = request.flow.timeout.map { MonotonicInstant.now + $0 }
    }

    /// The flow run's result, boxed: see ``Boxed``.
    mutating func run() async -> Boxed<FlowRunResult> {
        let startedAt = Date()
        var stepResults = reserve()
        var outcome = Outcome.passed
        var failure: FailureInfo?

        var stopped = false
        let steps = flow.steps
        for (index, step) in steps.enumerated() {
            if interpreter.stop?.isRequested == true, outcome == .passed { stopped = true }
            if outcome != .passed || stopped || Task.isCancelled {
                Self.skip(step, index: index, in: &stepResults)
                continue
            }
            await perform(step, index: index, into: &stepResults, outcome: &outcome, failure: &failure)
        }
        // A simulation cut short by a stop request is not a result either.
        let interrupted =
            stopped || Task.isCancelled
            || (interpreter.stop?.isRequested == true && failure?.errorKind == ErrorKind.cancelled)
        return await finish(
            outcome: &outcome, failure: &failure, interrupted: interrupted, startedAt: startedAt, steps: &stepResults)
    }

    /// The step results' array, and room for the turns, reserved at the sizes the flow needs: both
    /// grow by doubling otherwise, each reallocation a copy, and the last one holds up to twice the
    /// room needed for as long as the result is alive. Synchronous and out of line: reading the
    /// flow in ``run()`` kept a copy of all of it in the frame every conversation holds.
    @inline(never)
    private mutating func reserve() -> [StepResult] {
        var stepResults: [StepResult] = []
        stepResults.reserveCapacity(flow.steps.count + (flow.judge == nil ? 0 : 1))
        turns.reserveCapacity(Self.expectedTurns(flow))
        return stepResults
    }

    /// Ends the conversation, runs the closing judge and assembles the result: apart from ``run()``,
    /// whose frame every conversation holds while its steps run.
    @inline(never)
    private mutating func finish(
        outcome: inout Outcome, failure: inout FailureInfo?, interrupted: Bool, startedAt: Date,
        steps stepResults: inout [StepResult]
    ) async -> Boxed<FlowRunResult> {
        // Ending and releasing must happen even when the run was cancelled (Ctrl-C), so they run
        // in a task that does not inherit the cancellation. Such a task does not inherit the flow
        // run's loop either: it is asked for, so that the requests do not cross threads.
        let loop = FlowLoop.current?.executor
        let cleanup = Task(executorPreference: loop) { [self] in
            var execution = self
            await execution.endConversationIfOpen()
            await execution.release(on: loop)
            return execution.notes
        }
        notes = await cleanup.value
        // The closing judge grades the whole conversation once it is over (simulated turns included).
        if let spec = flow.judge {
            let step = Step(.judge(spec), at: spec.location)
            if outcome == .passed, !interrupted, !Task.isCancelled {
                await perform(
                    step, index: flow.steps.count, into: &stepResults, outcome: &outcome, failure: &failure,
                    closing: true)
            } else {
                Self.skip(step, index: flow.steps.count, in: &stepResults)
            }
        }

        // A conversation id that arrived before the reply broke is known to the conversation only.
        var conversationID = turns.lazy.compactMap { $0.ids?["conversation_id"] }.first
        if conversationID == nil { conversationID = await state.conversation?.conversationID }

        return Boxed(
            result(
                outcome: outcome, failure: failure, interrupted: interrupted, startedAt: startedAt,
                conversationID: conversationID, steps: stepResults))
    }

    /// Gives back what the conversation and the simulator held. A local release (a pooled user) is
    /// awaited here; one that may go over the network (a logout) is best effort, so it may go on
    /// after the flow run, which waits ``FlowInterpreter/releaseTimeout`` for it at most.
    private func release(on loop: (any TaskExecutor)?) async {
        let conversation = state.conversation
        let simulator = interpreter.simulator
        if simulator == nil, conversation?.releasesLocally ?? true {
            await conversation?.release()
            return
        }
        let runID = request.id
        let release = Task(executorPreference: loop) {
            await conversation?.release()
            await simulator?.release(runID: runID)
        }
        _ = await Waiting.value(of: release, within: FlowInterpreter.releaseTimeout)
    }

    /// The turns a flow's steps make: the greeting, and a turn each way for every message or event
    /// sent (simulations make more, and the array grows for those).
    static func expectedTurns(_ flow: Flow) -> Int {
        var count = flow.opening == .agentFirst ? 1 : 0
        for step in flow.steps {
            switch step.kind {
            case .send, .event, .recommend: count += 2
            default: break
            }
        }
        return count
    }

    /// The flow run's result, redacted (synchronous: see ``check(_:_:_:)``).
    @inline(never)
    private func result(
        outcome: Outcome, failure: FailureInfo?, interrupted: Bool, startedAt: Date, conversationID: String?,
        steps stepResults: [StepResult]
    ) -> FlowRunResult {
        var result = FlowRunResult(
            id: request.id, flow: flow.name, file: flow.file, persona: request.persona?.name,
            repetition: request.repetition,
            target: request.targetName, provider: interpreter.provider.kind, labels: flow.tags, conversationTags: tags,
            outcome: outcome, failure: failure, startedAt: startedAt, finishedAt: Date(),
            conversationId: conversationID, opening: flow.opening,
            turns: turns, steps: stepResults, notes: notes
        )
        result.scenario = request.scenario?.name
        result.dataCase = request.dataCase?.reference
        result.usage = usage.isEmpty ? nil : usage
        if interrupted { result.interrupted = true }
        if !judgments.isEmpty { result.judgments = judgments }
        if judgeUsage != JudgeUsage() { result.judgeUsage = judgeUsage }
        // Secrets leave as `[redacted]` before any writer or printer encodes the result.
        result.redact(by: interpreter.secrets.redactor)
        return result
    }

    /// Runs one step and records how it ended in `results`; a failure or error sets the run's
    /// outcome. The step's result is put together after the step, out of line: held across the
    /// step's awaits, its copies took room in the frame of every conversation.
    @inline(never)
    private mutating func perform(
        _ step: Step, index: Int, into results: inout [StepResult], outcome: inout Outcome,
        failure: inout FailureInfo?, closing: Bool = false
    ) async {
        let began = MonotonicInstant.now
        var detail: String?
        var stop: StepStop?
        do {
            detail = try await closing ? judgeStep(step, index: nil) : execute(step, index: index)
        } catch {
            stop = error
        }
        record(
            step, index: index, detail: detail, stop: stop, began: began, in: &results, outcome: &outcome,
            failure: &failure)
    }

    /// A `judge` step at `index`, or the flow's closing judge (`nil`, once the conversation is over).
    @inline(never)
    private mutating func judgeStep(_ step: Step, index: Int?) async throws(StepStop) -> String? {
        guard case .judge(let spec) = step.action else { return nil }
        // A judge step before anything else in an agent-first flow grades the agent's greeting.
        if index != nil { try await ensureStarted(step) }
        return try await judge(spec, step: step, index: index)
    }

    /// A step that did not run.
    private static func skip(_ step: Step, index: Int, in results: inout [StepResult]) {
        results.append(StepResult(index: index, kind: step.kind, location: step.location, status: .skipped))
    }

    /// Records how a step ended (synchronous: see ``check(_:_:_:)``).
    @inline(never)
    private func record(
        _ step: Step, index: Int, detail: String?, stop: StepStop?, began: MonotonicInstant,
        in results: inout [StepResult], outcome: inout Outcome, failure: inout FailureInfo?
    ) {
        var result = StepResult(index: index, kind: step.kind, location: step.location, status: .passed, detail: detail)
        if let stop { recordStop(stop, step, &result, outcome: &outcome, failure: &failure) }
        result.durationMs = Milliseconds.round((MonotonicInstant.now - began).seconds * 1000)
        results.append(result)
    }

    /// Records what stopped a step.
    private func recordStop(
        _ stop: StepStop, _ step: Step, _ result: inout StepResult, outcome: inout Outcome, failure: inout FailureInfo?
    ) {
        switch stop {
        case .failed(let info):
            result.status = .failed
            result.detail = info.message
            outcome = .failed
            failure = info
        case .error(let message, let kind):
            result.status = .error
            result.detail = message
            outcome = .error
            failure = FailureInfo(
                message: message, location: step.location, stepKind: step.kind.rawValue,
                actual: latestReply?.text, errorKind: kind)
        }
    }

    // MARK: - Steps

    /// Performs one step; returns a short detail for the transcript, or throws why it stopped.
    ///
    /// Only a dispatcher: an async function's frame holds every local of every branch for as long
    /// as the step runs, so each step with locals of its own has a function of its own.
    mutating func execute(_ step: Step, index: Int) async throws(StepStop) -> String? {
        // Each handler takes its own part of the step: bound here, every kind's would have room in
        // this frame, which every conversation holds while its step runs.
        switch step.kind {
        case .send: return try await send(step)
        case .expect: return try await expect(step)
        case .expectNot: return try await expectNot(step)
        case .wait: return try await wait(step)
        case .set: return try set(step)
        case .end: return try await end(step)
        case .recommend: return try await recommend(step)
        case .simulate: return try await simulate(step)
        case .event: return try await event(step)
        case .tag: return try await tag(step)
        case .insights: return try await insights(step)
        case .expectTool: return try await checkTool(step)
        case .expectNoTool: return try await checkNoTool(step)
        case .expectState: return try await checkState(step)
        case .expectTools: return try await checkToolSequence(step)
        case .judge: return try await judgeStep(step, index: index)
        case .include: return nil
        }
    }

    @inline(never)
    private mutating func send(_ step: Step) async throws(StepStop) -> String? {
        guard case .send(let template) = step.action else { return nil }
        let text = try renderNonBlank(template, step, what: "the message")
        try await sendUserMessage(text, step: step)
        return nil
    }

    @inline(never)
    private mutating func expect(_ step: Step) async throws(StepStop) -> String? {
        guard case .expect(let expectation) = step.action else { return nil }
        let reply = try await currentReply(step)
        return try check(expectation, reply, step)
    }

    @inline(never)
    private mutating func expectNot(_ step: Step) async throws(StepStop) -> String? {
        guard case .expectNot(let expectation) = step.action else { return nil }
        let reply = try await currentReply(step)
        try check(not: expectation, reply, step)
        return nil
    }

    @inline(never)
    private func wait(_ step: Step) async throws(StepStop) -> String? {
        guard case .wait(let duration) = step.action else { return nil }
        var limit = duration
        if let flowDeadline { limit = min(limit, max(.zero, flowDeadline - .now)) }
        do { try await Task.sleep(for: limit) } catch {
            throw .error("cancelled", kind: ErrorKind.cancelled)
        }
        if limit < duration { throw flowTimeoutError() }
        return nil
    }

    private mutating func set(_ step: Step) throws(StepStop) -> String? {
        guard case .set(let assignments) = step.action else { return nil }
        for assignment in assignments {
            let value = try render(assignment.value, step)
            scope.locals[assignment.name] = value
            noteIfSecret(assignment.name, value)
        }
        return nil
    }

    @inline(never)
    private mutating func end(_ step: Step) async throws(StepStop) -> String? {
        if state.isEndedByAgent { return "the agent had already ended the conversation" }
        guard let conversation = state.flowEnds() else { return nil }
        try await call(step, kept: conversation.keepsCallDeadline) { () throws(ProviderError) in
            try await conversation.end()
        }
        return nil
    }

    @inline(never)
    private mutating func recommend(_ step: Step) async throws(StepStop) -> String? {
        guard case .recommend(let options) = step.action else { return nil }
        try await simulatedTurn(pick: options.pick, step: step)
        return nil
    }

    @inline(never)
    private mutating func event(_ step: Step) async throws(StepStop) -> String? {
        guard case .event(let template) = step.action else { return nil }
        let text = try renderNonBlank(template, step, what: "the event text")
        try await sendEvent(text, step: step)
        return nil
    }

    @inline(never)
    private mutating func tag(_ step: Step) async throws(StepStop) -> String? {
        guard case .tag(let change) = step.action else { return nil }
        // Every value is filled in and checked before anything is sent, the conversation's
        // opening included: a tag the provider must refuse is the flow's problem, not the agent's.
        let set = try renderTags(change, step)
        try await ensureStarted(step)
        let conversation = try requireConversation()
        let remove = change.remove
        let updates = set
        try await call(step) { () throws(ProviderError) in
            try await conversation.updateTags(set: updates, remove: remove)
        }
        for (key, value) in set { tags[key] = value }
        for key in change.remove { tags[key] = nil }
        return nil
    }

    @inline(never)
    private mutating func insights(_ step: Step) async throws(StepStop) -> String? {
        guard case .insights(let expectation) = step.action else { return nil }
        try await ensureStarted(step)
        let conversation = try requireConversation()
        let insights = try await call(step) { () throws(ProviderError) in try await conversation.insights() }.value
        try check(expectation, insights, step)
        return "state \(insights.stateName ?? "?")"
    }

    // The synchronous parts of steps, kept out of `execute`: an async function's locals live in its
    // task's memory for as long as the step's frame does, a synchronous function's on the thread's
    // stack. With a thousand conversations in flight, that is most of what a conversation holds.

    /// Checks a reply against an `expect` step; returns what was captured.
    @inline(never)
    private mutating func check(_ expectation: Expectation, _ reply: AgentReply, _ step: Step) throws(StepStop)
        -> String?
    {
        if let within = expectation.within, reply.latency > within {
            throw .failed(
                FailureInfo(
                    message:
                        "the reply took \(DurationText.format(reply.latency)); `within` allows "
                        + "\(DurationText.format(within))",
                    location: step.location, stepKind: step.kind.rawValue,
                    expected: "a reply within \(DurationText.format(within))",
                    actual: reply.text))
        }
        let candidates = try messages(expectation.message, of: reply, step, expected: expectation.matcher.summary)
        let shown = candidates.count == 1 ? candidates[0] : reply.text
        let which = expectation.message == .all ? "" : " (`message: \(expectation.message)`)"
        var matched: String?
        for candidate in candidates where try matches(expectation.matcher, candidate, step) {
            matched = candidate
            break
        }
        guard let text = matched else {
            throw .failed(
                FailureInfo(
                    message: "expected the agent's reply\(which) to match \(expectation.matcher.summary)",
                    location: step.location, stepKind: step.kind.rawValue, expected: expectation.matcher.summary,
                    actual: shown))
        }
        var captured: [String] = []
        for capture in expectation.captures {
            let regex = try compile(capture.pattern, step)
            let found: [String?]?
            do {
                found = try regex.firstMatch(in: text, deadline: patternDeadline(), pattern: capture.pattern)
            } catch {
                throw stop(for: error, text: text)
            }
            guard let groups = found else {
                throw .failed(
                    FailureInfo(
                        message:
                            "capture `\(capture.name)`: /\(capture.pattern.source.raw)/\(capture.pattern.flags) "
                            + "did not match the reply\(which)",
                        location: capture.location, stepKind: step.kind.rawValue,
                        expected: "/\(capture.pattern.source.raw)/\(capture.pattern.flags)", actual: text))
            }
            let value = (groups.count > 1 ? groups[1] : nil) ?? groups[0] ?? ""
            scope.locals[capture.name] = value
            noteIfSecret(capture.name, value)
            captured.append("\(capture.name)=\(value)")
        }
        return captured.isEmpty ? nil : "captured " + captured.joined(separator: ", ")
    }

    /// The messages of `reply` that `selector` chooses; none is a failure of the step (`expected`
    /// is worded only then: a matcher's summary took 760 instructions a turn).
    private func messages(
        _ selector: MessageSelector, of reply: AgentReply, _ step: Step, expected: @autoclosure () -> String
    ) throws(StepStop) -> [String] {
        let candidates = selector.texts(of: reply.messages)
        guard candidates.isEmpty else { return candidates }
        throw .failed(
            FailureInfo(
                message:
                    "the reply has \(reply.messages.count) message\(reply.messages.count == 1 ? "" : "s"), "
                    + "so `message: \(selector)` has nothing to match",
                location: step.location, stepKind: step.kind.rawValue, expected: expected(), actual: reply.text))
    }

    /// Checks a reply against an `expect_not` step: no selected message may match.
    @inline(never)
    private func check(not expectation: NegatedExpectation, _ reply: AgentReply, _ step: Step) throws(StepStop) {
        let matcher = expectation.matcher
        let candidates = try messages(expectation.message, of: reply, step, expected: "not \(matcher.summary)")
        let which = expectation.message == .all ? "" : " (`message: \(expectation.message)`)"
        for candidate in candidates where try matches(matcher, candidate, step) {
            throw .failed(
                FailureInfo(
                    message: "expected the agent's reply\(which) not to match \(matcher.summary)",
                    location: step.location, stepKind: step.kind.rawValue, expected: "not \(matcher.summary)",
                    actual: candidate))
        }
    }

    /// A `tag` step's values, filled in and checked before anything is sent.
    @inline(never)
    private func renderTags(_ change: TagChange, _ step: Step) throws(StepStop) -> [String: String] {
        var set: [String: String] = [:]
        for (key, template) in change.set {
            let value = try render(template, step)
            if let problem = ConversationTags.problem(withValue: value) {
                let filled = template.isConstant ? "" : " (`\(template.raw)` filled in)"
                throw .error("tag `\(key)`: \(problem)\(filled)", kind: ErrorKind.configuration)
            }
            set[key] = value
        }
        let keysAfter = Set(tags.keys).union(set.keys).subtracting(change.remove)
        if keysAfter.count > ConversationTags.maxTags {
            throw .error(
                "the conversation would hold \(keysAfter.count) tags; the limit is \(ConversationTags.maxTags)",
                kind: ErrorKind.configuration)
        }
        return set
    }

    /// Checks the agent's insights against an `insights` step.
    @inline(never)
    private func check(_ expectation: InsightsExpectation, _ insights: AgentInsights, _ step: Step)
        throws(StepStop)
    {
        let checks: [(String, Matcher?, String?)] = [
            ("state", expectation.state, insights.stateName),
            ("action", expectation.action, insights.action),
            ("objective", expectation.objective, insights.objective),
        ]
        for (field, matcher, value) in checks {
            guard let matcher else { continue }
            guard let value, try matches(matcher, value, step) else {
                throw .failed(
                    FailureInfo(
                        message: "expected the agent's \(field) to match \(matcher.summary)",
                        location: step.location, stepKind: step.kind.rawValue, expected: matcher.summary,
                        actual: value ?? "(no \(field) reported)"))
            }
        }
    }

    // MARK: - Conversation

    @inline(never)
    mutating func ensureStarted(_ step: Step) async throws(StepStop) {
        guard !state.isOpened else { return }
        try await open(.agentFirst, step: step)
    }

    /// Opens the conversation; the agent's first reply becomes the latest reply.
    @inline(never)
    private mutating func open(_ opening: ConversationOpening, step: Step) async throws(StepStop) {
        let conversation = try await makeConversation()
        state.opened(conversation)
        let reply = try await call(step) { () throws(ProviderError) in try await conversation.start(opening) }
        try record(reply.value)
    }

    /// The provider's conversation for this flow run. Out of line: its context (with the persona and
    /// scenario, about 180 bytes, in several copies) is then off the frame held while the opening
    /// reply is awaited, and with it off the task memory a conversation keeps to its end.
    @inline(never)
    private mutating func makeConversation() async throws(StepStop) -> any AgentConversation {
        let context = ConversationContext(
            flowName: flow.name, persona: request.persona, scenario: request.scenario,
            seed: random.next(), turnTimeout: flow.turnTimeout)
        do {
            return try await interpreter.provider.makeConversation(context)
        } catch {
            throw .error(error.message, kind: error.kind)
        }
    }

    @inline(never)
    private mutating func sendUserMessage(
        _ text: String, step: Step, simulated: (candidates: [String], source: String)? = nil
    ) async throws(StepStop) {
        try checkNotCompleted(step, action: "send a message")
        appendUserTurn(text, candidates: simulated?.candidates)
        if !state.isOpened {
            try await open(.userMessage(text), step: step)
            return
        }
        let conversation = try requireConversation()
        let reply = try await call(step, kept: conversation.keepsCallDeadline) { () throws(ProviderError) in
            try await conversation.send(text)
        }
        try record(reply.value)
    }

    /// The user's turn, simulated when it has the simulator's candidates (synchronous: see
    /// ``check(_:_:_:)``).
    @inline(never)
    private mutating func appendUserTurn(_ text: String, candidates: [String]?) {
        var turn = Turn(role: .user, text: text, at: Date())
        if let candidates {
            turn.simulated = true
            turn.candidates = candidates
        }
        turns.append(turn)
    }

    @inline(never)
    private mutating func sendEvent(_ text: String, step: Step) async throws(StepStop) {
        turns.append(Turn(role: .event, text: text, at: Date()))
        if !state.isOpened {
            try await open(.externalEvent(text), step: step)
            return
        }
        try checkNotCompleted(step, action: "send an event")
        let conversation = try requireConversation()
        let reply = try await call(step, kept: conversation.keepsCallDeadline) { () throws(ProviderError) in
            try await conversation.sendEvent(text)
        }
        try record(reply.value)
    }

    private func checkNotCompleted(_ step: Step, action: String) throws(StepStop) {
        if let who = state.closedReason {
            throw .failed(
                FailureInfo(
                    message: "cannot \(action): \(who)", location: step.location,
                    stepKind: step.kind.rawValue, actual: latestReply?.text))
        }
    }

    @inline(never)
    private mutating func record(_ reply: AgentReply) throws(StepStop) {
        // Providers stop reading at the limit; this catches any that cannot (the in-process agent).
        let limit = interpreter.provider.replyLimit
        if limit.isExceeded(by: reply) {
            throw .error(limit.exceededMessage, kind: ErrorKind.protocolViolation)
        }
        latestReplyBox = Boxed(reply)
        turns.append(Turn(reply: reply))
        if let spent = reply.usage { TokenUsage.add(spent, role: .agent, to: &usage) }
        if reply.conversationCompleted { state.agentEnded() }
    }

    @inline(never)
    mutating func currentReply(_ step: Step) async throws(StepStop) -> AgentReply {
        try await ensureStarted(step)
        guard let reply = latestReply else {
            throw .failed(
                FailureInfo(
                    message: "there is no agent reply to check", location: step.location, stepKind: step.kind.rawValue))
        }
        return reply
    }

    private func requireConversation() throws(StepStop) -> any AgentConversation {
        guard let conversation = state.conversation else {
            throw .error("the conversation is not open", kind: ErrorKind.protocolViolation)
        }
        return conversation
    }

    /// Ends the conversation on the provider after the steps, unless it is already over — within
    /// the end timeout and what is left of the flow's timeout, however the provider behaves.
    @inline(never)
    private mutating func endConversationIfOpen() async {
        guard let conversation = state.flowEnds() else { return }
        var budget = interpreter.endTimeout
        if let flowDeadline { budget = min(budget, flowDeadline - .now) }
        guard budget > .zero else {
            notes.append(
                "the conversation was not ended: the flow's timeout of \(DurationText.format(flow.timeout ?? .zero)) "
                    + "ran out")
            return
        }
        let deadline = MonotonicInstant.now + budget
        // A call abandoned at its deadline may still be creating the conversation: once it is
        // done, the conversation knows its id and can be ended.
        for late in lateOperations {
            _ = await Waiting.value(of: late, within: max(.zero, deadline - .now))
        }
        do {
            let limit = max(.milliseconds(1), deadline - .now)
            if conversation.keepsCallDeadline {
                _ = try await Deadline.kept(limit: limit) { () throws(ProviderError) in try await conversation.end() }
            } else {
                try await Deadline.run(limit: limit) { () throws(ProviderError) in try await conversation.end() }
            }
        } catch {
            switch error {
            case .timedOut, .cancelled:
                notes.append(
                    "ending the conversation failed: no answer within \(DurationText.format(budget))")
            case .provider(let error):
                notes.append("ending the conversation failed: \(error)")
            }
        }
    }

    // MARK: - Simulation

    @inline(never)
    private mutating func simulatedTurn(pick: PickStrategy, step: Step) async throws(StepStop) {
        try await ensureStarted(step)
        guard let simulator = interpreter.simulator else {
            throw .error("no simulator is configured for this flow", kind: ErrorKind.configuration)
        }
        var simulation = SimulationRequest(
            runID: self.request.id,
            context: SimulationContext.text(persona: self.request.persona, scenario: self.request.scenario),
            persona: self.request.persona, scenario: self.request.scenario, history: turns,
            conversation: try requireConversation(), scope: scope)
        simulation.flowReplies = flow.replies
        simulation.turnTimeout = flow.turnTimeout
        let request = simulation
        let answer = try await call(step) { () throws(ProviderError) in try await simulator.answer(request) }.value
        if let spent = answer.usage { TokenUsage.add(spent, role: .simulator, to: &usage) }
        // A blank candidate is no message: sending it would only earn the provider's refusal.
        let offered = answer.candidates
        let candidates = offered.filter { !$0.isBlank }
        guard !candidates.isEmpty else {
            throw .error(
                "the `\(simulator.name)` simulator offered no candidate replies"
                    + (offered.isEmpty ? "" : " (only \(offered.count) blank one\(offered.count == 1 ? "" : "s"))"),
                kind: ErrorKind.protocolViolation)
        }
        let chosen: String
        switch pick {
        case .first: chosen = candidates[0]
        case .random: chosen = candidates[Int(random.next() % UInt64(candidates.count))]
        case .index(let i):
            guard i < candidates.count else {
                throw .error(
                    "`pick: \(i)` asks for candidate \(i), but the simulator offered \(candidates.count)",
                    kind: ErrorKind.protocolViolation)
            }
            chosen = candidates[i]
        }
        try await sendUserMessage(chosen, step: step, simulated: (candidates, simulator.name))
    }

    @inline(never)
    private mutating func simulate(_ step: Step) async throws(StepStop) -> String? {
        guard case .simulate(let options) = step.action else { return nil }
        try await ensureStarted(step)
        func goalReached(_ execution: FlowExecution) throws(StepStop) -> Bool {
            guard let until = options.until, let reply = execution.latestReply else { return false }
            return try execution.matches(until, reply.text, step)
        }
        if try goalReached(self) { return "goal already reached" }
        for turn in 1...options.maxTurns {
            if state.isEndedByAgent { break }
            if interpreter.stop?.isRequested == true {
                throw .error("stopped before the simulation finished", kind: ErrorKind.cancelled)
            }
            try await simulatedTurn(pick: options.pick, step: step)
            if try goalReached(self) { return "goal reached after \(turn) simulated turn\(turn == 1 ? "" : "s")" }
        }
        if state.isEndedByAgent {
            if options.until == nil { return "the agent ended the conversation" }
            throw .failed(
                FailureInfo(
                    message: "the agent ended the conversation before a reply matched \(options.until?.summary ?? "")",
                    location: step.location, stepKind: step.kind.rawValue, expected: options.until?.summary,
                    actual: latestReply?.text))
        }
        if options.passOnMax { return "ran \(options.maxTurns) simulated turns (on_max: pass)" }
        throw .failed(
            FailureInfo(
                message:
                    "no agent reply matched \(options.until?.summary ?? "the goal") within \(options.maxTurns) "
                    + "simulated turns",
                location: step.location, stepKind: step.kind.rawValue, expected: options.until?.summary,
                actual: latestReply?.text))
    }

    // MARK: - Helpers

    /// `template` filled in; an empty or blank result stops the step before anything is sent, since
    /// no provider accepts a blank message (Amigo answers 422).
    private func renderNonBlank(_ template: Template, _ step: Step, what: String) throws(StepStop) -> String {
        let text = try render(template, step)
        guard text.isBlank else { return text }
        let names = template.references.map { $0.0.description }
        let filled = names.isEmpty ? "" : " (`\(template.raw)`, with \(names.joined(separator: ", ")))"
        throw .error(
            "\(what) is \(text.isEmpty ? "empty" : "blank") once its variables are filled in\(filled); "
                + "no provider accepts a blank message, so it was not sent",
            kind: ErrorKind.configuration)
    }

    private func render(_ template: Template, _ step: Step) throws(StepStop) -> String {
        do {
            return try template.render(scope)
        } catch {
            throw .error("\(error.reference) has no value", kind: ErrorKind.configuration)
        }
    }

    func matches(_ matcher: Matcher, _ text: String, _ step: Step) throws(StepStop) -> Bool {
        do {
            return try matcher.matches(text, scope: scope, deadline: patternDeadline())
        } catch {
            throw stop(for: error, text: text)
        }
    }

    private func compile(_ pattern: RegexPattern, _ step: Step) throws(StepStop) -> CompiledRegex {
        do {
            return try pattern.compile(scope)
        } catch {
            throw stop(for: error, text: "")
        }
    }

    /// When the pattern being matched must give up: its budget, or the flow's timeout if sooner.
    func patternDeadline() -> ContinuousClock.Instant {
        let now = ContinuousClock.now
        guard let flowDeadline else { return now + interpreter.patternBudget }
        return now + min(interpreter.patternBudget, flowDeadline - .now)
    }

    func stop(for error: MatchError, text: String) -> StepStop {
        switch error {
        case .unknownVariable(let e): return .error("\(e.reference) has no value", kind: ErrorKind.configuration)
        case .invalidRegex(let message, _): return .error(message, kind: ErrorKind.configuration)
        case .overBudget(let pattern, let location):
            if let flowDeadline, MonotonicInstant.now >= flowDeadline { return flowTimeoutError() }
            return .error(
                "the pattern \(pattern) (\(location)) did not finish matching a reply of \(text.count) characters "
                    + "within \(DurationText.format(interpreter.patternBudget)); nested quantifiers such as "
                    + "(a+)+ can take exponential time, so simplify the pattern",
                kind: ErrorKind.pattern)
        }
    }

    /// Values captured or set into a variable named like a credential are secrets from now on.
    private func noteIfSecret(_ name: String, _ value: String) {
        if ConfigValues.isSecretName(name) { interpreter.secrets.add(value) }
    }

    /// Runs a provider call within the turn timeout and what is left of the flow's timeout; `kept`:
    /// the call keeps that deadline itself (``AgentConversation/keepsCallDeadline``).
    @discardableResult
    private mutating func call<T: Sendable>(
        _ step: Step, kept: Bool = false,
        _ operation: nonisolated(nonsending) @escaping @Sendable () async throws(ProviderError) -> T
    ) async throws(StepStop) -> Boxed<T> {
        var limit = flow.turnTimeout
        var flowLimited = false
        if let flowDeadline {
            let remaining = flowDeadline - .now
            if remaining <= .zero { throw flowTimeoutError() }
            if remaining < limit {
                limit = remaining
                flowLimited = true
            }
        }
        do {
            if kept { return try await Deadline.kept(limit: limit, operation) }
            return try await Deadline.boxed(limit: limit, operation)
        } catch {
            switch error {
            case .cancelled(let late):
                if let late { lateOperations.append(late) }
                throw .error("cancelled", kind: ErrorKind.cancelled)
            case .timedOut(let late, let said):
                if let late { lateOperations.append(late) }
                if flowLimited { throw flowTimeoutError() }
                if let said { throw .error(said.message, kind: said.kind) }
                throw .error(
                    "no complete reply from the agent within the turn timeout of "
                        + "\(DurationText.format(flow.turnTimeout))",
                    kind: ErrorKind.timeout)
            case .provider(let error):
                if error.kind == .timeout, flowLimited, let flowDeadline, MonotonicInstant.now >= flowDeadline {
                    throw flowTimeoutError()
                }
                throw .error(error.message, kind: error.kind)
            }
        }
    }

    func flowTimeoutError() -> StepStop {
        .error(
            "the flow's timeout of \(DurationText.format(flow.timeout ?? .zero)) ran out",
            kind: ErrorKind.timeout)
    }
}
