import ThroughcareCore

/// What a column may hold, as the contract states it.
enum FieldKind: Sendable {
    /// Free text (a name, a region): trimmed, at most `ColumnRule.maximumTextCharacters`.
    case text
    /// A key or a reference to one (case_id, staff_id, …): trimmed, at most
    /// `ColumnRule.maximumIdentifierCharacters`.
    case identifier
    /// A contract code: matched lower-case and trimmed, stored lower-case.
    case code([String])
    /// 2–5 upper-case letters/digits, e.g. `LEI`.
    case establishmentCode
    /// ISO `YYYY-MM-DD`.
    case date
    /// ISO 8601 date and time, with `Z`, an offset, or none (Europe/London local time).
    case timestamp
    /// A whole number within the range.
    case integer(ClosedRange<Int>)
    /// A decimal in (0, 1].
    case fte
    /// true/false, t/f, 1/0, yes/no in any case; stored as t/f.
    case boolean
}

struct ColumnRule: Sendable {
    /// Identifiers end up in primary keys and btree indexes (core.*); 64 characters is far above
    /// any real id and keeps every index entry small.
    static let maximumIdentifierCharacters = 64
    /// Free text is indexed too (core.establishments by prison_group and probation_region):
    /// 500 characters is at most 2,000 bytes of UTF-8, under PostgreSQL's btree entry limit of
    /// 2,704 bytes, so no accepted value can make a transform fail.
    static let maximumTextCharacters = 500

    let name: String
    let kind: FieldKind
    let required: Bool
    /// Value used when the field is empty (only `keywork_frequency_weeks`: 1).
    let defaultValue: String?

    init(_ name: String, _ kind: FieldKind, required: Bool = true, default defaultValue: String? = nil) {
        self.name = name
        self.kind = kind
        self.required = required
        self.defaultValue = defaultValue
    }
}

/// One contract file: its columns in staging order and its key.
struct EntitySchema: Sendable {
    let entity: ContractEntity
    let columns: [ColumnRule]
    /// Columns whose values together identify a row (duplicates: the first occurrence wins).
    let keyColumns: [String]

    var stagingTable: String { "staging." + entity.rawValue }

    /// Whether every column has a binary COPY form (all but `fte`'s numeric do).
    var supportsBinaryCopy: Bool {
        columns.allSatisfy { RowValidator.BinaryKind($0.kind) != .unsupported }
    }

    /// Whether any column is a timestamp, which binary COPY converts with `LondonDayOffsets`.
    var hasTimestamps: Bool {
        columns.contains { if case .timestamp = $0.kind { return true } else { return false } }
    }

    func columnIndex(_ name: String) -> Int {
        columns.firstIndex { $0.name == name }!
    }

    static func forEntity(_ entity: ContractEntity) -> EntitySchema {
        switch entity {
        case .establishments:
            return EntitySchema(entity: entity, columns: [
                ColumnRule("establishment_code", .establishmentCode),
                ColumnRule("name", .text),
                ColumnRule("establishment_type", .code(ContractCodes.establishmentTypes)),
                ColumnRule("operator", .code(ContractCodes.operators)),
                ColumnRule("prison_group", .text),
                ColumnRule("probation_region", .text),
                ColumnRule("keywork_frequency_weeks", .integer(1...52), required: false, default: "1"),
            ], keyColumns: ["establishment_code"])
        case .staff:
            return EntitySchema(entity: entity, columns: [
                ColumnRule("staff_id", .identifier),
                ColumnRule("role", .code(ContractCodes.staffRoles)),
                ColumnRule("establishment_code", .identifier, required: false),
                ColumnRule("probation_region", .text, required: false),
                ColumnRule("fte", .fte),
                ColumnRule("start_date", .date),
                ColumnRule("end_date", .date, required: false),
            ], keyColumns: ["staff_id"])
        case .cases:
            return EntitySchema(entity: entity, columns: [
                ColumnRule("case_id", .identifier),
                ColumnRule("prisoner_id", .identifier),
                ColumnRule("establishment_code", .identifier),
                ColumnRule("sentence_type", .code(ContractCodes.sentenceTypes)),
                ColumnRule("sentence_start_date", .date),
                ColumnRule("expected_release_date", .date, required: false),
                ColumnRule("parole_eligibility_date", .date, required: false),
                ColumnRule("release_date", .date, required: false),
                ColumnRule("tier", .code(ContractCodes.tiers), required: false),
                ColumnRule("rosh", .code(ContractCodes.rosh)),
                ColumnRule("mappa_level", .integer(0...3)),
                ColumnRule("release_region", .text, required: false),
            ], keyColumns: ["case_id"])
        case .allocations:
            return EntitySchema(entity: entity, columns: [
                ColumnRule("case_id", .identifier),
                ColumnRule("staff_id", .identifier),
                ColumnRule("role", .code(ContractCodes.allocationRoles)),
                ColumnRule("start_date", .date),
                ColumnRule("end_date", .date, required: false),
            ], keyColumns: ["case_id", "staff_id", "role", "start_date"])
        case .contacts:
            return EntitySchema(entity: entity, columns: [
                ColumnRule("contact_id", .identifier),
                ColumnRule("case_id", .identifier),
                ColumnRule("staff_id", .identifier),
                ColumnRule("contact_type", .code(ContractCodes.contactTypes)),
                ColumnRule("contact_at", .timestamp),
                ColumnRule("channel", .code(ContractCodes.channels)),
                ColumnRule("outcome", .code(ContractCodes.outcomes)),
                ColumnRule("duration_minutes", .integer(0...1440), required: false),
            ], keyColumns: ["contact_id"])
        case .assessments:
            return EntitySchema(entity: entity, columns: [
                ColumnRule("assessment_id", .identifier),
                ColumnRule("case_id", .identifier),
                ColumnRule("kind", .code(ContractCodes.assessmentKinds)),
                ColumnRule("completed_date", .date),
                ColumnRule("staff_id", .identifier, required: false),
            ], keyColumns: ["assessment_id"])
        case .releaseOutcomes:
            return EntitySchema(entity: entity, columns: [
                ColumnRule("case_id", .identifier),
                ColumnRule("accommodation", .code(ContractCodes.accommodation)),
                ColumnRule("has_id", .boolean),
                ColumnRule("has_bank_account", .boolean),
                ColumnRule("ete_arranged", .boolean),
            ], keyColumns: ["case_id"])
        }
    }
}
