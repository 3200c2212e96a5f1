import ParleyRun

extension ResultRecord {
    /// The persona and, for a matrix run, its scenario (`Dana · late parcel`); `nil` when neither.
    public var who: String? { FlowRunName.who(id: header.id, persona: header.persona, scenario: header.scenario) }

    /// `refund [Dana · late parcel] case cracked-blender #2`.
    public var name: String {
        FlowRunName.make(
            flow: header.flow, who: who, caseName: header.dataCase?.name, repetition: header.repetition)
    }

    /// The runs of one flow that differ only by repetition share this key: the same persona,
    /// scenario and table row. Flakiness and comparisons are judged among such runs.
    public var variantKey: String { (who ?? "") + "\u{0}" + (header.dataCase?.name ?? "") }
}
