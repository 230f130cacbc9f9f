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
            for row in try connection.query("select establishment_code from staging.establishments").rows {
                index.establishments.insert(row[0]!)
            }
        }
        if needed.contains(.staff) {
            for row in try connection.query("select staff_id, role from staging.staff").rows {
                index.staffRoles[row[0]!] = row[1]!
            }
        }
        if needed.contains(.cases) {
            for row in try connection.query("select case_id, release_date is not null from staging.cases").rows {
                index.caseReleased[row[0]!] = row[1] == "t"
            }
        }
        index.caseIDs = ByteKeySet(index.caseReleased.keys)
        index.staffIDs = ByteKeySet(index.staffRoles.keys)
        for reference in needed {
            let rows = try connection.query("""
                select distinct on (r.key_value) r.key_value, r.file, r.line_number
                from ingest.rejects r
                join ingest.batch_files f on f.batch_id = r.batch_id and f.file = r.file
                where r.batch_id = \(batchID) and f.entity = \(reference.rawValue) and r.key_value is not null
                order by r.key_value, r.line_number
                """).rows
            var keys: [String: String] = [:]
            for row in rows { keys[row[0]!] = "\(row[1]!) line \(row[2]!)" }
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
