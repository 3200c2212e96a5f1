/// A value behind a reference.
///
/// An async function keeps, in its frame, room for every value it holds across an `await`: the
/// result a callee will return, the answer passed back from a task. On the paths a thousand
/// conversations wait in at once, a boxed value takes one word there instead of its whole size (an
/// agent's reply is about 120 bytes, a flow run's result about 400).
final class Boxed<Value: Sendable>: Sendable {
    let value: Value

    init(_ value: Value) {
        self.value = value
    }
}
