import PostgresClient
import ThroughcareCore

/// The keys a file may refer to: rows already in staging (this extract's earlier files or an
/// earlier load) and the keys this batch rejected, so a row pointing at a rejected row can say so.
/// Only the small entities are held (establishments, staff, cases), never contacts.
struct ReferenceIndex {
    var establishments: Set<String> = []
    /// staff_id → staff role.
    var staffRoles: [String: String] = [:]
    /// case_id → whether the case has a release date.
    var caseReleased: [String: Bool] = [:]
    /// The same case and staff ids, for byte-level look-ups on the hot path.
    var caseIDs = ByteKeySet([String]())
    var staffIDs = ByteKeySet([String]())
    /// entity → key → where this batch rejected it ("cases.csv line 14").
    var rejected: [ContractEntity: [String: String]] = [:]

    static func load(for entity: ContractEntity, batchID: Int64, connection: PostgresConnection) throws -> ReferenceIndex {
        var index = ReferenceIndex()
        let needed = Set(entity.references)
        if needed.contains(.establishments) {
            for row in try connection.call("ingest.reference_establishments").rows {
                index.establishments.insert(try row["establishment_code", as: String.self])
            }
        }
        if needed.contains(.staff) {
            for row in try connection.call("ingest.reference_staff").rows {
                index.staffRoles[try row["staff_id", as: String.self]] = try row["role", as: String.self]
            }
        }
        if needed.contains(.cases) {
            for row in try connection.call("ingest.reference_cases").rows {
                index.caseReleased[try row["case_id", as: String.self]] = try row["released", as: Bool.self]
            }
        }
        index.caseIDs = ByteKeySet(index.caseReleased.keys)
        index.staffIDs = ByteKeySet(index.staffRoles.keys)
        for reference in needed {
            var keys: [String: String] = [:]
            for row in try connection.call("ingest.rejected_keys", batchID, reference.rawValue).rows {
                keys[try row["key_value", as: String.self]] = "\(try row["file", as: String.self]) line \(try row["line_number", as: Int64.self])"
            }
            index.rejected[reference] = keys
        }
        return index
    }

    /// Why `key` of `entity` cannot be referred to ("case K1 was rejected at cases.csv line 14").
    func missingReason(_ entity: ContractEntity, column: String, key: String) -> String {
        let noun: String
        switch entity {
        case .establishments: noun = "establishment"
        case .staff: noun = "staff member"
        case .cases: noun = "case"
        default: noun = entity.rawValue
        }
        if let place = rejected[entity]?[key] {
            return "\(noun) \(key) was rejected at \(place)"
        }
        return "\(column) \"\(key)\" does not exist in \(entity.csvFileName) (this extract or an earlier load)"
    }
}
