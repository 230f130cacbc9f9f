// The extract contract (shared/spec/data-contract.md, format v1), stated once.
//
// Derived from it: Ingest's validation schema (EntitySchema, RowValidator's code tables and row
// rules), the generator's headers and code values, `docs/contract.md` (`throughcare contract
// --markdown`, checked by a test), and checked against it by tests: the staging DDL
// (sql/010_staging/020_tables.sql, loaded into a real database and compared with
// information_schema.columns) and quality.allocation_role_mismatches.

/// The contract's files, in reference order: a file only refers to files before it.
public enum ContractEntity: String, CaseIterable, Sendable {
    case establishments, staff, cases, allocations, contacts, assessments, releaseOutcomes = "release_outcomes"

    public var fileStem: String { rawValue }
    public var csvFileName: String { rawValue + ".csv" }

    /// Entities whose rows this entity's rows refer to (from the contract's references).
    public var references: [ContractEntity] { ExtractContract.entity(self).referencedEntities }

    /// The contract of this file.
    public var contract: EntityContract { ExtractContract.entity(self) }
}

/// What a column may hold.
public enum ContractColumnType: Sendable, Equatable {
    /// Free text (a name, a region): at most `ExtractContract.maximumTextCharacters`.
    case text
    /// A key or a reference to one (case_id, staff_id, …): at most
    /// `ExtractContract.maximumIdentifierCharacters`.
    case identifier
    /// A contract code: one of the list (any case, trimmed on input; stored lower-case).
    case code([String])
    /// 2–5 upper-case letters/digits, e.g. `LEI`.
    case establishmentCode
    /// ISO `YYYY-MM-DD`, a real calendar day.
    case date
    /// ISO 8601 date and time, with `Z`, an offset, or none (Europe/London local time).
    case timestamp
    /// A whole number within the range.
    case integer(ClosedRange<Int>)
    /// A decimal in (0, 1] (staff full-time equivalent).
    case fte
    /// true/false, t/f, 1/0, yes/no in any case.
    case boolean

    /// A code column of the given list.
    public static func code<Code: ContractCode>(_ list: Code.Type) -> ContractColumnType { .code(list.codes) }

    /// The column's type in the staging table.
    public var postgresType: String {
        switch self {
        case .text, .identifier, .code, .establishmentCode: return "text"
        case .date: return "date"
        case .timestamp: return "timestamp with time zone"
        case .integer: return "integer"
        case .fte: return "numeric"
        case .boolean: return "boolean"
        }
    }

    /// The type as the contract's tables name it.
    public var contractName: String {
        switch self {
        case .text, .identifier, .establishmentCode: return "text"
        case .code: return "code"
        case .date: return "date"
        case .timestamp: return "timestamp"
        case .integer: return "int"
        case .fte: return "decimal"
        case .boolean: return "bool"
        }
    }

    /// The most characters a value may have, where the type does not bound it already.
    public var maximumCharacters: Int? {
        switch self {
        case .text: return ExtractContract.maximumTextCharacters
        case .identifier: return ExtractContract.maximumIdentifierCharacters
        default: return nil
        }
    }
}

public struct ContractColumn: Sendable, Equatable {
    public let name: String
    public let type: ContractColumnType
    /// Whether an empty value rejects the row (a column may also be required only for some rows:
    /// see `ContractRowRule.requiredWhen`).
    public let required: Bool
    /// Value stored when the field is empty or the column absent.
    public let defaultValue: String?
    /// The entity whose key this column refers to; the value must exist there.
    public let references: ContractEntity?
    /// What the value means, where the name does not say (for the contract's documentation).
    public let note: String?

    public init(_ name: String, _ type: ContractColumnType, required: Bool = true, default defaultValue: String? = nil,
                references: ContractEntity? = nil, note: String? = nil) {
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.references = references
        self.note = note
    }

    /// Whether the staging column may be NULL: an optional column without a default.
    public var nullable: Bool { !required && defaultValue == nil }
}

