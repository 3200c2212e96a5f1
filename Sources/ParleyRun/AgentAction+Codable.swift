import ParleyJSON

/// Transcripts are read back with `Codable`; a tool's arguments are any JSON value.
extension AgentAction: Codable {
    enum CodingKeys: String, CodingKey {
        case kind, name, version, arguments, result, durationMs, from, detail
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            kind: try container.decode(Kind.self, forKey: .kind),
            name: try container.decode(String.self, forKey: .name),
            version: try container.decodeIfPresent(String.self, forKey: .version),
            arguments: try container.decodeIfPresent(CodableJSON.self, forKey: .arguments)?.value,
            result: try container.decodeIfPresent(String.self, forKey: .result),
            durationMs: try container.decodeIfPresent(Double.self, forKey: .durationMs),
            from: try container.decodeIfPresent(String.self, forKey: .from),
            detail: try container.decodeIfPresent(String.self, forKey: .detail))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(name, forKey: .name)
        try container.encodeIfPresent(version, forKey: .version)
        try container.encodeIfPresent(arguments.map(CodableJSON.init), forKey: .arguments)
        try container.encodeIfPresent(result, forKey: .result)
        try container.encodeIfPresent(durationMs, forKey: .durationMs)
        try container.encodeIfPresent(from, forKey: .from)
        try container.encodeIfPresent(detail, forKey: .detail)
    }
}

extension AgentAction.Kind: Codable {}

/// Any JSON value through `Codable`. Object members come back sorted by name (a keyed container
/// does not keep their order); string-keyed dictionaries escape the decoder's key conversion.
struct CodableJSON: Codable {
    var value: JSONValue

    init(_ value: JSONValue) { self.value = value }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            value = .null
        } else if let bool = try? container.decode(Bool.self) {
            value = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            value = .number(number)
        } else if let string = try? container.decode(String.self) {
            value = .string(string)
        } else if let items = try? container.decode([CodableJSON].self) {
            value = .array(items.map(\.value))
        } else {
            let members = try container.decode([String: CodableJSON].self)
            value = .object(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value.value) })
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch value {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .number(let n): try container.encode(n)
        case .string(let s): try container.encode(s)
        case .array(let items): try container.encode(items.map(CodableJSON.init))
        case .object(let members):
            try container.encode(Dictionary(members.map { ($0.0, CodableJSON($0.1)) }, uniquingKeysWith: { a, _ in a }))
        }
    }
}
