import Foundation
import PostgresClient
import TestSupport
@testable import ThroughcareCore
import XCTest

/// The contract is stated once (ExtractContract.swift); what is not derived from it — the staging
/// DDL, the allocation role view, docs/contract.md — is checked against it here.
final class ExtractContractTests: XCTestCase {
    func testEntitiesAreInReferenceOrderAndNameOnlyTheirOwnColumns() {
        XCTAssertEqual(ExtractContract.entities.map(\.entity), ContractEntity.allCases)
        for entity in ExtractContract.entities {
            let names = entity.columns.map(\.name)
            XCTAssertEqual(Set(names).count, names.count, "\(entity.entity): a column named twice")
            for key in entity.key { XCTAssertTrue(names.contains(key), "\(entity.entity): key column \(key)") }
            for column in entity.columns {
                if let target = column.references {
                    XCTAssertLessThan(ContractEntity.allCases.firstIndex(of: target)!, ContractEntity.allCases.firstIndex(of: entity.entity)!,
                                      "\(entity.entity).\(column.name) refers to a file loaded later")
                }
            }
            for rule in entity.rules {
                let columns: [String]
                switch rule {
                case let .requiredWhen(column, codeColumn, codes, _):
                    columns = [column, codeColumn]
                    guard case let .code(list)? = entity.column(codeColumn)?.type else {
                        XCTFail("\(entity.entity): \(codeColumn) is not a code column"); continue
                    }
                    XCTAssertTrue(Set(codes).isSubset(of: list), "\(entity.entity): \(codes) not all in \(list)")
                case let .notBefore(column, earlier): columns = [column, earlier]
                case let .allocationRoleFitsStaffRole(roleColumn, staffColumn): columns = [roleColumn, staffColumn]
                case let .referencedCaseReleased(column): columns = [column]
                }
                for name in columns { XCTAssertNotNil(entity.column(name), "\(entity.entity): rule names \(name)") }
            }
        }
        XCTAssertEqual(ContractEntity.allocations.references, [.cases, .staff])
        XCTAssertEqual(ContractEntity.staff.references, [.establishments])
        XCTAssertEqual(ContractEntity.establishments.references, [])
    }

    func testAllocationRoleRule() {
        XCTAssertEqual(ContractCodes.staffRoles(forAllocationRole: "pom"), ["prison_pom", "probation_pom"])
        XCTAssertEqual(ContractCodes.staffRoles(forAllocationRole: "keyworker"), ["keyworker"])
        XCTAssertEqual(ContractCodes.staffRoles(forAllocationRole: "com"), ["com"])
        XCTAssertEqual(ContractCodes.staffRoles(forAllocationRole: "spo"), [])
        XCTAssertEqual(ContractCodes.allocationRoles, ["keyworker", "pom", "com"])
    }

    /// docs/contract.md is `throughcare contract --markdown`; regenerate it when this fails.
    func testDocsContractIsCurrent() throws {
        let url = repositoryRoot().appendingPathComponent("docs/contract.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertEqual(text, ExtractContract.markdown(),
                       "docs/contract.md is out of date: run `swift run throughcare contract --markdown > docs/contract.md`")
        // Spot checks that the generated text says what the contract says.
        XCTAssertTrue(text.contains("| role | code | required; `keyworker`, `pom`, `com`; must fit the role of staff_id (`keyworker` takes `keyworker`; `pom` takes `prison_pom` or `probation_pom`; `com` takes `com`) |"))
        XCTAssertTrue(text.contains("| keywork_frequency_weeks | int | optional, default 1; 1–52;"))
        XCTAssertTrue(text.contains("Key (not declared by the contract; chosen by us): `(case_id, staff_id, role, start_date)`."))
    }

