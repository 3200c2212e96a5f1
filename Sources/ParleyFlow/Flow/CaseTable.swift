/// A flow's `cases:`: a table of data (a CSV or TSV file) the flow runs once per row, each row's
/// values available as `${case.<column>}`.
public struct CaseTable: Sendable {
    /// The table's path as resolved from the flow.
    public var file: String
    /// Column names in written order.
    public var columns: [String]
    /// The column whose values name the rows (`name` by default, when there is one).
    public var nameColumn: String?
    public var rows: [CaseRow]
    /// Where `cases:` is written in the flow.
    public var location: SourceLocation
    /// Where the table's header row starts.
    public var headerLocation: SourceLocation

    public init(
        file: String, columns: [String], nameColumn: String?, rows: [CaseRow], location: SourceLocation,
        headerLocation: SourceLocation? = nil
    ) {
        self.file = file
        self.columns = columns
        self.nameColumn = nameColumn
        self.rows = rows
        self.location = location
        self.headerLocation = headerLocation ?? SourceLocation(file: file, line: 1, column: 1)
    }
}

/// One row of a ``CaseTable``: its name, where it is, and its values by column.
public struct CaseRow: Sendable, Hashable {
    /// The name column's value, or `row N` (N the row's line in the file).
    public var name: String
    public var file: String
    /// The line the row starts on (the header is line 1).
    public var line: Int
    public var values: [String: String]

    public init(name: String, file: String, line: Int, values: [String: String]) {
        self.name = name
        self.file = file
        self.line = line
        self.values = values
    }

    /// A file-name friendly form of the name.
    public var slug: String { Slug.make(name) }

    /// How results name the row.
    public var reference: CaseReference { CaseReference(name: name, file: file, line: line) }
}

/// The row a flow run used, as results record it: `{"name": "cracked-blender", "file": "flows/orders.csv",
/// "line": 3}`.
public struct CaseReference: Sendable, Hashable {
    public var name: String
    public var file: String
    public var line: Int

    public init(name: String, file: String, line: Int) {
        self.name = name
        self.file = file
        self.line = line
    }
}
