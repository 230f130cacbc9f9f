import ThroughcareCore

/// What a column may hold: the contract's column type (ThroughcareCore.ExtractContract).
typealias FieldKind = ContractColumnType

/// One column as the validator reads it, derived from `ContractColumn`.
struct ColumnRule: Sendable {
    static let maximumIdentifierCharacters = ExtractContract.maximumIdentifierCharacters
    static let maximumTextCharacters = ExtractContract.maximumTextCharacters

    let name: String
    let kind: FieldKind
    let required: Bool
    /// Value used when the field is empty (only `keywork_frequency_weeks`: 1).
    let defaultValue: String?

    init(_ column: ContractColumn) {
        name = column.name
        kind = column.type
        required = column.required
        defaultValue = column.defaultValue
    }
}

/// One contract file as ingest validates it: its columns in staging order, its key, its
/// references and row rules — all derived from `ExtractContract` once, at start-up.
struct EntitySchema: Sendable {
    let entity: ContractEntity
    let contract: EntityContract
    let columns: [ColumnRule]
    /// Columns whose values together identify a row (duplicates: the first occurrence wins).
    let keyColumns: [String]

    var stagingTable: String { contract.stagingTable }

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

    init(_ contract: EntityContract) {
        entity = contract.entity
        self.contract = contract
        columns = contract.columns.map(ColumnRule.init)
        keyColumns = contract.key
    }

    private static let all: [EntitySchema] = ExtractContract.entities.map(EntitySchema.init)

    static func forEntity(_ entity: ContractEntity) -> EntitySchema {
        all[ContractEntity.allCases.firstIndex(of: entity)!]
    }
}