    /// Loads the staging DDL (with the ledger it refers to) into a real database and compares
    /// every staging table's columns — names, order, types, nullability — with the contract.
    func testStagingTablesMatchTheContract() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        do {
            let connection = try database.connect()
            for url in try ProjectResources.sqlFiles(in: SQLLayout.ingestUnit) {
                try connection.execute(script: SQLQuery(unsafeSQL: try String(contentsOf: url, encoding: .utf8)))
            }
            let rows = try connection.query("""
                select table_name, column_name, data_type, is_nullable
                from information_schema.columns
                where table_schema = 'staging' and table_name <> 'intact'
                order by table_name, ordinal_position
                """).rows.map(\.values)
            var actual: [String: [String]] = [:]
            for row in rows {
                actual[row[0]!, default: []].append("\(row[1]!) \(row[2]!) \(row[3]! == "YES" ? "null" : "not null")")
            }
            var expected: [String: [String]] = [:]
            for entity in ExtractContract.entities {
                expected[entity.entity.rawValue] = entity.columns.map {
                    "\($0.name) \($0.type.postgresType) \($0.nullable ? "null" : "not null")"
                } + ExtractContract.lineageColumns.map { "\($0.name) \($0.postgresType) not null" }
            }
            XCTAssertEqual(Set(actual.keys), Set(expected.keys), "staging tables and contract files")
            for (table, columns) in expected {
                XCTAssertEqual(actual[table] ?? [], columns, "staging.\(table) differs from the contract")
            }
        }
    }

    /// quality.allocation_role_mismatches spells the allocation/staff role rule in SQL; it must
    /// flag exactly the pairs the contract's rule refuses, for every pair of codes.
    func testAllocationRoleMismatchViewFollowsTheContract() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        do {
            let connection = try database.connect()
            try connection.execute(script: SQLQuery(unsafeSQL: """
                create schema core;
                create schema quality;
                create table core.allocations (case_id text, staff_id text, role text, staff_role text, start_date date, end_date date);
                insert into core.allocations (case_id, staff_id, role, staff_role, start_date)
                select 'K', 'S', role, staff_role, date '2024-01-01'
                from unnest(array['\(ContractCodes.allocationRoles.joined(separator: "','"))']) as role,
                     unnest(array['\(ContractCodes.staffRoles.joined(separator: "','"))']) as staff_role;
                """))
            let view = repositoryRoot().appendingPathComponent("sql/200_quality/292_allocation_role_mismatches.sql")
            try connection.execute(script: SQLQuery(unsafeSQL: try String(contentsOf: view, encoding: .utf8)))
            let flagged = Set(try connection.query("select role || '/' || staff_role as pair from quality.allocation_role_mismatches").rows.map { try $0.decode(String.self, column: "pair") })
            var expected = Set<String>()
            for role in AllocationRole.allCases {
                for staffRole in StaffRole.allCases where !role.staffRoles.contains(staffRole) {
                    expected.insert("\(role.code)/\(staffRole.code)")
                }
            }
            XCTAssertEqual(flagged, expected)
            XCTAssertEqual(flagged.count, AllocationRole.allCases.count * StaffRole.allCases.count - 4)
        }
    }

    /// quality.contacts_without_allocation spells which allocation roles may record each contact
    /// type; it must flag exactly the (type, role) pairs `ContactType.recordedBy` leaves out.
    func testContactsWithoutAllocationViewFollowsTheContract() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        do {
            let connection = try database.connect()
            // One member of staff per allocation role, each holding case K in that role, each
            // recording one contact of every type.
            try connection.execute(script: SQLQuery(unsafeSQL: """
                create schema core;
                create schema quality;
                create table core.staff (staff_id text, role text);
                create table core.allocations (case_id text, staff_id text, role text, staff_role text, active_days daterange);
                create table core.contacts (contact_id text, case_id text, staff_id text, contact_type text, contact_date date, outcome text);
                insert into core.staff select role, role from unnest(array['\(ContractCodes.allocationRoles.joined(separator: "','"))']) as role;
                insert into core.allocations select 'K', role, role, role, daterange('2024-01-01', null) from unnest(array['\(ContractCodes.allocationRoles.joined(separator: "','"))']) as role;
                insert into core.contacts
                select type || '/' || role, 'K', role, type, date '2024-06-05', 'completed'
                from unnest(array['\(ContractCodes.contactTypes.joined(separator: "','"))']) as type,
                     unnest(array['\(ContractCodes.allocationRoles.joined(separator: "','"))']) as role;
                """))
            let view = repositoryRoot().appendingPathComponent("sql/200_quality/240_contacts_without_allocation.sql")
            try connection.execute(script: SQLQuery(unsafeSQL: try String(contentsOf: view, encoding: .utf8)))
            let flagged = Set(try connection.query("select contact_id from quality.contacts_without_allocation").rows.map { try $0.decode(String.self, column: "contact_id") })
            var expected = Set<String>()
            for type in ContactType.allCases {
                for role in AllocationRole.allCases where !type.recordedBy.contains(role) { expected.insert("\(type.code)/\(role.code)") }
            }
            XCTAssertEqual(flagged, expected)
            XCTAssertFalse(expected.isEmpty)
        }
    }

    func testCodeListsAreTheEnums() {
        XCTAssertEqual(ContractCodes.contactTypes, ["keywork_session", "pom_contact", "com_contact", "pom_com_liaison", "handover_meeting"])
        XCTAssertEqual(ContactOutcome.didNotAttend.code, "did_not_attend")
        XCTAssertEqual(ContactChannel.phone.ordinal, 2)
        guard case let .code(list)? = ContractEntity.contacts.contract.column("channel")?.type else { return XCTFail("channel is a code") }
        XCTAssertEqual(list, ContractCodes.channels)
    }
}

