import Foundation
import Ingest
import PostgresClient
import TestSupport
import ThroughcareCore
import Transform
import XCTest

/// The transform stage on the hand-built `rules` fixture: OMiC handover rules, Europe/London
/// contact dates and the quality views. Every expected value comes from
/// Fixtures/rules/EXPECTED.md (worked by hand); dates are compared as text (`::text`).
final class TransformRulesTests: XCTestCase {
    var database: TestDatabase!
    var connection: PostgresConnection!

    static var fixtureDirectory: String {
        repositoryRoot().appendingPathComponent("Tests/TransformTests/Fixtures/rules").path
    }

    override func setUpWithError() throws {
        database = try TestDatabase()
        connection = try database.connect()
        let options = IngestOptions(mode: .full, maxRejectRate: 0)
        let report = try IngestRunner(connection: connection, options: options).run(directory: Self.fixtureDirectory)
        XCTAssertFalse(report.anyFailed, "files not loaded: \(report.files.filter { $0.status != .loaded }.map(\.file))")
        XCTAssertEqual(report.files.map(\.rowsRejected).reduce(0, +), 0)
        XCTAssertEqual(
            try connection.query("select count(*) from ingest.rejects where batch_id = \(report.batchID)").scalar(Int.self), 0)
        try transform()
    }

    override func tearDown() {
        connection = nil
        database?.drop()
    }

    // MARK: - Helpers

    /// Runs the transform with the default parameters, or with `overrides`.
    func transform(overrides: [String: String] = [:]) throws {
        try TransformRunner(connection: connection).run(parameters: try RunParameters(overrides: overrides))
    }

    /// All rows of a query as text (NULL as nil).
    func rows(_ sql: SQLQuery) throws -> [[String?]] {
        try connection.query(sql).rows.map(\.values)
    }

