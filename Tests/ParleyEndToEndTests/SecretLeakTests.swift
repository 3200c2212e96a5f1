import Foundation
import Testing
import ParleyResults

/// Secrets planted everywhere a run can pick one up — a credential from the environment, a token a
/// login extracts, a value extracted into a variable named like a credential, an environment
/// variable a flow sends — each holding the characters encodings change (`"`, `\`, `&`, `<`, `>`,
/// `'`, a newline, a tab, non-ASCII). A failing and an erroring flow run through the binary against
/// a sandbox, the agent repeating every secret and the requests carrying them in their paths, once
/// with `--verbose` and once `--compact`; then `report`, `diff`, `merge`, `show` and `history` read
/// the runs. Every byte Parley wrote or printed — the history database included — is scanned for
/// every secret in every form: raw, JSON-, HTML- and XML-escaped, percent-encoded, base64.
@Suite struct SecretLeakTests {
    /// Each secret carries a marker word, so even a fragment of one is noticed.
    struct Planted: Sendable {
        var name: String
        var marker: String
        var value: String { "q\"\\&<\(marker)>'\n\tü✓-\(marker.lowercased())" }
    }

    static let configCredential = Planted(name: "PLANTED_CFG", marker: "CFGMARK")
    static let loginToken = Planted(name: "login", marker: "LOGINMARK")
    static let extracted = Planted(name: "extracted", marker: "EXTRACTMARK")
    static let flowEnvironment = Planted(name: "PLANTED_FLOW", marker: "FLOWMARK")
    static let all = [configCredential, loginToken, extracted, flowEnvironment]
    /// A value the flow lists under `public_env:`: it must show.
    static let publicValue = "ORD-PUBLIC-4711"

    /// `value` as a YAML double-quoted scalar.
    static func yamlQuoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func configuration(baseURL: String) -> String {
        let key = "ah_live_parleysandbox00000000000000"
        func target(_ name: String, sendPath: String) -> String {
            """
              \(name):
                provider: http
                base_url: \(baseURL)/api/v1
                headers: { x-api-key: \(key) }
                variables:
                  note: \(yamlQuoted(loginToken.value))
                  other: \(yamlQuoted(extracted.value))
                  api_token: "${env.\(configCredential.name)}"
                login:
                  request:
                    method: POST
                    path: /sessions
                    json: { agent_id: 123, session_type: agent_chat, metadata: { note: "${note}" } }
                  extract: { token: $.session.metadata.note }
                start:
                  request:
                    method: POST
                    path: /sessions
                    json: { agent_id: 123, session_type: agent_chat, metadata: { other: "${other}" } }
                  extract: { conversation_id: $.session.session_id, session_token: $.session.metadata.other }
                send:
                  request:
                    method: PUT
                    path: \(sendPath)
                    json: { transcript: "${message} | ${api_token} | ${token} | ${session_token}" }
                  reply: { json: { text: $.session.transcript } }
            """
        }
        return "targets:\n"
            + target("leaky", sendPath: "\"/sessions/${conversation_id}/end\"") + "\n"
            + target("broken", sendPath: "\"/sessions/${conversation_id}/nowhere/${token}/${session_token}\"") + "\n"
    }

    static let failingFlow = """
        flow: leak-fail
        target: leaky
        public_env: [PUBLIC_ORDER]
        steps:
          - send: "order ${env.PUBLIC_ORDER}, code ${env.PLANTED_FLOW}"
          - expect: /this never matches/
        """

    static let erroringFlow = """
        flow: leak-error
        target: broken
        steps:
          - send: "code ${env.PLANTED_FLOW}"
          - expect: /anything/
        """

