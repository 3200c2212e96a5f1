import Foundation
import ParleyFlow
import ParleyHTTP
import ParleyJSON
import ParleyRun
import ParleyWebhooks

extension HTTPConversation {
    /// Performs `start`, `send` or `end`: its request, its `extract:`, and its reply when it has one.
    ///
    /// `start` and `send` are not idempotent (they are resent only when refused outright); `end`
    /// is, and so is every poll.
    func perform(
        _ operation: HTTPTargetSettings.Operation, extra: [String: String], sentAt: Date,
        started: ContinuousClock.Instant, doing what: String
    ) async throws(ProviderError) -> AgentReply? {
        if case .stream(let spec)? = operation.reply {
            return try await streamed(operation, spec, extra: extra, sentAt: sentAt, started: started, doing: what)
        }
        let isEnd = operation.name == "end"
        let (request, response) = try await exchange(
            operation.request, what: "\(operation.name).request", extra: extra, idempotent: isEnd,
            timeout: isEnd ? .seconds(30) : turnRequestTimeout)
        guard (200..<300).contains(response.status) else {
            throw await refusal(response.status, body: response.body, request: request, doing: what)
        }
        var body: JSONValue?
        if !operation.extract.isEmpty {
            // An answer read only for its headers (a 201 with a Location) may have any body, or none.
            if operation.extract.contains(where: \.readsBody) {
                body = try await json(
                    response.body, status: response.status, request: request, for: "\(operation.name).extract")
            }
            try await applyExtractions(
                operation.extract, operation: operation.name, from: body, headers: response.headers,
                body: response.body, status: response.status, request: request)
        }
        switch operation.reply {
        case nil, .stream?:
            return nil
        case .webhook(let spec)?:
            return try await delivered(spec, operation: operation.name, extra: extra, sentAt: sentAt, started: started)
        case .json(let spec)?:
            let json: JSONValue
            if let body {
                json = body
            } else {
                json = try await self.json(
                    response.body, status: response.status, request: request, for: "\(operation.name).reply.json")
            }
            let texts = spec.text.texts(in: json)
            if settings.replyLimit.isExceeded(byCount: texts.reduce(0) { $0 + $1.utf8.count }) {
                throw settings.replyLimit.exceeded
            }
            guard !texts.isEmpty else {
                throw await nothingFound(
                    "`\(operation.name).reply.json.text`", spec.text, shown: excerpt().text(response.body),
                    status: response.status, request: request)
            }
            var signals = ReplySignalState(spec.signals)
            let scope = try await currentScope(extra: extra)
            do {
                try signals.observe(json, text: nil, scope: scope)
            } catch {
                throw unknownVariable(error, in: "\(operation.name).reply.json")
            }
            return AgentReply(
                messages: texts, sentAt: sentAt, timeToFirstChunk: response.timing.firstByte,
                latency: clock.now - started,
                events: signals.events, actions: signals.actions, conversationCompleted: signals.completed)
        case .poll(let spec)?:
            return try await polled(spec, operation: operation.name, extra: extra, sentAt: sentAt, started: started)
        }
    }

    /// The scope of conditions: the conversation's variables, the login's, and `extra`.
    func currentScope(extra: [String: String]) async throws(ProviderError) -> VariableScope {
        let login = try await provider.login?.variables()
        return scope(login: login?.variables ?? [:], extra: extra)
    }

    // MARK: - Streams

    /// Reads a streamed answer (NDJSON or server-sent events) until `done`, or its end.
    private func streamed(
        _ operation: HTTPTargetSettings.Operation, _ spec: StreamReply, extra: [String: String], sentAt: Date,
        started: ContinuousClock.Instant, doing what: String
    ) async throws(ProviderError) -> AgentReply {
        let (request, response) = try await openStream(
            operation.request, what: "\(operation.name).request", extra: extra,
            timeout: turnRequestTimeout)
        guard (200..<300).contains(response.status) else {
            let body = (try? await response.collectBody()) ?? []
            throw await refusal(response.status, body: body, request: request, doing: what)
        }
        let scope = try await currentScope(extra: extra)
        var collector = StreamReplyCollector(spec: spec, extract: operation.extract, limit: settings.replyLimit)
        do {
            for try await line in response.lines {
                if try collector.consume(line, at: clock.now, scope: scope) { break }
            }
        } catch let problem as StreamReplyCollector.Problem {
            switch problem {
            case .notJSON(let text):
                throw ProviderError(
                    .protocolViolation,
                    "\(name): the stream from \(request.summary) carried an event that is not JSON: "
                        + excerpt().text(text))
            case .unknownVariable(let error):
                throw unknownVariable(error, in: "\(operation.name).reply.stream")
            case .tooLarge:
                throw settings.replyLimit.exceeded
            }
        } catch let error as HTTPError {
            // Everything needed may have arrived before the server closed untidily.
            if !collector.done { throw http.providerError(error) }
        } catch {
            throw ProviderError(.protocolViolation, "\(name): \(error)")
        }
        let shown = excerpt().text(collector.received.isEmpty ? "(empty stream)" : collector.received)
        if let done = spec.done, !collector.done {
            throw ProviderError(
                .connectionDropped,
                "\(name): the stream from \(request.summary) ended before `done` (\(done.summary)) held: \(shown)",
                status: response.status)
        }
        for extraction in operation.extract {
            guard
                let value = extraction.value(in: nil, headers: response.headers) ?? collector.extracted[extraction.name]
            else {
                throw await nothingFound(
                    "`\(operation.name).extract.\(extraction.name)`", extraction, shown: shown, status: response.status,
                    request: request)
            }
            setVariable(extraction.name, to: value)
            provider.noteExtracted(extraction.name, value)
        }
        guard collector.sawText else {
            throw await nothingFound(
                "`\(operation.name).reply.stream.text`", spec.text, shown: shown, status: response.status,
                request: request)
        }
        return AgentReply(
            messages: collector.messages.isEmpty ? [""] : collector.messages, sentAt: sentAt,
            timeToFirstChunk: collector.firstPiece.map { $0 - started },
            latency: clock.now - started, events: collector.events, actions: collector.actions,
            conversationCompleted: collector.completed)
    }

