import Testing
import ParleyFlow
import ParleyJSON
import ParleyYAML

/// YAML read as JSON the way editors' YAML language servers read it (the YAML 1.2 core schema).
@Suite struct JSONValueYAMLTests {
    static func json(_ yaml: String) throws -> JSONValue {
        JSONValue(yaml: try YAMLParser.parse(yaml, file: "test.yaml"))
    }

    @Test(arguments: [
        ("a: 1", #"{"a":1}"#),
        ("a: -2", #"{"a":-2}"#),
        ("a: +3", #"{"a":3}"#),
        ("a: 1.5", #"{"a":1.5}"#),
        ("a: .5", #"{"a":0.5}"#),
        ("a: 2.", #"{"a":2}"#),
        ("a: 1e3", #"{"a":1e3}"#),
        ("a: 1E+3", #"{"a":1E+3}"#),
        ("a: 007", #"{"a":7}"#),
        ("a: -0.50", #"{"a":-0.50}"#),
        ("a: 12345678901234567890", #"{"a":12345678901234567890}"#),
        ("a: 9007199254740993", #"{"a":9007199254740993}"#),
        ("a: 0xFFFFFFFFFFFFFFFF", #"{"a":18446744073709551615}"#),
        ("a: 0x1F", #"{"a":31}"#),
        ("a: 0o17", #"{"a":15}"#),
        ("a: true", #"{"a":true}"#),
        ("a: False", #"{"a":false}"#),
        ("a: ~", #"{"a":null}"#),
        ("a: null", #"{"a":null}"#),
        ("a:", #"{"a":null}"#),
        ("a: yes", #"{"a":"yes"}"#),
        ("a: off", #"{"a":"off"}"#),
        ("a: \"1\"", #"{"a":"1"}"#),
        ("a: 'true'", #"{"a":"true"}"#),
        ("a: 1_000", #"{"a":"1_000"}"#),
        ("a: .inf", #"{"a":".inf"}"#),
        ("a: 30s", #"{"a":"30s"}"#),
        ("a: 1.2.3", #"{"a":"1.2.3"}"#),
        ("a: 0x", #"{"a":"0x"}"#),
        ("a: +", #"{"a":"+"}"#),
        ("a: .", #"{"a":"."}"#),
        ("a: 1e", #"{"a":"1e"}"#),
        ("a: !!str 5", #"{"a":"5"}"#),
        ("a: |\n  text\n", #"{"a":"text\n"}"#),
        ("- x\n- [1, {b: c}]", #"["x",[1,{"b":"c"}]]"#),
        ("z: 1\na: 2", #"{"z":1,"a":2}"#),
    ])
    func scalarsResolveLikeTheCoreSchema(yaml: String, json: String) throws {
        let actual = try Self.json(yaml).serialized
        #expect(actual == json)
    }

    @Test func anEmptyDocumentIsNull() throws {
        #expect(try Self.json("# only a comment\n") == .null)
        #expect(JSONValue(yaml: nil) == .null)
    }
}