    /// Compares row by row, so a failure names the row that differs.
    func assertRows(_ actual: [[String?]], _ expected: [[String?]], _ message: String = "",
                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, "row count \(message)", file: file, line: line)
        for (got, want) in zip(actual, expected) {
            XCTAssertEqual(got, want, message, file: file, line: line)
        }
    }

    func count(_ relation: String) throws -> Int {
        try connection.query("select count(*) from " + SQLQuery(unsafeSQL: relation)).scalar(Int.self)
    }

    func handoverRows() throws -> [[String?]] {
        try rows("""
            select case_id, earliest_release_date::text, handover_date::text, reason,
                   responsible_throughout, handover_clamped::text, computed_handover_date::text
            from core.case_handover
            order by case_id
            """)
    }

    func contactRows() throws -> [[String?]] {
        try rows("""
            select contact_id, contact_date::text, is_completed::text, is_live::text
            from core.contacts
            order by contact_id
            """)
    }

    // MARK: - Core model

    func testCoreRowCounts() throws {
        let expected: [(relation: String, count: Int)] = [
            ("core.establishments", 3),
            ("core.staff", 10),
            ("core.cases", 19),
            ("core.allocations", 13),
            ("core.contacts", 17),
            ("core.assessments", 2),
            ("core.release_outcomes", 2),
            ("core.case_handover", 19),
        ]
        for (relation, expectedCount) in expected {
            XCTAssertEqual(try count(relation), expectedCount, relation)
        }

        let scopes: SQLQuery = """
            select case_id, scope_type, scope_id
            from core.case_scopes
            where case_id in ('C01', 'C02')
            order by case_id, scope_type collate "C"
            """
        assertRows(try rows(scopes), [
            ["C01", "establishment", "LEI"],
            ["C01", "national", "national"],
            ["C01", "prison_group", "Yorkshire"],
            ["C01", "probation_region", "Yorkshire and the Humber"],
            ["C02", "establishment", "LEI"],
            ["C02", "national", "national"],
            ["C02", "prison_group", "Yorkshire"],
            ["C02", "probation_region", "Yorkshire and the Humber"],
            ["C02", "release_region", "Yorkshire and the Humber"],
        ])
    }

    func testCaseHandoverForEveryCase() throws {
        let actual = try rows("""
            select case_id, earliest_release_date::text, handover_date::text, reason,
                   responsible_throughout, handover_clamped::text
            from core.case_handover
            order by case_id
            """)
        let expected: [[String?]] = [
            // case  ERD           handover      reason                  throughout clamped
            ["C01", "2025-10-31", "2025-02-14", "determinate", nil, "false"],          // month-end clamping
            ["C02", "2024-11-14", "2024-02-29", "determinate", nil, "false"],          // lands on a leap day
            ["C03", "2024-02-29", "2023-02-28", "determinate_parole", nil, "false"],   // ERD is a leap day (PED wins)
            ["C04", "2024-11-15", nil, "determinate_short", "com", "false"],           // exactly 10 months: short
            ["C05", "2024-11-16", "2024-03-02", "determinate", nil, "false"],          // one day more than 10 months
            ["C06", "2025-02-28", nil, "determinate_short", "com", "false"],           // start + 10 months clamped to Feb 28
            ["C07", "2025-03-01", "2024-06-17", "determinate", nil, "false"],
            ["C08", "2024-11-19", nil, "recall", "com", "false"],
            ["C09", "2026-05-20", "2025-05-20", "indeterminate", nil, "false"],        // tariff only
            ["C10", "2026-09-30", "2025-09-30", "indeterminate", nil, "false"],        // PED only, no tariff
            ["C11", nil, nil, "release_date_unknown", "pom", "false"],                 // neither tariff nor PED
            ["C12", "2027-01-10", "2026-01-10", "indeterminate", nil, "false"],        // tariff wins over PED
            ["C13", "2025-08-20", "2024-12-06", "determinate", nil, "false"],          // released before handover
            ["C14", "2025-05-01", "2024-06-01", "determinate_parole", nil, "true"],    // clamped to start
            ["C15", "2025-03-01", "2024-06-01", "indeterminate", nil, "true"],         // clamped to start
            ["C16", "2024-12-01", nil, "determinate_short", "com", "false"],           // short test uses the PED
            ["C17", "2024-12-01", nil, "recall", "com", "false"],                      // recall with a PED
            ["C18", "2024-04-30", "2023-08-16", "determinate", nil, "false"],
            ["C20", "2025-06-30", "2024-10-16", "determinate", nil, "false"],
        ]
        assertRows(actual, expected)
    }

    func testComputedHandoverDate() throws {
        assertRows(try rows("""
            select case_id, handover_date::text, computed_handover_date::text
            from core.case_handover
            where handover_clamped
            order by case_id
            """), [
            ["C14", "2024-06-01", "2024-05-01"],
            ["C15", "2024-06-01", "2024-03-01"],
        ])
        // Unclamped: computed equals the handover date (both NULL where there is none).
        assertRows(try rows("""
            select case_id from core.case_handover
            where not handover_clamped
              and computed_handover_date is distinct from handover_date
            """), [])
    }

    func testResponsibleOn() throws {
        let table: [(caseID: String, day: String?, answer: String?)] = [
            ("C01", "2025-02-13", "pom"),
            ("C01", "2025-02-14", "com"),
            ("C02", "2024-02-28", "pom"),
            ("C02", "2024-02-29", "com"),
            ("C03", "2023-02-27", "pom"),
            ("C03", "2023-02-28", "com"),
            ("C04", "2024-01-15", "com"),
            ("C04", "2024-11-14", "com"),
            ("C05", "2024-03-01", "pom"),
            ("C05", "2024-03-02", "com"),
            ("C06", "2024-04-30", "com"),
            ("C07", "2024-06-16", "pom"),
            ("C07", "2024-06-17", "com"),
            ("C08", "2024-05-20", "com"),
            ("C09", "2025-05-19", "pom"),
            ("C09", "2025-05-20", "com"),
            ("C10", "2025-09-29", "pom"),
            ("C10", "2025-09-30", "com"),
            ("C11", "2030-01-01", "pom"),
            ("C12", "2026-01-09", "pom"),
            ("C12", "2026-01-10", "com"),
            ("C13", "2024-11-28", "pom"),
            ("C13", "2024-12-06", "com"),
            ("C14", "2024-05-31", "pom"),
            ("C14", "2024-06-01", "com"),
            ("C15", "2024-06-01", "com"),
            ("C16", "2024-03-01", "com"),
            ("C17", "2024-07-08", "com"),
            ("C18", "2023-08-15", "pom"),
            ("C18", "2023-08-16", "com"),
            ("C20", "2024-10-15", "pom"),
            ("C20", "2024-10-16", "com"),
            ("NOPE", "2024-01-01", nil),   // unknown case
            ("C01", nil, nil),             // the answer depends on the day
            ("C04", nil, "com"),           // no handover date: it does not
        ]
        for (caseID, day, answer) in table {
            let actual = try connection.query("select core.responsible_on(\(caseID), \(day)::date)").scalar(String?.self)
            XCTAssertEqual(actual, answer, "responsible_on(\(caseID), \(day ?? "NULL"))")
        }
    }

    func testCustodyWindowAndActiveDays() throws {
        assertRows(try rows("""
            select case_id, custody_window::text
            from core.cases
            where case_id in ('C02', 'C13', 'C20')
            order by case_id
            """), [
            ["C02", "[2023-09-01,2024-11-14)"],   // the release day is outside
            ["C13", "[2023-04-03,2024-11-29)"],
            ["C20", "[2023-11-01,)"],             // in custody: upper unbounded
        ])
        assertRows(try rows("""
            select staff_id, active_days::text
            from core.allocations
            where case_id = 'C02' and staff_id in ('KW01', 'COM01')
            order by staff_id
            """), [
            ["COM01", "[2024-02-01,)"],           // open
            ["KW01", "[2023-09-04,2024-11-15)"],  // end_date inclusive
        ])
    }

    // MARK: - Contacts

    static let expectedContacts: [[String?]] = [
        // contact  London date   completed  live
        ["X01", "2024-07-11", "true", "true"],    // summer: 00:30 BST the next day
        ["X02", "2024-01-10", "true", "true"],    // winter: London = UTC
        ["X03", "2024-07-10", "true", "true"],    // offset given
        ["X04", "2024-07-10", "true", "true"],    // no offset: London local
        ["X05", "2024-10-27", "false", "true"],   // last BST evening; refused
        ["X06", "2024-10-27", "true", "true"],    // first GMT evening
        ["X07", "2024-03-30", "true", "false"],   // still GMT; phone
        ["X08", "2024-03-31", "false", "true"],   // before the clocks go forward; did_not_attend
        ["X09", "2024-04-01", "true", "true"],    // first BST evening
        ["X10", "2024-10-27", "true", "true"],    // ambiguous local time
        ["X11", "2023-10-31", "true", "true"],
        ["X12", "2024-11-20", "true", "true"],
        ["X13", "2024-11-14", "true", "true"],
        ["X14", "2024-08-05", "true", "true"],
        ["X15", "2024-12-02", "true", "true"],    // latest contact: the as-of date
        ["X16", "2024-01-15", "true", "false"],   // phone
        ["X17", "2024-03-31", "true", "false"],   // nonexistent local time; written
    ]

    func testContactDatesAndFlags() throws {
        assertRows(try contactRows(), Self.expectedContacts)
    }

    func testContactDatesDoNotDependOnSessionTimeZone() throws {
        for zone in ["UTC", "America/New_York"] {
            try connection.query("select set_config('timezone', \(zone), false)")
            try transform()
            XCTAssertEqual(try connection.query("select current_setting('TimeZone')").scalar(String.self), zone)
            assertRows(try contactRows(), Self.expectedContacts, "with TimeZone \(zone)")
        }
    }

    // MARK: - Run parameters

    func testChangedHandoverParameter() throws {
        let otherRules: SQLQuery = """
            select case_id, earliest_release_date::text, handover_date::text, reason,
                   responsible_throughout, handover_clamped::text, computed_handover_date::text
            from core.case_handover
            where reason <> 'determinate'
            order by case_id
            """
        let before = try rows(otherRules)
        let reasonsBefore = try rows("select case_id, reason from core.case_handover order by case_id")

        try transform(overrides: ["handover_determinate": "7 months 14 days"])

        XCTAssertEqual(
            try connection.query("select parameters ->> 'handover_determinate' from core.builds order by build_id desc limit 1").scalar(String.self),
            "7 months 14 days")
        assertRows(try rows("""
            select case_id, handover_date::text
            from core.case_handover
            where case_id in ('C01', 'C20')
            order by case_id
            """), [
            ["C01", "2025-03-17"],   // 2025-10-31 - 7 months = 2025-03-31, - 14 days
            ["C20", "2024-11-16"],   // 2025-06-30 - 7 months = 2024-11-30, - 14 days
        ])
        assertRows(try rows(otherRules), before, "rows of other rules")
        assertRows(try rows("select case_id, reason from core.case_handover order by case_id"), reasonsBefore, "reasons")
    }

    func testMalformedParameterFailsTheTransform() throws {
        XCTAssertThrowsError(try transform(overrides: ["handover_determinate": "8 monts"])) { error in
            XCTAssertTrue(String(describing: error).contains("handover_determinate"), "error should name the parameter: \(error)")
            XCTAssertEqual((error as? PostgresError)?.sqlState, "22023", "invalid_parameter_value")
        }
    }

    // MARK: - Quality views

    func testQualityViews() throws {
        assertRows(try rows("select as_of_date::text, as_of_source from quality.data_as_of"), [
            ["2024-12-02", "latest contact date"],
        ])

        assertRows(try rows("""
            select contact_id, problem, days_outside::text
            from quality.contacts_outside_custody
            order by contact_id
            """), [
            ["X11", "before_sentence_start", "1"],
            ["X12", "after_release", "6"],
        ], "contacts_outside_custody")

        assertRows(try rows("""
            select contact_id, expected_roles::text, staff_ever_allocated_to_case::text
            from quality.contacts_without_allocation
            order by contact_id
            """), [
            ["X11", "{pom}", "true"],
            ["X14", "{keyworker}", "true"],
            ["X16", "{pom,com}", "true"],
        ], "contacts_without_allocation")

        assertRows(try rows("""
            select case_id, role, staff_id, start_date::text, end_date::text,
                   other_staff_id, other_start_date::text, other_end_date::text,
                   overlap::text, overlap_days::text
            from quality.overlapping_allocations
            """), [
            ["C20", "pom", "POM01", "2023-11-10", nil, "POM02", "2024-06-01", "2024-08-31", "[2024-06-01,2024-09-01)", "92"],
        ], "overlapping_allocations")

        assertRows(try rows("""
            select case_id, as_of_date::text, responsible_on_as_of,
                   last_pom_staff_id, last_pom_start_date::text, last_pom_end_date::text
            from quality.custody_cases_without_pom
            order by case_id
            """), [
            ["C01", "2024-12-02", "pom", nil, nil, nil],
            ["C03", "2024-12-02", "com", nil, nil, nil],
            ["C04", "2024-12-02", "com", nil, nil, nil],
            ["C05", "2024-12-02", "com", nil, nil, nil],
            ["C06", "2024-12-02", "com", nil, nil, nil],
            ["C07", "2024-12-02", "com", nil, nil, nil],
            ["C09", "2024-12-02", "pom", nil, nil, nil],
            ["C10", "2024-12-02", "pom", nil, nil, nil],
            ["C11", "2024-12-02", "pom", "POM04", "2019-03-01", "2024-06-30"],
            ["C12", "2024-12-02", "pom", nil, nil, nil],
            ["C14", "2024-12-02", "com", nil, nil, nil],
            ["C15", "2024-12-02", "com", nil, nil, nil],
            ["C16", "2024-12-02", "com", nil, nil, nil],
            ["C17", "2024-12-02", "com", nil, nil, nil],
        ], "custody_cases_without_pom")

        assertRows(try rows("""
            select case_id, has_com_allocation::text, com_allocated_before_release::text, has_release_outcome::text
            from quality.released_cases_without_com_or_outcome
            order by case_id
            """), [
            ["C13", "false", "false", "false"],
        ], "released_cases_without_com_or_outcome")

        let withoutKeyworker = ["C01", "C03", "C04", "C05", "C06", "C07", "C08", "C09", "C10",
                                "C12", "C13", "C14", "C15", "C16", "C17"]
        XCTAssertEqual(withoutKeyworker.count, 15)
        assertRows(try rows("""
            select case_id, keywork_sessions_recorded::text
            from quality.cases_without_keyworker
            order by case_id
            """), withoutKeyworker.map { [$0, "0"] }, "cases_without_keyworker")

        assertRows(try rows("""
            select case_id, reason, computed_handover_date::text, days_moved::text
            from quality.clamped_handovers
            order by case_id
            """), [
            ["C14", "determinate_parole", "2024-05-01", "31"],
            ["C15", "indeterminate", "2024-03-01", "92"],
        ], "clamped_handovers")

        assertRows(try rows("""
            select scope_type, scope_id, establishment_code
            from quality.single_establishment_parents
            order by scope_type collate "C"
            """), [
            ["prison_group", "Wales", "BWI"],
            ["probation_region", "Wales", "BWI"],
        ], "single_establishment_parents")

        for view in ["quality.orphans", "quality.allocation_role_mismatches", "quality.rejects_by_file"] {
            XCTAssertEqual(try count(view), 0, view)
        }
    }

    // MARK: - Idempotence and documentation

    func testTransformTwiceGivesTheSameHandover() throws {
        let first = try handoverRows()
        XCTAssertEqual(first.count, 19)
        try transform()
        assertRows(try handoverRows(), first)
    }

    /// Partitions (core.contacts_history, core.contacts_recent) are storage: their parent carries the comments.
    func testEveryCoreAndQualityColumnHasAComment() throws {
        let relations = try connection.query("""
            select count(*)
            from pg_catalog.pg_class as c
            join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
            where n.nspname in ('core', 'quality') and c.relkind in ('r', 'v', 'm')
            """).scalar(Int.self)
        XCTAssertGreaterThan(relations, 0, "no tables or views found in core and quality")

        let uncommented = try rows("""
            select concat_ws('.', n.nspname, c.relname)
            from pg_catalog.pg_class as c
            join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
            where n.nspname in ('core', 'quality')
              and c.relkind in ('r', 'p', 'v', 'm')
              and not c.relispartition
              and obj_description(c.oid, 'pg_class') is null
            union all
            select concat_ws('.', n.nspname, c.relname, a.attname)
            from pg_catalog.pg_class as c
            join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
            join pg_catalog.pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
            where n.nspname in ('core', 'quality')
              and c.relkind in ('r', 'p', 'v', 'm')
              and not c.relispartition
              and col_description(c.oid, a.attnum) is null
            order by 1
            """)
        XCTAssertEqual(uncommented.compactMap { $0[0] }, [])
    }
}
