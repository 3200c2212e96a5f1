import ParleyWebhooks
import Testing

@Suite struct WebhookSecretTests {
    @Test func aSecretMatchesOnlyItself() {
        let secret = WebhookSecret.random()
        #expect(WebhookSecret.matches(secret, secret))
        #expect(!WebhookSecret.matches(nil, secret), "a missing header never matches")
        #expect(!WebhookSecret.matches("", secret))
        #expect(!WebhookSecret.matches(String(secret.dropLast()), secret), "a prefix is not the secret")
        #expect(!WebhookSecret.matches(secret + "0", secret), "nor is a longer value")
        var changed = Array(secret)
        changed[63] = changed[63] == "a" ? "b" : "a"
        #expect(!WebhookSecret.matches(String(changed), secret), "one byte off, at the very end")
    }

    @Test func secretsAreSixtyFourHexDigitsAndFresh() {
        let secrets = (0..<50).map { _ in WebhookSecret.random() }
        #expect(Set(secrets).count == 50)
        for secret in secrets {
            #expect(secret.count == 64)
            #expect(secret.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
    }
}

@Suite struct WebhookDirectoryTests {
    @Test func aPendingMailboxIsBoundByTheFirstDeliveryCarryingItsSecret() {
        let directory = WebhookDirectory()
        let first = directory.open(secret: "secret-one")
        let second = directory.open(secret: "secret-two")
        guard case .accepted(let mailbox) = directory.decide(key: "session-2", secret: "secret-two") else {
            Issue.record("the second conversation's secret was not recognised")
            return
        }
        #expect(mailbox === second)
        // From now on the session belongs to the second conversation, whatever secret comes.
        guard case .refused(let refused) = directory.decide(key: "session-2", secret: "secret-one") else {
            Issue.record("another conversation's secret was accepted for a bound session")
            return
        }
        #expect(refused === second)
        guard case .unknown = directory.decide(key: "session-9", secret: "nobody's") else {
            Issue.record("a delivery with no known secret was routed")
            return
        }
        directory.bind(first, to: "session-1")
        guard case .accepted(let bound) = directory.decide(key: "session-1", secret: "secret-one") else {
            Issue.record("a bound session refused its own secret")
            return
        }
        #expect(bound === first)
    }

    @Test func aClosedMailboxStillRecognisesItsDeliveriesButKeepsNothing() {
        let directory = WebhookDirectory()
        let mailbox = directory.open(secret: "s3cret-value")
        directory.bind(mailbox, to: "abc")
        #expect(mailbox.deliver([(.string("one"), "m1")]) == .init(kept: 1, duplicates: 0, afterClose: 0))
        #expect(mailbox.deliver([(.string("one again"), "m1")]) == .init(kept: 0, duplicates: 1, afterClose: 0))
        directory.close(mailbox)
        guard case .accepted(let late) = directory.decide(key: "abc", secret: "s3cret-value") else {
            Issue.record("a late delivery for a closed conversation was not recognised")
            return
        }
        #expect(late.deliver([(.string("late"), "m2")]) == .init(kept: 0, duplicates: 0, afterClose: 1))
        #expect(mailbox.take().isEmpty)
    }
}

@Suite struct WebhookMailboxTests {
    @Test func aWaitEndsWhenSomethingIsDelivered() async {
        let mailbox = WebhookMailbox(secret: nil)
        async let woken = mailbox.wait(until: .now + .seconds(20))
        try? await Task.sleep(for: .milliseconds(20))
        mailbox.deliver([(.string("hello"), nil)])
        #expect(await woken)
        #expect(mailbox.take() == [.string("hello")])
    }

    @Test func aWaitEndsAtItsDeadlineWithNothing() async {
        let mailbox = WebhookMailbox(secret: nil)
        let began = ContinuousClock.now
        #expect(await mailbox.wait(until: .now + .milliseconds(50)) == false)
        #expect(ContinuousClock.now - began >= .milliseconds(50))
    }

    @Test func aCancelledWaitEnds() async {
        let mailbox = WebhookMailbox(secret: nil)
        let task = Task { await mailbox.wait(until: .now + .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(20))
        task.cancel()
        #expect(await task.value == false)
    }

    @Test func refusalsAreReportedOnce() {
        let mailbox = WebhookMailbox(secret: "x")
        #expect(mailbox.refusalsToReport() == nil)
        mailbox.noteRefusal()
        mailbox.noteRefusal()
        #expect(mailbox.refusalsToReport() == 2)
        mailbox.noteRefusal()
        #expect(mailbox.refusalsToReport() == nil)
        #expect(mailbox.counts.refusals == 3)
    }
}
