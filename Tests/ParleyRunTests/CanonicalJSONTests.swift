import ParleyJSON
import ParleyRun
import Testing

/// Values written the same whatever order their members came in.
@Suite struct CanonicalJSONTests {
    @Test func membersAreSortedAtEveryDepthAndSortedValuesKept() throws {
        let value = try JSONValue(parsing: #"{"b":1,"a":{"d":[{"z":1,"y":"é"}],"c":null}}"#)
        #expect(value.canonicalText == #"{"a":{"c":null,"d":[{"y":"é","z":1}]},"b":1}"#)
        #expect(value.canonical.canonical == value.canonical)
        let sorted = try JSONValue(parsing: #"{"a":[1,{"b":2,"c":[]}],"d":"x"}"#)
        #expect(sorted.canonical == sorted)
        #expect(sorted.canonicalText == #"{"a":[1,{"b":2,"c":[]}],"d":"x"}"#)
        // Only the unsorted object deep inside changes.
        let deep = try JSONValue(parsing: #"[{"a":{"y":1,"x":2}}]"#)
        #expect(deep.canonicalText == #"[{"a":{"x":2,"y":1}}]"#)
        #expect(value.serialized == String(decoding: value.bytes, as: UTF8.self))
    }
}
