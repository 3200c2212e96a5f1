import Foundation
import Testing
@testable import ParleyRuntime
import ParleyTestSupport
@testable import ParleyFlow
@testable import ParleyJSON
@testable import ParleyProviders

/// The keys each schema allows are exactly the keys the loaders read, so a key added to a loader
/// without the schema (or the other way round) fails here rather than in someone's editor.
@Suite struct SchemaKeyTests {
    static func schema(_ kind: SchemaKind) throws -> JSONValue {
        try JSONValue(
            parsing: String(
                contentsOfFile: SchemaValidator.repositoryRoot + "/schema/" + kind.fileName, encoding: .utf8))
    }

    static func keys(_ value: JSONValue?) -> Set<String> {
        Set(value?["properties"]?.object?.map(\.0) ?? [])
    }

    @Test func flowKeysAreTheLoaders() throws {
        let flow = try Self.schema(.flow)
        let defs = try #require(flow["$defs"])
        #expect(Self.keys(flow) == Set(FlowLoadSession.flowKeys))
        #expect(Self.keys(defs["persona"]) == Set(FlowLoadSession.personaKeys))
        #expect(Self.keys(defs["scenario"]) == Set(FlowLoadSession.scenarioKeys))
        #expect(Self.keys(defs["expectation"]?["anyOf"]?[1]) == Set(FlowLoadSession.expectKeys))
        let forms = defs["patternForm"]?["oneOf"]?.array?.flatMap { Self.keys($0) } ?? []
        #expect(Set(forms) == Set(NodeReader.matcherKeys))
        #expect(
            Self.keys(defs["step_simulate"]?["properties"]?["simulate"]) == ["until", "max_turns", "on_max", "pick"])
        #expect(Self.keys(defs["step_tag"]?["properties"]?["tag"]) == ["set", "remove"])
        #expect(Self.keys(defs["step_insights"]?["properties"]?["insights"]) == ["state", "action", "objective"])
    }

    @Test func everyStepKindIsASingleKeyAlternativeAndOnlyEndAndRecommendAreBare() throws {
        let defs = try #require(try Self.schema(.flow)["$defs"])
        let alternatives = try #require(defs["step"]?["oneOf"]?.array)
        let referenced = alternatives.compactMap {
            $0["$ref"]?.string?.replacingOccurrences(of: "#/$defs/step_", with: "")
        }
        #expect(Set(referenced) == Set(StepKind.allCases.map(\.rawValue)))
        for kind in referenced {
            let step = defs["step_" + kind]
            #expect(step?["required"] == [.string(kind)])
            #expect(Self.keys(step) == [kind])
            #expect(step?["additionalProperties"] == false)
        }
        let bare = alternatives.compactMap { $0["enum"]?.array }.flatMap { $0 }.compactMap(\.string)
        #expect(Set(bare) == FlowLoadSession.bareSteps)
    }

    @Test func configurationKeysAreTheLoaders() throws {
        let config = try Self.schema(.parley)
        let defs = try #require(config["$defs"])
        #expect(Self.keys(config) == Set(ConfigLoader.keys))
        let providers = defs["target"]?["properties"]?["provider"]?["enum"]?.array?.compactMap(\.string) ?? []
        #expect(Set(providers) == Set(ProviderSpecs.kinds))
        for kind in ProviderSpecs.kinds {
            #expect(defs["provider_" + kind] != nil, "no definition for provider \(kind)")
        }
        #expect(Self.keys(defs["provider_amigo"]) == Set(AmigoSettings.keys))
        let endpoints = defs["provider_amigo"]?["properties"]?["rate_limits"]?["anyOf"]?[1]
        #expect(Self.keys(endpoints) == Set(AmigoSettings.documentedLimits.keys))
        #expect(Self.keys(defs["provider_sandbox"]) == Set(SandboxProviderSpec.keys))
        let protocols =
            defs["provider_sandbox"]?["properties"]?["protocol"]?["anyOf"]?[0]?["enum"]?.array?.compactMap(\.string)
            ?? []
        #expect(protocols == SandboxProviderSpec.protocols)
        #expect(Self.keys(defs["provider_openai"]) == Set(OpenAISettings.targetKeys))
        #expect(Self.keys(defs["simulator_openai"]) == Set(OpenAISettings.keys))
        #expect(Self.keys(defs["provider_http"]) == Set(HTTPTargetReader.keys))
        #expect(Self.keys(defs["provider_amelia"]) == Set(AmeliaSettings.keys))
        #expect(Self.keys(defs["provider_agenthuman"]) == Set(AgentHumanSettings.keys))
        // LocalProviderSpec lists its keys inline; these are the ones it reads.
        #expect(Self.keys(defs["provider_local"]) == ["provider", "agent", "latency"])
    }

    /// Each schema file stands alone (editors and `parley init` copy them one by one), so step,
    /// pattern and persona definitions are repeated across files: a definition of the same name
    /// must be the same everywhere.
    @Test func definitionsSharedBetweenSchemaFilesAreIdentical() throws {
        let all = try SchemaKind.allCases.map { kind in (kind, try #require(try Self.schema(kind)["$defs"]?.object)) }
        var compared = 0
        for (index, (kind, defs)) in all.enumerated() {
            for (otherKind, otherDefs) in all[(index + 1)...] {
                let other = Dictionary(otherDefs, uniquingKeysWith: { first, _ in first })
                for (name, definition) in defs {
                    guard let counterpart = other[name] else { continue }
                    compared += 1
                    #expect(
                        definition == counterpart,
                        "$defs/\(name) differs between \(kind.fileName) and \(otherKind.fileName)")
                }
            }
        }
        #expect(compared >= 28)
    }

    @Test func theTagLimitIsTheLoaders() throws {
        let defs = try #require(try Self.schema(.flow)["$defs"])
        let set = defs["step_tag"]?["properties"]?["tag"]?["properties"]?["set"]
        #expect(set?["maxProperties"]?.int == ConversationTags.maxTags)
        let value = set?["additionalProperties"]?["allOf"]?[1]?["anyOf"]?[2]
        #expect(value?["maxLength"]?.int == ConversationTags.maxValueLength)
    }
}
