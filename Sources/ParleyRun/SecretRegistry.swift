import Foundation
import ParleyFlow
import Synchronization

/// The secrets of one run: those known before it starts (credentials, values from the environment)
/// and those learned while it runs (a token a login returned, an id token, a session token).
///
/// Providers add what they obtain the moment they obtain it; everything Parley writes — results,
/// transcripts, reports, the console — is redacted with what the registry holds at that moment.
public final class SecretRegistry: Sendable {
    /// Shorter values are not treated as secrets: they would blank out ordinary words and numbers.
    public static let minimumLength = 4

    private struct State {
        var secrets: Set<String>
        var redactor: SecretRedactor
        /// Secrets added since ``redactor`` was last brought up to date: many tokens arriving at
        /// once (a sign-in per user) cost one rebuild of its tables, not one each.
        var pending: Set<String> = []
    }

    private let state: Mutex<State>

    /// A registry holding `secrets` (values shorter than ``minimumLength`` are left out).
    public init(_ secrets: Set<String> = []) {
        let kept = secrets.filter { $0.count >= Self.minimumLength }
        state = Mutex(State(secrets: kept, redactor: SecretRedactor(secrets: kept)))
    }

    /// Marks `value` as a secret for the rest of the run.
    public func add(_ value: String) {
        add([value])
    }

    /// Marks every value as a secret for the rest of the run.
    public func add(_ values: some Sequence<String>) {
        let new = Set(values.filter { $0.count >= Self.minimumLength })
        guard !new.isEmpty else { return }
        state.withLock { state in
            // Looked up one by one: `subtracting` walks the whole registry, a token per user long.
            let unknown = new.filter { !state.secrets.contains($0) }
            guard !unknown.isEmpty else { return }
            state.secrets.formUnion(unknown)
            state.pending.formUnion(unknown)
        }
    }

    /// Marks a Basic credential as secret: the password, and `user:password` (so its base64 form,
    /// as sent in `Authorization: Basic …`, is redacted whole).
    public func addBasicCredential(user: String, password: String) {
        add([password, "\(user):\(password)"])
    }

    /// The secrets known now.
    public var secrets: Set<String> { state.withLock { $0.secrets } }

    /// A redactor for the secrets known now.
    public var redactor: SecretRedactor {
        state.withLock { state in
            if !state.pending.isEmpty {
                state.redactor = state.redactor.adding(SecretRedactor(secrets: state.pending))
                state.pending = []
            }
            return state.redactor
        }
    }

    public func redact(_ text: String) -> String { redactor.redact(text) }
    public func redact(_ bytes: [UInt8]) -> [UInt8] { redactor.redact(bytes) }
}