    // MARK: - Polling

    /// How long polling or waiting for a webhook goes on: the turn timeout less a tenth of it, at
    /// most a second, so that the error saying what the last answer was is ready before the turn's
    /// own deadline, which would only say that time ran out, even on a busy machine.
    var waitingBudget: Duration { context.turnTimeout - min(context.turnTimeout / 10, .seconds(1)) }

    /// Polls until a message satisfies `until`, backing off while nothing new arrives, within the turn timeout.
    ///
    /// Polling stops a little before the turn timeout — a poll still in flight then is abandoned —
    /// so that the error can say what the last poll answered rather than only that time ran out.
    private func polled(
        _ spec: PollReply, operation: String, extra: [String: String], sentAt: Date,
        started: ContinuousClock.Instant
    ) async throws(ProviderError) -> AgentReply {
        let budget = waitingBudget
        let deadline = started + budget
        var collector = PollReplyCollector(spec: spec.reading)
        var delay = spec.every
        var polls = 0
        var last: (request: RenderedRequest, response: HTTPResponse)?
        /// The error once the budget is spent, naming the condition and the last answer; noted as it
        /// changes, for the turn's deadline to give should it come first.
        func outOfTime() -> ProviderError {
            pollingTimedOut(spec, started: started, polls: polls, seen: collector.seen, last: last)
        }
        func note() {
            TimeoutReport.note { [self, polls, seen = collector.seen, last] in
                pollingTimedOut(spec, started: started, polls: polls, seen: seen, last: last)
            }
        }
        note()
        while true {
            let remaining = deadline - clock.now
            guard remaining > .zero else { throw outOfTime() }
            let answer: (RenderedRequest, HTTPResponse)
            do {
                answer = try await exchange(
                    spec.request, what: "\(operation).reply.poll.request", extra: extra, idempotent: true,
                    timeout: remaining)
            } catch  where (error.kind == .timeout || error.kind == .cancelled) && clock.now >= deadline {
                // Out of budget, or the turn's deadline (on a busy machine, barely later) cancelled the poll.
                throw outOfTime()
            }
            let (request, response) = answer
            polls += 1
            last = (request, response)
            guard (200..<300).contains(response.status) else {
                throw await refusal(
                    response.status, body: response.body, request: request, doing: "polling for the agent's reply")
            }
            let json = try await json(
                response.body, status: response.status, request: request, for: "\(operation).reply.poll.messages")
            for extraction in spec.extract {
                if let value = extraction.value(in: json, headers: response.headers) {
                    setVariable(extraction.name, to: value)
                    provider.noteExtracted(extraction.name, value)
                }
            }
            let kept: Int
            let scope = try await currentScope(extra: extra)
            do {
                kept = try collector.consume(collector.messages(in: json), at: clock.now, scope: scope)
            } catch {
                throw unknownVariable(error, in: "\(operation).reply.poll")
            }
            note()
            if settings.replyLimit.isExceeded(byCount: collector.textBytes) { throw settings.replyLimit.exceeded }
            if collector.finished { break }
            delay = kept > 0 ? spec.every : min(delay * 2, spec.maxEvery)
            if clock.now + delay > deadline { throw outOfTime() }
            do {
                try await Task.sleep(for: delay)
            } catch {
                if clock.now >= deadline { throw outOfTime() }
                throw ProviderError(.cancelled, "cancelled")
            }
        }
        TimeoutReport.clear()
        if collector.messages.isEmpty, !collector.completed, let last {
            throw await nothingFound(
                "`\(operation).reply.poll.text`", spec.reading.text,
                shown: "no text in any of the \(collector.seen) messages; the last poll answered "
                    + (excerpt().text(last.response.body)),
                status: last.response.status, request: last.request)
        }
        return AgentReply(
            messages: collector.messages, sentAt: sentAt, timeToFirstChunk: collector.firstText.map { $0 - started },
            latency: clock.now - started, events: collector.events, actions: collector.actions,
            conversationCompleted: collector.completed)
    }

