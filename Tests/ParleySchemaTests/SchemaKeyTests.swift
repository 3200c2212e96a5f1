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
        try SchemaKind.schema(kind.fileName)
    }

    /// The `$defs` of every schema file by name (each name is defined in one file only:
    /// ExampleFileSchemaTests checks that), as an object value.
    static func definitions() throws -> JSONValue {
        let all = try SchemaKind.schemaFileNames.flatMap { try SchemaKind.schema($0)["$defs"]?.object ?? [] }
        return .object(all)
    }

    static func keys(_ value: JSONValue?) -> Set<String> {
        Set(value?["properties"]?.object?.map(\.0) ?? [])
    }

    @Test func flowKeysAreTheLoaders() throws {
        let flow = try Self.schema(.flow)
        let defs = try Self.definitions()
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
        #expect(
            Self.keys(defs["step_expect_tool"]?["properties"]?["expect_tool"]?["anyOf"]?[1])
                == ["name", "args", "result", "in", "times", "min", "max"])
        #expect(
            Self.keys(defs["step_expect_no_tool"]?["properties"]?["expect_no_tool"]?["anyOf"]?[1]) == ["name", "in"])
        #expect(Self.keys(defs["step_expect_state"]?["properties"]?["expect_state"]?["anyOf"]?[1]) == ["state", "in"])
        #expect(
            Self.keys(defs["step_expect_tools"]?["properties"]?["expect_tools"]?["anyOf"]?[1])
                == ["sequence", "ordered", "in"])
        #expect(Self.keys(defs["judge"]?["anyOf"]?[1]) == Set(FlowLoadSession.judgeKeys))
        #expect(Self.keys(defs["criterion"]?["anyOf"]?[1]) == ["criterion", "inconclusive"])
        #expect(defs["actionScope"]?["enum"] == ["turn", "conversation"])
        #expect(Self.keys(flow["properties"]?["cases"]?["anyOf"]?[1]) == Set(FlowLoadSession.casesKeys))
    }

    @Test func everyStepKindIsASingleKeyAlternativeAndOnlyEndAndRecommendAreBare() throws {
        let defs = try #require(try Self.schema(.steps)["$defs"])
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
        #expect(Self.keys(config["properties"]?["coverage"]) == Set(CoverageInventory.keys))
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
        #expect(Self.keys(defs["judge_openai"]) == Set(OpenAISettings.judgeKeys))
        for mode in ["json", "stream", "poll"] {
            #expect(
                Self.keys(defs["httpReply"]?["properties"]?[mode]?["properties"]?["actions"])
                    == ["path", "name", "arguments", "result"])
        }
        #expect(Self.keys(defs["provider_http"]) == Set(HTTPTargetReader.keys))
        #expect(Self.keys(defs["provider_amelia"]) == Set(AmeliaSettings.keys))
        #expect(Self.keys(defs["provider_agenthuman"]) == Set(AgentHumanSettings.keys))
        #expect(Self.keys(defs["provider_amelia"]?["properties"]?["webhook"]) == Set(AmeliaWebhookSettings.keys))
        #expect(Self.keys(defs["provider_http"]?["properties"]?["webhook"]) == Set(HTTPWebhookSettings.keys))
        #expect(Self.keys(defs["httpRequest"]) == Set(HTTPTargetReader.requestKeys))
        #expect(Self.keys(defs["httpCondition"]) == Set(HTTPTargetReader.conditionKeys))
        #expect(Self.keys(defs["httpReply"]) == Set(HTTPTargetReader.replyModes))
        #expect(
            Self.keys(defs["httpReply"]?["properties"]?["webhook"])
                == Set(HTTPTargetReader.messageReadingKeys + ["id"]))
        // LocalProviderSpec lists its keys inline; these are the ones it reads.
        #expect(Self.keys(defs["provider_local"]) == ["provider", "agent", "latency"])
    }

    @Test func theTagLimitIsTheLoaders() throws {
        let defs = try #require(try Self.schema(.steps)["$defs"])
        let set = defs["step_tag"]?["properties"]?["tag"]?["properties"]?["set"]
        #expect(set?["maxProperties"]?.int == ConversationTags.maxTags)
        let value = set?["additionalProperties"]?["allOf"]?[1]?["anyOf"]?[2]
        #expect(value?["maxLength"]?.int == ConversationTags.maxValueLength)
    }
}
