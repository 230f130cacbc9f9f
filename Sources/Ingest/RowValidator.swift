import ThroughcareCore

/// A row ingest refuses: which column broke which rule.
struct RowRejection {
    var column: String?
    var reason: String
}

/// Checks one file's records against the contract and encodes good rows for COPY (binary, or text
/// for the rows and files binary COPY does not carry).
/// Header positions are resolved once; per row it works on bytes and allocates only the few
/// strings a reference check needs.
final class RowValidator {
    let schema: EntitySchema
    /// The schema's columns in memory the validator owns, so the per-row loop reads rules in
    /// place instead of copying (and reference counting) them.
    private let columns: UnsafeMutableBufferPointer<ColumnRule>
    let references: ReferenceIndex
    /// For each schema column, its position in the file's header (nil: optional and absent).
    let sourceIndex: [Int?]
    let fieldCount: Int
    /// Accepted codes per column, as lower-case bytes (nil for columns that are not codes).
    private let codeLists: [[[UInt8]]?]
    private let columnIndex: [String: Int]
    private let keyColumns: [Int]
    private let suffix: [UInt8]
    private let batchID: Int64
    /// How each column travels in binary COPY.
    private let binaryKinds: [BinaryKind]
    /// Converted timestamps of the current row, by column, between the check and the write.
    private var timestampValues: [Int64]
    /// Where a binary tuple is assembled before it joins the send buffer.
    private var tupleScratch = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 8)
    private var tupleCapacity = 4096

    /// Normalised values of the current row, unescaped, and where each column's value sits.
    private var values: [UInt8] = []
    /// A composite key's bytes, rebuilt per row without allocating.
    private var keyScratch: [UInt8] = []
    private var spans: [Range<Int>?]
    /// Scratch space for quoted fields whose `""` pairs must be collapsed.
    private var unescaped = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 4096)
    /// The contract's references and row rules, resolved to column positions once.
    private let rowRules: [CheckedRule]

    init(schema: EntitySchema, header: [String], references: ReferenceIndex, batchID: Int64) {
        self.schema = schema
        columns = .allocate(capacity: schema.columns.count)
        _ = columns.initialize(from: schema.columns)
        self.references = references
        fieldCount = header.count
        sourceIndex = schema.columns.map { column in header.firstIndex(of: column.name) }
        codeLists = schema.columns.map { column in
            if case let .code(list) = column.kind { return list.map { Array($0.utf8) } }
            return nil
        }
        columnIndex = Dictionary(uniqueKeysWithValues: schema.columns.enumerated().map { ($0.element.name, $0.offset) })
        keyColumns = schema.keyColumns.map { schema.columnIndex($0) }
        rowRules = Self.checkedRules(schema)
        spans = Array(repeating: nil, count: schema.columns.count)
        suffix = Array("\t\(batchID)\t".utf8)
        self.batchID = batchID
        binaryKinds = schema.columns.map { BinaryKind($0.kind) }
        timestampValues = Array(repeating: 0, count: schema.columns.count)
        values.reserveCapacity(512)
    }

    deinit {
        unescaped.deallocate()
        tupleScratch.deallocate()
        columns.deinitialize()
        columns.deallocate()
    }

    /// The value of a column in the current row, as normalised (nil for NULL).
    func text(_ column: Int) -> String? {
        guard let span = spans[column] else { return nil }
        return String(decoding: values[span], as: UTF8.self)
    }

    func text(_ name: String) -> String? { text(columnIndex[name]!) }

    /// The current good row's key, normalised. A composite key is each column's byte count,
    /// `:`, then its bytes, column after column, so ("K|X", "S1") and ("K", "X|S1") stay apart;
    /// `ingest.key_text` (sql/010_staging/090_ingest_api.sql) builds the same bytes in SQL.
    func withKeyBytes(_ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        if keyColumns.count == 1, let span = spans[keyColumns[0]] {
            values.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[span])) }
            return
        }
        keyScratch.removeAll(keepingCapacity: true)
        for column in keyColumns {
            let span = spans[column] ?? 0..<0
            Self.appendDecimal(span.count, to: &keyScratch)
            keyScratch.append(UInt8(ascii: ":"))
            keyScratch.append(contentsOf: values[span])
        }
        keyScratch.withUnsafeBufferPointer(body)
    }

    /// The row's key as far as it could be read, for the rejects table.
    func keyValue(reader: CSVRecordReader) -> String? {
        let parts = schema.keyColumns.map { name -> String? in
            let column = schema.columnIndex(name)
            guard let source = sourceIndex[column], source < reader.fields.count else { return nil }
            let bytes = FieldValidation.trimmed(field(reader, source))
            // An over-long id cannot be referred to (the reference is refused too), and it would
            // only bloat ingest.rejects.
            guard !bytes.isEmpty, bytes.count <= 4 * ColumnRule.maximumIdentifierCharacters,
                  FieldValidation.encodingProblem(bytes) == nil,
                  FieldValidation.characterCount(bytes) <= ColumnRule.maximumIdentifierCharacters else { return nil }
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

    /// Validates the reader's current record. Returns nil for a good row, which
    /// `encodeCopyLine` then writes.
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
        for column in 0..<columns.count {
            spans[column] = nil
            var bytes = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
            if let source = sourceIndex[column] {
                bytes = FieldValidation.trimmed(field(reader, source))
            }
            if bytes.isEmpty {
                let rule = columns[column]
                if let fallback = rule.defaultValue {
                    store(column, Array(fallback.utf8))
                    continue
                }
                if rule.required { return RowRejection(column: rule.name, reason: "\(rule.name) is required but empty") }
                continue
            }
            if let rejection = check(column: column, bytes: bytes) { return rejection }
        }
        return checkRowRules()
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

    private func check(column: Int, bytes: UnsafeBufferPointer<UInt8>) -> RowRejection? {
        let rule = columns.baseAddress! + column
        switch rule.pointee.kind {
        case .text:
            if let rejection = lengthRejection(rule.pointee.name, bytes, maximum: ColumnRule.maximumTextCharacters, what: "free text") {
                return rejection
            }
            store(column, bytes)
        case .identifier:
            if let rejection = lengthRejection(rule.pointee.name, bytes, maximum: ColumnRule.maximumIdentifierCharacters, what: "an identifier") {
                return rejection
            }
            store(column, bytes)
        case .code(let list):
            guard let code = Self.matchCode(bytes, in: codeLists[column]!) else {
                return RowRejection(column: rule.pointee.name, reason: "\(rule.pointee.name) \(quoted(bytes)) is not one of \(list.joined(separator: ", "))")
            }
            code.withUnsafeBufferPointer { store(column, $0) }
        case .establishmentCode:
            guard FieldValidation.isEstablishmentCode(bytes) else {
                return RowRejection(column: rule.pointee.name, reason: "\(rule.pointee.name) \(quoted(bytes)) must be 2–5 upper-case letters or digits, e.g. LEI")
            }
            store(column, bytes)
        case .date:
            guard FieldValidation.isDate(bytes) else {
                return RowRejection(column: rule.pointee.name, reason: "\(rule.pointee.name) \(quoted(bytes)) is not a date in the form YYYY-MM-DD")
            }
            store(column, bytes)
        case .timestamp:
            guard FieldValidation.isTimestamp(bytes) else {
                return RowRejection(column: rule.pointee.name, reason: "\(rule.pointee.name) \(quoted(bytes)) is not an ISO 8601 timestamp such as 2024-03-05T14:30:00Z")
            }
            store(column, bytes)
        case .integer(let range):
            guard let value = FieldValidation.integer(bytes) else {
                return RowRejection(column: rule.pointee.name, reason: "\(rule.pointee.name) \(quoted(bytes)) is not a whole number")
            }
            guard range.contains(value) else {
                return RowRejection(column: rule.pointee.name, reason: "\(rule.pointee.name) \(value) is outside \(range.lowerBound)–\(range.upperBound)")
            }
            store(column, bytes)
        case .fte:
            guard FieldValidation.isFTE(bytes) else {
                return RowRejection(column: rule.pointee.name, reason: "\(rule.pointee.name) \(quoted(bytes)) must be a number greater than 0 and at most 1")
            }
            store(column, bytes)
        case .boolean:
            guard let value = FieldValidation.boolean(bytes) else {
                return RowRejection(column: rule.pointee.name, reason: "\(rule.pointee.name) \(quoted(bytes)) is not true/false (t/f, 1/0, yes/no)")
            }
            store(column, value ? [UInt8(ascii: "t")] : [UInt8(ascii: "f")])
        }
        return nil
    }

    /// A value longer than its column allows: named by column and length, never quoted (it could
    /// be anything). The byte count is checked first: characters are counted only when the
    /// bytes already exceed the limit, so the common row pays one comparison.
    @inline(__always)
    private func lengthRejection(_ name: String, _ bytes: UnsafeBufferPointer<UInt8>, maximum: Int, what: String) -> RowRejection? {
        guard bytes.count > maximum else { return nil }
        let characters = FieldValidation.characterCount(bytes)
        guard characters > maximum else { return nil }
        return RowRejection(column: name, reason: "\(name) has \(characters) characters, more than the \(maximum) allowed for \(what)")
    }

    /// The accepted code equal to `bytes` ignoring ASCII case, without allocating.
    @inline(__always)
    static func matchCode(_ bytes: UnsafeBufferPointer<UInt8>, in codes: [[UInt8]]) -> [UInt8]? {
        candidates: for code in codes where code.count == bytes.count {
            for index in 0..<bytes.count {
                var byte = bytes[index]
                if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { byte += 32 }
                if byte != code[index] { continue candidates }
            }
            return code
        }
        return nil
    }

    /// A contract row rule or reference, resolved to column positions once per file.
    enum CheckedRule {
        /// The value of `column` (when given) must exist in `entity`.
        case reference(column: Int, entity: ContractEntity)
        /// `column` is required when `codeColumn` holds one of `codes` (normalised code bytes).
        case requiredWhen(column: Int, codeColumn: Int, codes: [[UInt8]], condition: String)
        case notBefore(column: Int, earlier: Int)
        case roleFitsStaffRole(roleColumn: Int, staffColumn: Int)
        case caseReleased(column: Int)
    }

    /// The contract's references and row rules in the order they are checked: references of
    /// required columns (a value must exist before it is looked at further), the conditional
    /// requirements, references of optional columns, then the remaining rules in contract order.
    static func checkedRules(_ schema: EntitySchema) -> [CheckedRule] {
        let contract = schema.contract
        let index = { (name: String) in schema.columnIndex(name) }
        var requiredReferences: [CheckedRule] = []
        var optionalReferences: [CheckedRule] = []
        for (position, column) in contract.columns.enumerated() {
            guard let target = column.references else { continue }
            if column.required {
                requiredReferences.append(.reference(column: position, entity: target))
            } else {
                optionalReferences.append(.reference(column: position, entity: target))
            }
        }
        var conditional: [CheckedRule] = []
        var others: [CheckedRule] = []
        for rule in contract.rules {
            switch rule {
            case let .requiredWhen(column, codeColumn, codes, condition):
                conditional.append(.requiredWhen(column: index(column), codeColumn: index(codeColumn),
                                                 codes: codes.map { Array($0.utf8) }, condition: condition))
            case let .notBefore(column, earlier):
                others.append(.notBefore(column: index(column), earlier: index(earlier)))
            case let .allocationRoleFitsStaffRole(roleColumn, staffColumn):
                others.append(.roleFitsStaffRole(roleColumn: index(roleColumn), staffColumn: index(staffColumn)))
            case let .referencedCaseReleased(column):
                others.append(.caseReleased(column: index(column)))
            }
        }
        return requiredReferences + conditional + optionalReferences + others
    }

    /// Rules that involve several columns or other files.
    private func checkRowRules() -> RowRejection? {
        for rule in rowRules {
            if let rejection = check(rule) { return rejection }
        }
        return nil
    }

    private func check(_ rule: CheckedRule) -> RowRejection? {
        switch rule {
        case let .reference(column, entity):
            switch entity {
            case .cases: return checkCase(column)
            case .staff: return checkStaff(column)
            case .establishments:
                guard let code = text(column) else { return nil }
                if !references.establishments.contains(code) {
                    return RowRejection(column: columns[column].name,
                                        reason: references.missingReason(.establishments, column: columns[column].name, key: code))
                }
                return nil
            default:
                preconditionFailure("the contract refers only to establishments, staff and cases")
            }
        case let .requiredWhen(column, codeColumn, codes, condition):
            guard spans[column] == nil, let codeSpan = spans[codeColumn] else { return nil }
            let applies = values.withUnsafeBufferPointer { values in
                codes.contains { $0.elementsEqual(UnsafeBufferPointer(rebasing: values[codeSpan])) }
            }
            guard applies else { return nil }
            let name = columns[column].name
            let code = text(codeColumn)!
            return RowRejection(column: name, reason: "\(name) is required \(condition.replacing("{code}", with: code))")
        case let .notBefore(column, earlier):
            return checkOrder(earlier, column)
        case let .roleFitsStaffRole(roleColumn, staffColumn):
            let staffID = text(staffColumn)!
            guard let staffRole = references.staffRoles[staffID] else {
                return RowRejection(column: columns[staffColumn].name,
                                    reason: references.missingReason(.staff, column: columns[staffColumn].name, key: staffID))
            }
            let role = text(roleColumn)!
            let allowed = ContractCodes.staffRoles(forAllocationRole: role)
            if !allowed.contains(staffRole) {
                return RowRejection(column: columns[roleColumn].name, reason: "role \(role) does not agree with staff \(staffID)'s role \(staffRole) (a \(role) allocation needs \(allowed.joined(separator: " or ")))")
            }
            return nil
        case let .caseReleased(column):
            let caseID = text(column)!
            guard let released = references.caseReleased[caseID] else {
                return RowRejection(column: columns[column].name, reason: references.missingReason(.cases, column: columns[column].name, key: caseID))
            }
            if !released {
                return RowRejection(column: columns[column].name, reason: "case \(caseID) has no release_date, so it cannot have a release outcome")
            }
            return nil
        }
    }

    /// Whether the current row's value of `column` is in `keys`, compared as bytes.
    private func value(_ column: Int, isIn keys: ByteKeySet) -> Bool {
        guard let span = spans[column] else { return false }
        return values.withUnsafeBufferPointer { keys.contains(UnsafeBufferPointer(rebasing: $0[span])) }
    }

    private func checkCase(_ column: Int) -> RowRejection? {
        if value(column, isIn: references.caseIDs) { return nil }
        guard let caseID = text(column) else { return nil }
        if references.caseReleased[caseID] == nil {
            return RowRejection(column: columns[column].name, reason: references.missingReason(.cases, column: columns[column].name, key: caseID))
        }
        return nil
    }

    private func checkStaff(_ column: Int) -> RowRejection? {
        if value(column, isIn: references.staffIDs) { return nil }
        guard let staffID = text(column) else { return nil }
        if references.staffRoles[staffID] == nil {
            return RowRejection(column: columns[column].name, reason: references.missingReason(.staff, column: columns[column].name, key: staffID))
        }
        return nil
    }

    /// ISO dates compare correctly as text.
    private func checkOrder(_ first: Int, _ second: Int) -> RowRejection? {
        guard let start = text(first), let end = text(second) else { return nil }
        if end < start {
            let firstName = columns[first].name, secondName = columns[second].name
            return RowRejection(column: secondName, reason: "\(secondName) \(end) is before \(firstName) \(start)")
        }
        return nil
    }

    /// Appends the validated row as a tab-separated COPY text line: backslash, tab, newline and
    /// carriage return escaped; NULL is \N; then batch_id and the line number.
    func encodeCopyLine(lineNumber: Int, into line: inout [UInt8]) {
        values.withUnsafeBufferPointer { values in
            for column in 0..<spans.count {
                if column > 0 { line.append(0x09) }
                guard let span = spans[column] else {
                    line.append(UInt8(ascii: "\\"))
                    line.append(UInt8(ascii: "N"))
                    continue
                }
                let value = UnsafeBufferPointer(rebasing: values[span])
                if !value.contains(where: { $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
                    line.append(contentsOf: value)
                    continue
                }
                for byte in value {
                    switch byte {
                    case UInt8(ascii: "\\"): line.append(UInt8(ascii: "\\")); line.append(UInt8(ascii: "\\"))
                    case 0x09: line.append(UInt8(ascii: "\\")); line.append(UInt8(ascii: "t"))
                    case 0x0A: line.append(UInt8(ascii: "\\")); line.append(UInt8(ascii: "n"))
                    case 0x0D: line.append(UInt8(ascii: "\\")); line.append(UInt8(ascii: "r"))
                    default: line.append(byte)
                    }
                }
            }
        }
        line.append(contentsOf: suffix)
        Self.appendDecimal(lineNumber, to: &line)
        line.append(0x0A)
    }

    /// Appends the validated row as one binary COPY tuple, then batch_id and the line number.
    /// Returns false, having written nothing, when a value should be read by the server's own
    /// parser (see `BinaryCopyFormat`); the caller then sends the row as text.
    func encodeBinaryRow(lineNumber: Int, localOffsets: LondonDayOffsets?, into buffer: inout [UInt8]) -> Bool {
        values.withUnsafeBufferPointer { values in
            for column in 0..<spans.count where binaryKinds[column] == .timestamp {
                guard let span = spans[column] else { continue }
                guard let value = BinaryCopyFormat.timestampValue(UnsafeBufferPointer(rebasing: values[span]), localOffsets: localOffsets) else {
                    return false
                }
                timestampValues[column] = value
            }
            // Every field at most 4 length bytes plus 8 value bytes or its text, and the two lineage columns.
            let bound = 2 + (spans.count + 2) * 12 + values.count
            if bound > tupleCapacity {
                tupleScratch.deallocate()
                tupleCapacity = bound * 2
                tupleScratch = .allocate(byteCount: tupleCapacity, alignment: 8)
            }
            var tuple = TupleWriter(into: tupleScratch)
            tuple.put(Int16(spans.count + 2))
            for column in 0..<spans.count {
                guard let span = spans[column] else {
                    tuple.put(Int32(-1))
                    continue
                }
                let value = UnsafeBufferPointer(rebasing: values[span])
                switch binaryKinds[column] {
                case .bytes:
                    tuple.put(Int32(value.count))
                    tuple.put(value)
                case .date:
                    tuple.put(Int32(4))
                    tuple.put(BinaryCopyFormat.dateValue(value))
                case .timestamp:
                    tuple.put(Int32(8))
                    tuple.put(timestampValues[column])
                case .integer:
                    tuple.put(Int32(4))
                    tuple.put(BinaryCopyFormat.integerValue(value))
                case .boolean:
                    tuple.put(Int32(1))
                    tuple.put(UInt8(value[0] == UInt8(ascii: "t") ? 1 : 0))
                case .unsupported:
                    preconditionFailure("binary COPY of a column without a binary form")
                }
            }
            tuple.put(Int32(8))
            tuple.put(batchID)
            tuple.put(Int32(8))
            tuple.put(Int64(lineNumber))
            buffer.append(contentsOf: UnsafeRawBufferPointer(start: tupleScratch, count: tuple.count))
            return true
        }
    }

    /// A column's binary form: text-like values are sent as their bytes.
    enum BinaryKind: Equatable {
        case bytes, date, timestamp, integer, boolean
        /// `numeric` (fte): a file with such a column is sent as text.
        case unsupported

        init(_ kind: FieldKind) {
            switch kind {
            case .text, .identifier, .code, .establishmentCode: self = .bytes
            case .date: self = .date
            case .timestamp: self = .timestamp
            case .integer: self = .integer
            case .boolean: self = .boolean
            case .fte: self = .unsupported
            }
        }
    }

    private static func appendDecimal(_ value: Int, to line: inout [UInt8]) {
        if value >= 10 { appendDecimal(value / 10, to: &line) }
        line.append(UInt8(ascii: "0") + UInt8(value % 10))
    }
}
