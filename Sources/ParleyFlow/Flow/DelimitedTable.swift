/// A table read from a CSV (RFC 4180) or TSV file: a header row and data rows, every cell with the
/// `file:line:column` where it starts, so a problem in a spreadsheet points at the cell.
///
/// CSV fields may be quoted (`"a, b"`, `"say ""hi"""`, line breaks inside quotes); a quote inside an
/// unquoted field, text after a closing quote and a quote never closed are errors. TSV fields are
/// separated by tabs; a field that starts with a quote is read as a quoted field (spreadsheets write
/// fields holding tabs or line breaks that way), quotes anywhere else are text. A byte-order mark is
/// skipped, `\r\n` and `\n` both end a row, and rows with no text at all (blank lines, `,,,`) are left
/// out. Every row must have as many fields as the header.
public struct DelimitedTable: Sendable {
    /// One field as read, and where it starts.
    public struct Cell: Sendable, Hashable {
        public var text: String
        public var location: SourceLocation

        public init(text: String, location: SourceLocation) {
            self.text = text
            self.location = location
        }
    }

    public var file: String
    public var header: [Cell]
    /// Data rows, each with exactly `header.count` cells.
    public var rows: [[Cell]]

    /// The header's names, in order.
    public var columns: [String] { header.map(\.text) }

    /// The separator a file's extension implies: `,` for `.csv`, a tab for `.tsv`/`.tab`; `nil` for
    /// anything else.
    public static func separator(forPath path: String) -> Character? {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { return "," }
        if lower.hasSuffix(".tsv") || lower.hasSuffix(".tab") { return "\t" }
        return nil
    }

    /// True for paths this reader takes (`.csv`, `.tsv`, `.tab`).
    public static func isTablePath(_ path: String) -> Bool { separator(forPath: path) != nil }

    /// Reads `text`; every problem goes to `sink` (located in `file`), and `nil` comes back when there
    /// was one. The header must name every column, once.
    public static func parse(_ text: String, file: String, separator: Character, sink: DiagnosticSink)
        -> DelimitedTable?
    {
        sink.register(file: file, text: text)
        var reader = Reader(text: text, file: file, separator: separator)
        let read = reader.records()
        for problem in reader.problems { sink.error(problem.message, at: problem.location) }
        var ok = reader.problems.isEmpty
        // A record with a quoting problem has an unreliable shape: it is not counted again as ragged.
        let records = read.filter { !$0.damaged }.map(\.cells)
        guard let header = read.first?.cells else {
            sink.error(
                "the table is empty; its first row names the columns",
                at: SourceLocation(file: file, line: 1, column: 1))
            return nil
        }
        var seen: [String: SourceLocation] = [:]
        for (index, cell) in header.enumerated() {
            let name = cell.text.trimmingSpaces
            if name.isEmpty {
                sink.error("column \(index + 1) of the header has no name", at: cell.location)
                ok = false
            } else if let first = seen[name] {
                sink.error(
                    "column `\(name)` is named twice in the header (first at column \(first.column))",
                    at: cell.location)
                ok = false
            } else {
                seen[name] = cell.location
            }
        }
        var header2 = header
        for index in header2.indices { header2[index].text = header2[index].text.trimmingSpaces }
        var rows: [[Cell]] = []
        for record in records.dropFirst(read.first?.damaged == true ? 0 : 1) {
            if record.count != header.count {
                let row = record.first?.location.line ?? 0
                let columnList = header2.map { "`\($0.text)`" }.joined(separator: ", ")
                if record.count > header.count {
                    sink.error(
                        "row \(row) has \(record.count) fields; the header has \(header.count) (\(columnList)): "
                            + "the extra field starts here (quote fields that hold a separator)",
                        at: record[header.count].location)
                } else {
                    // Where the missing field would start: just after the last one (on its line).
                    var last = record.last?.location ?? SourceLocation(file: file, line: row, column: 1)
                    if let text = record.last?.text, !text.contains(where: Reader.isNewline) {
                        last.column += text.count
                    }
                    sink.error(
                        "row \(row) has \(record.count) field\(record.count == 1 ? "" : "s"); the header has "
                            + "\(header.count) (\(columnList)): column \(record.count + 1) "
                            + "(`\(header2[record.count].text)`) is missing",
                        at: last)
                }
                ok = false
                continue
            }
            rows.append(record)
        }
        return ok ? DelimitedTable(file: file, header: header2, rows: rows) : nil
    }

