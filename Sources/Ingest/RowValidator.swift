import ThroughcareCore

/// A row ingest refuses: which column broke which rule.
struct RowRejection {
    var column: String?
    var reason: String
}

/// Checks one file's records against the contract and encodes good rows as COPY text lines.
/// Header positions are resolved once; per row it works on bytes and allocates only the few
/// strings a reference check needs.
final class RowValidator {
    let schema: EntitySchema
    let references: ReferenceIndex
    /// For each schema column, its position in the file's header (nil: optional and absent).
    let sourceIndex: [Int?]
    let fieldCount: Int
    private let codeLists: [Set<String>?]
    private let suffix: [UInt8]

    /// Normalised values of the current row, unescaped, and where each column's value sits.
    private var values: [UInt8] = []
    private var spans: [Range<Int>?]
    /// Scratch space for quoted fields whose `""` pairs must be collapsed.
    private var unescaped = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 4096)
    /// The current row as a COPY text line (valid after `validate` returns nil).
    private(set) var copyLine: [UInt8] = []

    init(schema: EntitySchema, header: [String], references: ReferenceIndex, batchID: Int64) {
        self.schema = schema
        self.references = references
        fieldCount = header.count
        sourceIndex = schema.columns.map { column in header.firstIndex(of: column.name) }
        codeLists = schema.columns.map { column in
            if case let .code(list) = column.kind { return Set(list) }
            return nil
        }
        spans = Array(repeating: nil, count: schema.columns.count)
        suffix = Array("\t\(batchID)\t".utf8)
        values.reserveCapacity(512)
        copyLine.reserveCapacity(512)
    }

    deinit { unescaped.deallocate() }

    /// The value of a column in the current row, as normalised (nil for NULL).
    func text(_ column: Int) -> String? {
        guard let span = spans[column] else { return nil }
        return String(decoding: values[span], as: UTF8.self)
    }

    func text(_ name: String) -> String? { text(schema.columnIndex(name)) }

    /// The row's key as far as it could be read, for the rejects table.
    func keyValue(reader: CSVRecordReader) -> String? {
        let parts = schema.keyColumns.map { name -> String? in
            let column = schema.columnIndex(name)
            guard let source = sourceIndex[column], source < reader.fields.count else { return nil }
            let bytes = FieldValidation.trimmed(field(reader, source))
            guard !bytes.isEmpty, FieldValidation.encodingProblem(bytes) == nil else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
        if parts.contains(where: { $0 == nil }) { return nil }
        return parts.map { $0! }.joined(separator: "|")
    }

    private func field(_ reader: CSVRecordReader, _ index: Int) -> UnsafeBufferPointer<UInt8> {
        let range = reader.fields[index]
        let raw = reader.field(index)
        guard range.hasEscapedQuotes else { return raw }
        // Collapse "" to " in a scratch copy; the record itself stays raw for the rejects table.
        if unescaped.count < raw.count {
            unescaped.deallocate()
            unescaped = .allocate(capacity: raw.count * 2)
        }
        var count = 0
        var previousWasQuote = false
        for byte in raw {
            if byte == UInt8(ascii: "\"") && previousWasQuote { previousWasQuote = false; continue }
            previousWasQuote = byte == UInt8(ascii: "\"")
            unescaped[count] = byte
            count += 1
        }
        return UnsafeBufferPointer(rebasing: unescaped[0..<count])
    }

    /// Validates the reader's current record. Returns nil and fills `copyLine` for a good row.
    func validate(_ reader: CSVRecordReader) -> RowRejection? {
        if let problem = FieldValidation.encodingProblem(reader.rawRecord) {
            return RowRejection(column: nil, reason: problem)
        }
        guard reader.fields.count == fieldCount else {
            return RowRejection(column: nil, reason: "expected \(fieldCount) fields as in the header, found \(reader.fields.count)")
        }
        if let malformed = reader.malformedField {
            return RowRejection(column: nil, reason: "field \(malformed + 1) has text after its closing quote (broken quoting)")
        }
        values.removeAll(keepingCapacity: true)
        for (column, rule) in schema.columns.enumerated() {
            spans[column] = nil
            var bytes = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
            if let source = sourceIndex[column] {
                bytes = FieldValidation.trimmed(field(reader, source))
            }
            if bytes.isEmpty {
                if let fallback = rule.defaultValue {
                    store(column, Array(fallback.utf8))
                    continue
                }
                if rule.required { return RowRejection(column: rule.name, reason: "\(rule.name) is required but empty") }
                continue
            }
            if let rejection = check(column: column, rule: rule, bytes: bytes) { return rejection }
        }
        if let rejection = checkRowRules() { return rejection }
        encodeCopyLine(lineNumber: reader.lineNumber)
        return nil
    }

    private func store(_ column: Int, _ bytes: UnsafeBufferPointer<UInt8>) {
        let start = values.count
        values.append(contentsOf: bytes)
        spans[column] = start..<values.count
    }

    private func store(_ column: Int, _ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { store(column, $0) }
    }

    private func quoted(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let text = String(decoding: bytes.prefix(60), as: UTF8.self)
        return "\"\(text)\"" + (bytes.count > 60 ? "…" : "")
    }

    private func check(column: Int, rule: ColumnRule, bytes: UnsafeBufferPointer<UInt8>) -> RowRejection? {
        switch rule.kind {
        case .text:
            store(column, bytes)
        case .code(let list):
            let code = String(decoding: bytes, as: UTF8.self).lowercased()
            guard codeLists[column]!.contains(code) else {
                return RowRejection(column: rule.name, reason: "\(rule.name) \(quoted(bytes)) is not one of \(list.joined(separator: ", "))")
            }
            store(column, Array(code.utf8))
        case .establishmentCode:
            guard FieldValidation.isEstablishmentCode(bytes) else {
                return RowRejection(column: rule.name, reason: "\(rule.name) \(quoted(bytes)) must be 2–5 upper-case letters or digits, e.g. LEI")
            }
            store(column, bytes)
        case .date:
            guard FieldValidation.isDate(bytes) else {
                return RowRejection(column: rule.name, reason: "\(rule.name) \(quoted(bytes)) is not a date in the form YYYY-MM-DD")
            }
            store(column, bytes)
        case .timestamp:
            guard FieldValidation.isTimestamp(bytes) else {
                return RowRejection(column: rule.name, reason: "\(rule.name) \(quoted(bytes)) is not an ISO 8601 timestamp such as 2024-03-05T14:30:00Z")
            }
            store(column, bytes)
        case .integer(let range):
            guard let value = FieldValidation.integer(bytes) else {
                return RowRejection(column: rule.name, reason: "\(rule.name) \(quoted(bytes)) is not a whole number")
            }
            guard range.contains(value) else {
                return RowRejection(column: rule.name, reason: "\(rule.name) \(value) is outside \(range.lowerBound)–\(range.upperBound)")
            }
            store(column, Array(String(value).utf8))
        case .fte:
            guard FieldValidation.isFTE(bytes) else {
                return RowRejection(column: rule.name, reason: "\(rule.name) \(quoted(bytes)) must be a number greater than 0 and at most 1")
            }
            store(column, bytes)
        case .boolean:
            guard let value = FieldValidation.boolean(bytes) else {
                return RowRejection(column: rule.name, reason: "\(rule.name) \(quoted(bytes)) is not true/false (t/f, 1/0, yes/no)")
            }
            store(column, value ? [UInt8(ascii: "t")] : [UInt8(ascii: "f")])
        }
        return nil
    }

    /// Rules that involve several columns or other files.
    private func checkRowRules() -> RowRejection? {
        switch schema.entity {
        case .establishments:
            return nil
        case .staff:
            let role = text("role")!
            if role == "com" {
                if text("probation_region") == nil {
                    return RowRejection(column: "probation_region", reason: "probation_region is required for a com")
                }
            } else if text("establishment_code") == nil {
                return RowRejection(column: "establishment_code", reason: "establishment_code is required for role \(role)")
            }
            if let code = text("establishment_code"), !references.establishments.contains(code) {
                return RowRejection(column: "establishment_code", reason: references.missingReason(.establishments, column: "establishment_code", key: code))
            }
            return checkOrder("start_date", "end_date")
        case .cases:
            let code = text("establishment_code")!
            if !references.establishments.contains(code) {
                return RowRejection(column: "establishment_code", reason: references.missingReason(.establishments, column: "establishment_code", key: code))
            }
            let sentenceType = text("sentence_type")!
            if sentenceType != "indeterminate" && text("expected_release_date") == nil {
                return RowRejection(column: "expected_release_date", reason: "expected_release_date is required for a \(sentenceType) sentence")
            }
            return checkOrder("sentence_start_date", "release_date")
        case .allocations:
            if let rejection = checkCase(requireRelease: false) { return rejection }
            let staffID = text("staff_id")!
            guard let staffRole = references.staffRoles[staffID] else {
                return RowRejection(column: "staff_id", reason: references.missingReason(.staff, column: "staff_id", key: staffID))
            }
            let role = text("role")!
            let allowed = ContractCodes.staffRoles(forAllocationRole: role)
            if !allowed.contains(staffRole) {
                return RowRejection(column: "role", reason: "role \(role) does not agree with staff \(staffID)'s role \(staffRole) (a \(role) allocation needs \(allowed.joined(separator: " or ")))")
            }
            return checkOrder("start_date", "end_date")
        case .contacts:
            if let rejection = checkCase(requireRelease: false) { return rejection }
            return checkStaff(required: true)
        case .assessments:
            if let rejection = checkCase(requireRelease: false) { return rejection }
            return checkStaff(required: false)
        case .releaseOutcomes:
            return checkCase(requireRelease: true)
        }
    }

    private func checkCase(requireRelease: Bool) -> RowRejection? {
        let caseID = text("case_id")!
        guard let released = references.caseReleased[caseID] else {
            return RowRejection(column: "case_id", reason: references.missingReason(.cases, column: "case_id", key: caseID))
        }
        if requireRelease && !released {
            return RowRejection(column: "case_id", reason: "case \(caseID) has no release_date, so it cannot have a release outcome")
        }
        return nil
    }

    private func checkStaff(required: Bool) -> RowRejection? {
        guard let staffID = text("staff_id") else { return nil }
        if references.staffRoles[staffID] == nil {
            return RowRejection(column: "staff_id", reason: references.missingReason(.staff, column: "staff_id", key: staffID))
        }
        return nil
    }

    /// ISO dates compare correctly as text.
    private func checkOrder(_ first: String, _ second: String) -> RowRejection? {
        guard let start = text(first), let end = text(second) else { return nil }
        if end < start {
            return RowRejection(column: second, reason: "\(second) \(end) is before \(first) \(start)")
        }
        return nil
    }

    /// Tab-separated COPY text: backslash, tab, newline and carriage return escaped; NULL is \N.
    private func encodeCopyLine(lineNumber: Int) {
        copyLine.removeAll(keepingCapacity: true)
        for column in 0..<schema.columns.count {
            if column > 0 { copyLine.append(0x09) }
            guard let span = spans[column] else {
                copyLine.append(UInt8(ascii: "\\"))
                copyLine.append(UInt8(ascii: "N"))
                continue
            }
            for index in span {
                let byte = values[index]
                switch byte {
                case UInt8(ascii: "\\"): copyLine.append(UInt8(ascii: "\\")); copyLine.append(UInt8(ascii: "\\"))
                case 0x09: copyLine.append(UInt8(ascii: "\\")); copyLine.append(UInt8(ascii: "t"))
                case 0x0A: copyLine.append(UInt8(ascii: "\\")); copyLine.append(UInt8(ascii: "n"))
                case 0x0D: copyLine.append(UInt8(ascii: "\\")); copyLine.append(UInt8(ascii: "r"))
                default: copyLine.append(byte)
                }
            }
        }
        copyLine.append(contentsOf: suffix)
        copyLine.append(contentsOf: String(lineNumber).utf8)
        copyLine.append(0x0A)
    }
}