/// The one calendar (CivilDate) against independent facts.
final class CivilDateTests: XCTestCase {
    func testDayNumbersRoundTripAndKnownDays() {
        XCTAssertEqual(CivilDate.daysSince1970(year: 1970, month: 1, day: 1), 0)
        XCTAssertEqual(CivilDate.daysSince1970(year: 2000, month: 1, day: 1), CivilDate.postgresEpochDaysSince1970)
        XCTAssertEqual(CivilDate.daysSince1970(year: 2000, month: 1, day: 1), 10_957)
        XCTAssertEqual(CivilDate.daysSince1970(year: 1969, month: 12, day: 31), -1)
        XCTAssertEqual(CivilDate("2024-03-01")!.daysSince1970 - CivilDate("2024-02-28")!.daysSince1970, 2, "2024 is a leap year")
        XCTAssertEqual(CivilDate("2100-03-01")!.daysSince1970 - CivilDate("2100-02-28")!.daysSince1970, 1, "2100 is not")
        XCTAssertEqual(CivilDate("2024-01-01")!.postgresDay, 8_766)
        XCTAssertEqual(CivilDate("2024-06-05")!.isoWeekday, 3, "a Wednesday")
        // Every day of years 1–9999: consecutive numbers, each a valid date that reads back.
        var expected = CivilDate.daysSince1970(year: 1, month: 1, day: 1)
        for year in [1, 4, 100, 400, 1582, 1900, 1970, 2000, 2024, 9999] {
            expected = CivilDate.daysSince1970(year: year, month: 1, day: 1)
            for month in 1...12 {
                for day in 1...CivilDate.daysIn(month: month, year: year) {
                    XCTAssertEqual(CivilDate.daysSince1970(year: year, month: month, day: day), expected)
                    let back = CivilDate.civil(fromDaysSince1970: expected)
                    XCTAssertTrue(back == (year, month, day), "\(year)-\(month)-\(day)")
                    expected += 1
                }
            }
            XCTAssertEqual(expected - CivilDate.daysSince1970(year: year, month: 1, day: 1), CivilDate.isLeap(year) ? 366 : 365)
        }
        XCTAssertNil(CivilDate(year: 2023, month: 2, day: 29))
        XCTAssertNotNil(CivilDate(year: 2000, month: 2, day: 29))
        XCTAssertNil(CivilDate(year: 1900, month: 2, day: 29))
        XCTAssertNil(CivilDate(year: 10_000, month: 1, day: 1))
    }

    func testAddingMonthsClampsLikePostgreSQL() {
        XCTAssertEqual(CivilDate("2024-01-31")!.adding(months: 1), CivilDate("2024-02-29"))
        XCTAssertEqual(CivilDate("2023-01-31")!.adding(months: 1), CivilDate("2023-02-28"))
        XCTAssertEqual(CivilDate("2024-03-31")!.adding(months: -1), CivilDate("2024-02-29"))
        XCTAssertEqual(CivilDate("2024-05-15")!.adding(months: -17), CivilDate("2022-12-15"))
        XCTAssertEqual(CivilDate("2024-12-31")!.adding(days: 1), CivilDate("2025-01-01"))
        XCTAssertNil(CivilDate("9999-12-31")!.adding(days: 1))
    }
}