    @Test func noSecretLeavesInAnyFormThroughAnyOutput() async throws {
        let sandbox = try await SandboxProcess.start()
        defer { sandbox.stop() }
        let dir = try ParleyBinary.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/flows", withIntermediateDirectories: true)
        try Self.configuration(baseURL: sandbox.baseURL)
            .write(toFile: dir + "/parley.yaml", atomically: true, encoding: .utf8)
        try Self.failingFlow.write(toFile: dir + "/flows/fail.yaml", atomically: true, encoding: .utf8)
        try Self.erroringFlow.write(toFile: dir + "/flows/error.yaml", atomically: true, encoding: .utf8)
        let environment = [
            Self.configCredential.name: Self.configCredential.value,
            Self.flowEnvironment.name: Self.flowEnvironment.value,
            "PUBLIC_ORDER": Self.publicValue,
        ]

        var printed: [(String, String)] = []
        func parley(_ arguments: [String]) async throws -> ParleyBinary.Output {
            let output = try await ParleyBinary.run(arguments, in: dir, environment: environment)
            printed.append(("parley \(arguments.joined(separator: " "))", output.all))
            return output
        }
        let run = try await parley([
            "run", "flows", "--out", "run", "-v", "--junit", "out/junit.xml", "--html", "out/run.html",
        ])
        #expect(run.status == 1, "\(run.all)")
        let records = try RunWriter.readRecords(directory: dir + "/run")
        #expect(Set(records.map { "\($0.flow):\($0.outcome)" }) == ["leak-fail:failed", "leak-error:error"])
        #expect(try await parley(["report", "run", "--out", "out/report.html"]).status == 0)
        #expect(try await parley(["diff", "run", "run", "--json"]).status == 0)
        #expect(try await parley(["diff", "run", "run", "--all"]).status == 0)
        let merged = try await parley([
            "merge", "run", "--out", "merged", "--junit", "out/m.xml", "--html", "out/m.html",
        ])
        #expect(merged.status == 0, "\(merged.all)")
        // The console's other ways of showing a run: compact lines off a terminal, and `parley show`.
        let compact = try await parley(["run", "flows", "--out", "compact", "--compact"])
        #expect(compact.status == 1, "\(compact.all)")
        for arguments in [["show", "run"], ["show", "run", "--all"]] {
            let shown = try await parley(arguments)
            #expect(shown.status == 0, "\(shown.all)")
        }
        let shownFailure = try await parley(["show", "run", "leak-fail"])
        #expect(shownFailure.stdout.contains(Self.publicValue + ", code [redacted]"), "\(shownFailure.all)")
        let shownError = try await parley(["show", "run", "leak-error"])
        #expect(shownError.stdout.contains("/nowhere/"), "the error is shown: \(shownError.all)")
        // Both runs were recorded in the history (.parley/history.sqlite), which reads them back.
        for arguments in [["history"], ["history", "--json"], ["history", "--flow", "leak-fail"]] {
            let history = try await parley(arguments)
            #expect(history.status == 0, "\(history.all)")
        }
        #expect(try await parley(["history", "--html", "out/history.html"]).status == 0)

        // The flow really carried the secrets: the agent repeated them (as [redacted]) next to the
        // public value, and the broken target's error names the request whose path held them.
        let transcript = try String(
            contentsOfFile: dir + "/run/transcripts/leak-fail--default--1.json", encoding: .utf8)
        #expect(transcript.contains(Self.publicValue), "public_env values stay visible")
        #expect(transcript.components(separatedBy: "[redacted]").count - 1 >= 4, "\(transcript)")
        #expect(run.stdout.contains("/nowhere/"), "the erroring flow shows its request: \(run.stdout)")

        var written: [(String, [UInt8])] = printed.map { ($0.0, Array($0.1.utf8)) }
        for folder in ["run", "merged", "out", "compact", ".parley"] {
            let root = dir + "/" + folder
            for file in FileManager.default.subpaths(atPath: root) ?? [] {
                var isDirectory: ObjCBool = false
                let path = root + "/" + file
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue
                else { continue }
                written.append((folder + "/" + file, Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
            }
        }
        #expect(written.count >= 20, "\(written.map(\.0))")
        #expect(written.contains { $0.0 == ".parley/history.sqlite" }, "\(written.map(\.0))")
        for secret in Self.all {
            for (form, bytes) in SecretForms.forms(of: secret.value) + SecretForms.markers(secret.marker) {
                for (source, content) in written where SecretForms.contains(content, bytes) {
                    Issue.record("\(secret.name) appears \(form) in \(source)")
                }
            }
        }
    }
}

/// Every form of a secret the scan looks for, written independently of Parley's own encoders.
enum SecretForms {
    static func forms(of secret: String) -> [(String, [UInt8])] {
        var forms: [(String, String)] = [("raw", secret)]
        forms.append(("JSON-escaped", json(secret, asciiOnly: false, slash: false)))
        forms.append(("JSON-escaped (ASCII)", json(secret, asciiOnly: true, slash: false)))
        forms.append(("JSON-escaped (\\/)", json(secret, asciiOnly: false, slash: true)))
        forms.append(
            ("JSON-escaped twice", json(json(secret, asciiOnly: false, slash: false), asciiOnly: false, slash: false)))
        forms.append(("HTML-escaped", markup(secret, apostrophe: "&#39;")))
        forms.append(("XML-escaped", markup(secret, apostrophe: "&apos;")))
        forms.append(("HTML-escaped (&#x27;)", markup(secret, apostrophe: "&#x27;")))
        forms.append(("HTML inside JSON", json(markup(secret, apostrophe: "&#39;"), asciiOnly: false, slash: false)))
        forms.append(("percent-encoded", secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        forms.append(("percent-encoded (lower hex)", lowerHexPercent(secret)))
        forms.append(
            (
                "form-encoded",
                (secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: " ")))
                    ?? "")
                    .replacingOccurrences(of: " ", with: "+")
            ))
        forms.append(("base64", Data(secret.utf8).base64EncodedString()))
        for user in ["parley", "u", "ab", "service-account"] {
            forms.append(("base64 of Basic \(user):…", Data("\(user):\(secret)".utf8).base64EncodedString()))
        }
        return forms.map { ($0.0, Array($0.1.utf8)) }
    }

    /// The marker alone, in the forms a word survives: a fragment of a secret is a leak too.
    static func markers(_ marker: String) -> [(String, [UInt8])] {
        [
            ("as its marker word", Array(marker.utf8)),
            ("as its marker word, lowercased", Array(marker.lowercased().utf8)),
        ]
    }

    static func json(_ text: String, asciiOnly: Bool, slash: Bool) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "/" where slash: out += "\\/"
            default:
                if scalar.value < 0x20 || (asciiOnly && scalar.value > 0x7E) {
                    for unit in String(scalar).utf16 { out += String(format: "\\u%04x", unit) }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    static func markup(_ text: String, apostrophe: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: apostrophe)
    }

    static func lowerHexPercent(_ text: String) -> String {
        text.utf8.map { byte in
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80, CharacterSet.alphanumerics.contains(scalar) { return String(scalar) }
            return String(format: "%%%02x", byte)
        }.joined()
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return false }
        let first = needle[0]
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