    /// The cell of `row` under `column`, if there is such a column.
    public func cell(_ row: [Cell], _ column: String) -> Cell? {
        header.firstIndex { $0.text == column }.map { row[$0] }
    }

    /// Splits text into records of located fields.
    struct Reader {
        let characters: [Character]
        let file: String
        let separator: Character
        var index = 0
        var line = 1
        var column = 1
        var problems: [(message: String, location: SourceLocation)] = []

        init(text: String, file: String, separator: Character) {
            var characters = Array(text)
            if characters.first == "\u{FEFF}" { characters.removeFirst() }
            self.characters = characters
            self.file = file
            self.separator = separator
        }

        var here: SourceLocation { SourceLocation(file: file, line: line, column: column) }

        static func isNewline(_ c: Character) -> Bool { c == "\n" || c == "\r\n" || c == "\r" }

        mutating func advance() {
            let c = characters[index]
            index += 1
            if Self.isNewline(c) {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }

        /// Every record, and whether a quoting problem was found in it; records whose fields are all
        /// empty are left out.
        mutating func records() -> [(cells: [Cell], damaged: Bool)] {
            var result: [(cells: [Cell], damaged: Bool)] = []
            while index < characters.count {
                let before = problems.count
                let record = self.record()
                if record.contains(where: { !$0.text.isEmpty }) { result.append((record, problems.count > before)) }
                // A problem inside a record makes the rest of the file unreliable (a quote left open
                // swallows it); stop after a few so one mistake does not print a hundred errors.
                if problems.count >= 10 { break }
            }
            return result
        }

        /// One record, up to and including its line break.
        mutating func record() -> [Cell] {
            var fields: [Cell] = []
            while true {
                fields.append(field())
                guard index < characters.count else { return fields }
                let c = characters[index]
                advance()
                if Self.isNewline(c) { return fields }
                // Otherwise it was the separator: another field follows (maybe an empty last one).
                if index >= characters.count {
                    fields.append(Cell(text: "", location: here))
                    return fields
                }
            }
        }

        /// One field; stops before the separator or line break that ends it.
        mutating func field() -> Cell {
            let start = here
            if index < characters.count, characters[index] == "\"" {
                return quoted(start: start)
            }
            var text = ""
            while index < characters.count {
                let c = characters[index]
                if c == separator || Self.isNewline(c) { break }
                if c == "\"", separator == "," {
                    problems.append(
                        (
                            "a quote inside an unquoted field; quote the whole field and double the quotes in it "
                                + "(\"say \"\"hi\"\"\")", here
                        ))
                }
                text.append(c)
                advance()
            }
            return Cell(text: text, location: start)
        }

        mutating func quoted(start: SourceLocation) -> Cell {
            advance()  // the opening quote
            var text = ""
            while index < characters.count {
                let c = characters[index]
                if c == "\"" {
                    if index + 1 < characters.count, characters[index + 1] == "\"" {
                        text.append("\"")
                        advance()
                        advance()
                        continue
                    }
                    advance()  // the closing quote
                    if index < characters.count, characters[index] != separator, !Self.isNewline(characters[index]) {
                        problems.append(
                            (
                                "text after the closing quote of a field; a quote inside a quoted field is written "
                                    + "twice (\"\")", here
                            ))
                        // Keep the rest of the field so the row still has its shape.
                        while index < characters.count, characters[index] != separator,
                            !Self.isNewline(characters[index])
                        {
                            text.append(characters[index])
                            advance()
                        }
                    }
                    return Cell(text: text, location: start)
                }
                text.append(c)
                advance()
            }
            problems.append(("this quote is never closed; the field runs to the end of the file", start))
            return Cell(text: text, location: start)
        }
    }
}