/// A rule over several columns of a row (or over a referenced row).
public enum ContractRowRule: Sendable, Equatable {
    /// `column` must have a value when `codeColumn` holds one of `codes`. The reason reads
    /// "`column` is required `condition`", with `{code}` replaced by the row's code.
    case requiredWhen(column: String, codeColumn: String, codes: [String], condition: String)
    /// `column`, when given, is on or after `earlier` (dates).
    case notBefore(column: String, earlier: String)
    /// The allocation role in `roleColumn` is one the staff member in `staffColumn` may hold
    /// (`AllocationRole.staffRoles`).
    case allocationRoleFitsStaffRole(roleColumn: String, staffColumn: String)
    /// The case `column` refers to has a release_date.
    case referencedCaseReleased(column: String)
}

/// One file of the contract: its columns in staging order, its key and its rules.
public struct EntityContract: Sendable {
    public let entity: ContractEntity
    /// What one row is, for the documentation.
    public let summary: String
    public let columns: [ContractColumn]
    /// Columns whose values together identify a row (duplicates: the first occurrence wins).
    public let key: [String]
    /// Whether the contract itself declares the key (allocations has none: we chose one).
    public let keyDeclared: Bool
    public let rules: [ContractRowRule]

    public var stagingTable: String { "staging." + entity.rawValue }

    public func column(_ name: String) -> ContractColumn? { columns.first { $0.name == name } }

    /// Entities referred to by a column, in column order, each once.
    public var referencedEntities: [ContractEntity] {
        var seen: [ContractEntity] = []
        for column in columns { if let target = column.references, !seen.contains(target) { seen.append(target) } }
        return seen
    }
}

public enum ExtractContract {
    /// The extract format version this describes.
    public static let formatVersion = 1
    /// Identifiers end up in primary keys and btree indexes (core.*); 64 characters is far above
    /// any real id and keeps every index entry small.
    public static let maximumIdentifierCharacters = 64
    /// Free text is indexed too (core.establishments by prison_group and probation_region): 500
    /// characters is at most 2,000 bytes of UTF-8, under PostgreSQL's btree entry limit of 2,704
    /// bytes, so no accepted value can make a transform fail.
    public static let maximumTextCharacters = 500
    /// Columns every staging table carries after the contract's: the ingest batch and the
    /// physical line of the row in its file.
    public static let lineageColumns: [(name: String, postgresType: String)] = [("batch_id", "bigint"), ("line_number", "bigint")]

    public static func entity(_ entity: ContractEntity) -> EntityContract {
        entities[ContractEntity.allCases.firstIndex(of: entity)!]
    }

