import Foundation
import ParleyJSON

extension JSONValue {
    /// The JSON an editor's YAML language server sees in a YAML document, for checking it against a JSON Schema.
    ///
    /// Plain scalars are resolved with the YAML 1.2 core schema, as YAML language servers do:
    /// `null`/`~`/nothing is null, `true`/`false` are booleans, decimal, octal (`0o`) and hexadecimal
    /// (`0x`) integers and decimal floats are numbers; anything quoted, block scalars, tagged scalars
    /// and every other plain scalar (`yes`, `.inf`, `1_000`) are strings. An empty document is null.
    /// Mapping keys become their text; a key that is not a scalar becomes a short description of it.
    public init(yaml node: YAMLNode?) {
        guard let node else {
            self = .null
            return
        }
        switch node.content {
        case .scalar(let scalar):
            self = Self.resolve(scalar, tagged: node.tag != nil) ?? .string(scalar.value)
        case .sequence(let items):
            self = .array(items.map { JSONValue(yaml: $0) })
        case .mapping(let pairs):
            self = .object(
                pairs.map { pair in (pair.key.string ?? pair.key.kindDescription, JSONValue(yaml: pair.value)) })
        }
    }

    /// A YAML value of `parley.yaml` (metadata, extra request fields) as the JSON a provider sends.
    ///
    /// Mappings become objects (in written order), lists arrays; plain scalars follow the same YAML
    /// 1.2 core-schema rules as ``init(yaml:)``, so null, booleans and numbers keep their type, while
    /// quoted scalars are always text — `"123"` stays a string. `text` turns each string scalar into
    /// its final text (resolving `${env.NAME}` and the like) and reports problems itself. Returns
    /// `nil` after a reported problem.
    public static func configured(
        _ node: YAMLNode, for what: String, reader: NodeReader, depth: Int = 0, text: (YAMLNode, String) -> String?
    ) -> JSONValue? {
        guard depth < 16 else {
            reader.error("`\(what)` is nested too deeply", at: node.location)
            return nil
        }
        switch node.content {
        case .mapping(let pairs):
            var members: [(String, JSONValue)] = []
            var ok = true
            for pair in pairs {
                guard let key = pair.key.string else {
                    reader.mismatch(pair.key, for: "\(what) keys", expected: "text")
                    ok = false
                    continue
                }
                if let member = configured(
                    pair.value, for: "\(what).\(key)", reader: reader, depth: depth + 1, text: text)
                {
                    members.append((key, member))
                } else {
                    ok = false
                }
            }
            return ok ? .object(members) : nil
        case .sequence(let items):
            var elements: [JSONValue] = []
            var ok = true
            for item in items {
                if let element = configured(item, for: "\(what)[]", reader: reader, depth: depth + 1, text: text) {
                    elements.append(element)
                } else {
                    ok = false
                }
            }
            return ok ? .array(elements) : nil
        case .scalar(let scalar):
            if let resolved = resolve(scalar, tagged: node.tag != nil) { return resolved }
            return text(node, what).map(JSONValue.string)
        }
    }

    /// The null, boolean or number a plain, untagged scalar stands for in the YAML 1.2 core schema;
    /// `nil` for text.
    private static func resolve(_ scalar: YAMLScalar, tagged: Bool) -> JSONValue? {
        guard scalar.style == .plain, !tagged else { return nil }
        let text = scalar.value
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        return coreNumber(text).map(JSONValue.number)
    }

    /// A number in the YAML 1.2 core schema's notation, as the JSON number of the same exact value
    /// (`+1` → `1`, `007` → `7`, `.5` → `0.5`, `2.` → `2`, `0x1F` → `31`), or `nil`. Digits are
    /// kept as written, so a long id stays exact.
    private static func coreNumber(_ text: String) -> JSONNumber? {
        let bytes = Array(text.utf8)
        guard let first = bytes.first else { return nil }
        func all(_ slice: ArraySlice<UInt8>, _ allowed: (UInt8) -> Bool) -> Bool {
            !slice.isEmpty && slice.allSatisfy(allowed)
        }
        let isDigit: (UInt8) -> Bool = { (0x30...0x39).contains($0) }
        if bytes.count > 2, bytes[0] == 0x30, bytes[1] == UInt8(ascii: "o") {
            return all(bytes[2...], { (0x30...0x37).contains($0) })
                ? UInt64(text.dropFirst(2), radix: 8).map { JSONNumber($0) } : nil
        }
        if bytes.count > 2, bytes[0] == 0x30, bytes[1] == UInt8(ascii: "x") {
            return all(bytes[2...], { $0.isHexDigit })
                ? UInt64(text.dropFirst(2), radix: 16).map { JSONNumber($0) } : nil
        }
        // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
        var i = first == UInt8(ascii: "-") || first == UInt8(ascii: "+") ? 1 : 0
        let integerStart = i
        while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        var integer = bytes[integerStart..<i].drop { $0 == 0x30 }
        if integer.isEmpty { integer = [0x30] }
        var json = first == UInt8(ascii: "-") ? [UInt8(ascii: "-")] : []
        json += integer
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
            if fractionStart == i, fractionStart - 1 == integerStart { return nil }
            if fractionStart < i { json += [UInt8(ascii: ".")] + bytes[fractionStart..<i] }
        } else if i == integerStart {
            return nil
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            let exponentStart = i
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") { i += 1 }
            guard all(bytes[i...], isDigit) else { return nil }
            i = bytes.count
            json += bytes[exponentStart..<i]
        }
        guard i == bytes.count else { return nil }
        return JSONNumber(String(decoding: json, as: UTF8.self))
    }
}

private extension UInt8 {
    var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