    /// Polling's time-out: the condition that no message satisfied, and what the last poll answered.
    private func pollingTimedOut(
        _ spec: PollReply, started: ContinuousClock.Instant, polls: Int, seen: Int,
        last: (request: RenderedRequest, response: HTTPResponse)?
    ) -> ProviderError {
        var message =
            "\(name): no polled message satisfied `until` (\(spec.reading.until.summary)) within "
            + "\(DurationText.format(clock.now - started)) (turn timeout "
            + "\(DurationText.format(context.turnTimeout))); "
            + "\(polls) poll\(polls == 1 ? "" : "s"), \(seen) message\(seen == 1 ? "" : "s") seen; "
        if let last {
            message +=
                "the last poll, \(last.request.summary), answered (\(last.response.status)): "
                + "\(excerpt().text(last.response.body))"
        } else {
            message += "no poll was answered in time"
        }
        return ProviderError(.timeout, message)
    }
}

extension HTTPConversation {
    // MARK: - Webhook deliveries

    /// Reads what the agent POSTs to this conversation's URL until a message satisfies `until`,
    /// within the turn timeout. Deliveries that came before the request are read first; messages
    /// with an id already read are skipped; messages after the one that completes the reply, in the
    /// same delivery, are left alone.
    func delivered(
        _ spec: WebhookReply, operation: String, extra: [String: String], sentAt: Date,
        started: ContinuousClock.Instant
    ) async throws(ProviderError) -> AgentReply {
        guard let mailbox else {
            throw ProviderError(.configuration, "\(name): `\(operation).reply.webhook` has no receiver")
        }
        let budget = waitingBudget
        let deadline = started + budget
        var collector = PollReplyCollector(spec: spec.reading)
        var deliveries = 0
        var lastBody: JSONValue?
        while !collector.finished {
            for body in mailbox.take() {
                deliveries += 1
                lastBody = body
                var messages: [JSONValue] = []
                for message in collector.messages(in: body) {
                    if let id = spec.id?.value(in: message), !firstDelivery(of: id) { continue }
                    messages.append(message)
                }
                let scope = try await currentScope(extra: extra)
                do {
                    _ = try collector.consume(messages, at: clock.now, scope: scope)
                } catch {
                    throw unknownVariable(error, in: "\(operation).reply.webhook")
                }
                if settings.replyLimit.isExceeded(byCount: collector.textBytes) { throw settings.replyLimit.exceeded }
                if collector.finished { break }
            }
            if collector.finished { break }
            if Task.isCancelled { throw ProviderError(.cancelled, "cancelled") }
            if clock.now >= deadline {
                throw deliveryTimedOut(
                    spec, started: started, mailbox: mailbox, deliveries: deliveries, last: lastBody)
            }
            // Noted for the turn's deadline to give, should it come first.
            TimeoutReport.note { [self, deliveries, lastBody] in
                deliveryTimedOut(spec, started: started, mailbox: mailbox, deliveries: deliveries, last: lastBody)
            }
            _ = await mailbox.wait(until: deadline)
        }
        TimeoutReport.clear()
        if collector.messages.isEmpty, !collector.completed {
            throw ProviderError(
                .protocolViolation,
                "\(name): `\(operation).reply.webhook.text` (\(spec.reading.text.summary)) found no text in the "
                    + "\(collector.seen) delivered messages; the last delivery: "
                    + (excerpt().text(lastBody?.bytes ?? [])))
        }
        var events = collector.events
        if let refused = mailbox.refusalsToReport() {
            events.insert(
                ProviderEvent(
                    kind: "webhook-refused",
                    detail: "the webhook receiver refused \(refused) deliver\(refused == 1 ? "y" : "ies") for this "
                        + "conversation: missing or wrong secret"), at: 0)
        }
        return AgentReply(
            messages: collector.messages, sentAt: sentAt, timeToFirstChunk: collector.firstText.map { $0 - started },
            latency: clock.now - started, events: events, actions: collector.actions,
            conversationCompleted: collector.completed)
    }

    /// Waiting for a webhook's time-out: the condition that no message satisfied, the last delivery,
    /// and deliveries refused for their secret.
    private func deliveryTimedOut(
        _ spec: WebhookReply, started: ContinuousClock.Instant, mailbox: WebhookMailbox, deliveries: Int,
        last: JSONValue?
    ) -> ProviderError {
        var message =
            "\(name): no delivered message satisfied `until` (\(spec.reading.until.summary)) within "
            + "\(DurationText.format(clock.now - started)) (turn timeout "
            + "\(DurationText.format(context.turnTimeout))); \(deliveries) deliver"
            + "\(deliveries == 1 ? "y" : "ies") read"
        if let last { message += ", the last: \(excerpt().text(last.bytes))" }
        let refused = mailbox.counts.refusals
        if refused > 0 {
            message += "; \(refused) deliveries were refused for a missing or wrong secret"
        }
        return ProviderError(.timeout, message)
    }
}