    /// Every file, in `ContractEntity.allCases` (reference) order.
    public static let entities: [EntityContract] = [
        EntityContract(entity: .establishments, summary: "one row per prison", columns: [
            ContractColumn("establishment_code", .establishmentCode, note: "e.g. `LEI`"),
            ContractColumn("name", .text),
            ContractColumn("establishment_type", .code(EstablishmentType.self)),
            ContractColumn("operator", .code(EstablishmentOperator.self)),
            ContractColumn("prison_group", .text),
            ContractColumn("probation_region", .text, note: "the region the prison sits in"),
            ContractColumn("keywork_frequency_weeks", .integer(1...52), required: false, default: "1",
                           note: "expected weeks between keywork sessions"),
        ], key: ["establishment_code"], keyDeclared: true, rules: []),

        EntityContract(entity: .staff, summary: "one row per member of staff", columns: [
            ContractColumn("staff_id", .identifier),
            ContractColumn("role", .code(StaffRole.self)),
            ContractColumn("establishment_code", .identifier, required: false, references: .establishments),
            ContractColumn("probation_region", .text, required: false),
            ContractColumn("fte", .fte),
            ContractColumn("start_date", .date),
            ContractColumn("end_date", .date, required: false, note: "the last day in post"),
        ], key: ["staff_id"], keyDeclared: true, rules: [
            .requiredWhen(column: "probation_region", codeColumn: "role", codes: [StaffRole.com.code], condition: "for a {code}"),
            .requiredWhen(column: "establishment_code", codeColumn: "role",
                          codes: StaffRole.allCases.filter { $0 != .com }.map(\.code), condition: "for role {code}"),
            .notBefore(column: "end_date", earlier: "start_date"),
        ]),

        EntityContract(entity: .cases, summary: "one row per custodial episode", columns: [
            ContractColumn("case_id", .identifier),
            ContractColumn("prisoner_id", .identifier, note: "e.g. `A1234BC` (a prisoner can have several episodes)"),
            ContractColumn("establishment_code", .identifier, references: .establishments,
                           note: "the prison holding the case (v1 ignores transfers)"),
            ContractColumn("sentence_type", .code(SentenceType.self)),
            ContractColumn("sentence_start_date", .date, note: "first day in custody for this episode"),
            ContractColumn("expected_release_date", .date, required: false,
                           note: "conditional / automatic release date; for `indeterminate` the tariff expiry date"),
            ContractColumn("parole_eligibility_date", .date, required: false, note: "the parole eligibility date (PED)"),
            ContractColumn("release_date", .date, required: false, note: "actual release; empty while in custody"),
            ContractColumn("tier", .code(Tier.self), required: false, note: "probation tier"),
            ContractColumn("rosh", .code(RiskOfSeriousHarm.self), note: "risk of serious harm"),
            ContractColumn("mappa_level", .integer(0...3), note: "0 (none), 1, 2, 3"),
            ContractColumn("release_region", .text, required: false, note: "probation region the person is released to"),
        ], key: ["case_id"], keyDeclared: true, rules: [
            .requiredWhen(column: "expected_release_date", codeColumn: "sentence_type",
                          codes: [SentenceType.determinate.code, SentenceType.recall.code], condition: "for a {code} sentence"),
            .notBefore(column: "release_date", earlier: "sentence_start_date"),
        ]),

        EntityContract(entity: .allocations, summary: "who held the case, when", columns: [
            ContractColumn("case_id", .identifier, references: .cases),
            ContractColumn("staff_id", .identifier, references: .staff),
            ContractColumn("role", .code(AllocationRole.self)),
            ContractColumn("start_date", .date),
            ContractColumn("end_date", .date, required: false, note: "last day of the allocation"),
        ], key: ["case_id", "staff_id", "role", "start_date"], keyDeclared: false, rules: [
            .allocationRoleFitsStaffRole(roleColumn: "role", staffColumn: "staff_id"),
            .notBefore(column: "end_date", earlier: "start_date"),
        ]),

        EntityContract(entity: .contacts, summary: "every recorded contact (the big file)", columns: [
            ContractColumn("contact_id", .identifier),
            ContractColumn("case_id", .identifier, references: .cases),
            ContractColumn("staff_id", .identifier, references: .staff),
            ContractColumn("contact_type", .code(ContactType.self)),
            ContractColumn("contact_at", .timestamp, note: "no offset: Europe/London local time"),
            ContractColumn("channel", .code(ContactChannel.self)),
            ContractColumn("outcome", .code(ContactOutcome.self)),
            ContractColumn("duration_minutes", .integer(0...1440), required: false),
        ], key: ["contact_id"], keyDeclared: true, rules: []),

        EntityContract(entity: .assessments, summary: "OASys assessments and plans", columns: [
            ContractColumn("assessment_id", .identifier),
            ContractColumn("case_id", .identifier, references: .cases),
            ContractColumn("kind", .code(AssessmentKind.self)),
            ContractColumn("completed_date", .date),
            ContractColumn("staff_id", .identifier, required: false, references: .staff),
        ], key: ["assessment_id"], keyDeclared: true, rules: []),

        EntityContract(entity: .releaseOutcomes, summary: "resettlement status on the day of release", columns: [
            ContractColumn("case_id", .identifier, references: .cases),
            ContractColumn("accommodation", .code(Accommodation.self)),
            ContractColumn("has_id", .boolean, note: "identification document on release"),
            ContractColumn("has_bank_account", .boolean),
            ContractColumn("ete_arranged", .boolean, note: "education, training or employment arranged"),
        ], key: ["case_id"], keyDeclared: true, rules: [
            .referencedCaseReleased(column: "case_id"),
        ]),
    ]

    /// Staff roles allowed for each allocation role, as `(allocation role, staff roles)` codes.
    public static var allocationStaffRoles: [(allocationRole: String, staffRoles: [String])] {
        AllocationRole.allCases.map { ($0.code, $0.staffRoles.map(\.code)) }
    }
}
