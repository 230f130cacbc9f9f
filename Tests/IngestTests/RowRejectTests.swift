import Foundation
import Ingest
import XCTest

/// Each contract rule broken once: the exact reject, and the good rows around it loaded.
final class RowRejectTests: IngestTestCase {
    func testUnknownCode() throws {
        try assertSingleReject(file: "contacts.csv", fixture: "contacts-unknown-code.csv", line: 8, column: "contact_type",
                               reason: "contact_type \"keywork\" is not one of keywork_session, pom_contact, com_contact, pom_com_liaison, handover_meeting",
                               table: "staging.contacts", goodRows: 6)
    }

    func testBadTimestamp() throws {
        try assertSingleReject(file: "contacts.csv", fixture: "contacts-bad-timestamp.csv", line: 8, column: "contact_at",
                               reason: "contact_at \"17/01/2024 10:00\" is not an ISO 8601 timestamp such as 2024-03-05T14:30:00Z",
                               table: "staging.contacts", goodRows: 6)
    }

    func testBrokenReferenceToCase() throws {
        try assertSingleReject(file: "contacts.csv", fixture: "contacts-missing-case.csv", line: 8, column: "case_id",
                               reason: "case_id \"K9\" does not exist in cases.csv (this extract or an earlier load)",
                               table: "staging.contacts", goodRows: 6)
    }

    func testBrokenReferenceToStaff() throws {
        try assertSingleReject(file: "contacts.csv", fixture: "contacts-missing-staff.csv", line: 8, column: "staff_id",
                               reason: "staff_id \"NOBODY\" does not exist in staff.csv (this extract or an earlier load)",
                               table: "staging.contacts", goodRows: 6)
    }

    func testDuplicateKeyFirstOccurrenceWins() throws {
        try assertSingleReject(file: "contacts.csv", fixture: "contacts-duplicate-key.csv", line: 8, column: "contact_id",
                               reason: "duplicate contact_id C1: first seen at line 2, which was kept",
                               table: "staging.contacts", goodRows: 6)
        XCTAssertEqual(try connection.query("select line_number, contact_type from staging.contacts where contact_id = 'C1'").rows.map(\.values),
                       [["2", "keywork_session"]])
        XCTAssertEqual(try connection.query("select raw_line from ingest.rejects").scalar(String.self),
                       "C1,K1,KW1,keywork_session,2024-01-17T10:00:00Z,face_to_face,completed,")
    }

    func testWrongNumberOfFields() throws {
        try assertSingleReject(file: "contacts.csv", fixture: "contacts-field-count.csv", line: 8, column: nil,
                               reason: "expected 8 fields as in the header, found 4", table: "staging.contacts", goodRows: 6)
    }

    func testNulByte() throws {
        try assertSingleReject(file: "contacts.csv", fixture: "contacts-nul-byte.csv", line: 8, column: nil,
                               reason: "the line holds a NUL byte", table: "staging.contacts", goodRows: 6)
        XCTAssertEqual(try connection.query("select raw_line from ingest.rejects").scalar(String.self),
                       "C7,K1,KW1,keywork_session,2024-01-17T10:00:00Z,face_to_face,completed,")
    }

    func testLatin1Bytes() throws {
        try assertSingleReject(file: "contacts.csv", fixture: "contacts-latin1.csv", line: 8, column: nil,
                               reason: "the line is not valid UTF-8 (perhaps Latin-1 or Windows-1252 text; re-export the file as UTF-8)",
                               table: "staging.contacts", goodRows: 6)
        XCTAssertEqual(try connection.query("select raw_line from ingest.rejects").scalar(String.self),
                       "C\u{FFFD}7,K1,KW1,keywork_session,2024-01-17T10:00:00Z,face_to_face,completed,")
    }

    func testIntegerOutOfRange() throws {
        try assertSingleReject(file: "contacts.csv", fixture: "contacts-duration-range.csv", line: 8, column: "duration_minutes",
                               reason: "duration_minutes 1500 is outside 0–1440", table: "staging.contacts", goodRows: 6)
    }

    func testRequiredValueMissing() throws {
        try assertSingleReject(file: "contacts.csv", fixture: "contacts-required-empty.csv", line: 8, column: "contact_at",
                               reason: "contact_at is required but empty", table: "staging.contacts", goodRows: 6)
    }

    func testBrokenQuoting() throws {
        try assertSingleReject(file: "contacts.csv", fixture: "contacts-broken-quoting.csv", line: 8, column: nil,
                               reason: "field 4 has text after its closing quote (broken quoting)", table: "staging.contacts", goodRows: 6)
    }

    func testPhysicalLineNumbersCountQuotedNewlines() throws {
        try assertSingleReject(file: "establishments.csv", fixture: "establishments-multiline.csv", line: 6, column: "establishment_type",
                               reason: "establishment_type \"prison\" is not one of local, training, open, resettlement, high_security, womens, yoi",
                               table: "staging.establishments", goodRows: 3)
        XCTAssertEqual(try connection.query("select name, line_number from staging.establishments where establishment_code = 'HMP'").rows[0].values,
                       ["HMP Multi\nLine", "4"])
    }

    func testEstablishmentCodeFormat() throws {
        try assertSingleReject(file: "establishments.csv", fixture: "establishments-lowercase-code.csv", line: 4, column: "establishment_code",
                               reason: "establishment_code \"lei2\" must be 2–5 upper-case letters or digits, e.g. LEI",
                               table: "staging.establishments", goodRows: 2)
    }

    func testKeyworkFrequencyRangeAndDefault() throws {
        try assertSingleReject(file: "establishments.csv", fixture: "establishments-frequency-range.csv", line: 4, column: "keywork_frequency_weeks",
                               reason: "keywork_frequency_weeks 53 is outside 1–52", table: "staging.establishments", goodRows: 2)
        XCTAssertEqual(try connection.query("select keywork_frequency_weeks from staging.establishments where establishment_code = 'LEI'").scalar(Int.self), 1)
    }

    func testComNeedsProbationRegion() throws {
        try assertSingleReject(file: "staff.csv", fixture: "staff-com-without-region.csv", line: 6, column: "probation_region",
                               reason: "probation_region is required for a com", table: "staging.staff", goodRows: 4)
    }

    func testFteRange() throws {
        try assertSingleReject(file: "staff.csv", fixture: "staff-fte-range.csv", line: 6, column: "fte",
                               reason: "fte \"1.5\" must be a number greater than 0 and at most 1", table: "staging.staff", goodRows: 4)
    }

    func testEndDateBeforeStartDate() throws {
        try assertSingleReject(file: "staff.csv", fixture: "staff-end-before-start.csv", line: 6, column: "end_date",
                               reason: "end_date 2018-12-31 is before start_date 2019-01-01", table: "staging.staff", goodRows: 4)
    }

    func testStaffEstablishmentMustExist() throws {
        try assertSingleReject(file: "staff.csv", fixture: "staff-missing-establishment.csv", line: 6, column: "establishment_code",
                               reason: "establishment_code \"XYZ\" does not exist in establishments.csv (this extract or an earlier load)",
                               table: "staging.staff", goodRows: 4)
    }

    func testDeterminateNeedsExpectedReleaseDate() throws {
        try assertSingleReject(file: "cases.csv", fixture: "cases-no-expected-release.csv", line: 5, column: "expected_release_date",
                               reason: "expected_release_date is required for a determinate sentence", table: "staging.cases", goodRows: 3)
    }

    func testReleaseBeforeSentenceStart() throws {
        try assertSingleReject(file: "cases.csv", fixture: "cases-release-before-start.csv", line: 5, column: "release_date",
                               reason: "release_date 2023-12-31 is before sentence_start_date 2024-01-01", table: "staging.cases", goodRows: 3)
    }

    func testMappaRange() throws {
        try assertSingleReject(file: "cases.csv", fixture: "cases-mappa-range.csv", line: 5, column: "mappa_level",
                               reason: "mappa_level 5 is outside 0–3", table: "staging.cases", goodRows: 3)
    }

    func testImpossibleDate() throws {
        try assertSingleReject(file: "cases.csv", fixture: "cases-bad-date.csv", line: 5, column: "sentence_start_date",
                               reason: "sentence_start_date \"2024-02-30\" is not a date in the form YYYY-MM-DD", table: "staging.cases", goodRows: 3)
    }

    func testAllocationRoleMustAgreeWithStaffRole() throws {
        try assertSingleReject(file: "allocations.csv", fixture: "allocations-role-disagrees.csv", line: 6, column: "role",
                               reason: "role pom does not agree with staff KW1's role keyworker (a pom allocation needs prison_pom or probation_pom)",
                               table: "staging.allocations", goodRows: 4)
    }

    func testReleaseOutcomeNeedsReleasedCase() throws {
        try assertSingleReject(file: "release_outcomes.csv", fixture: "release-outcomes-not-released.csv", line: 3, column: "case_id",
                               reason: "case K2 has no release_date, so it cannot have a release outcome", table: "staging.release_outcomes", goodRows: 1)
    }

    func testBooleanValues() throws {
        try assertSingleReject(file: "release_outcomes.csv", fixture: "release-outcomes-bad-bool.csv", line: 2, column: "has_id",
                               reason: "has_id \"maybe\" is not true/false (t/f, 1/0, yes/no)", table: "staging.release_outcomes", goodRows: 0)
    }

    func testRowReferringToRejectedRowSaysSo() throws {
        let directory = try makeExtract(replacing: ["cases.csv": "cases-rejected-K9.csv", "contacts.csv": "contacts-refers-rejected-case.csv"])
        try ingest(directory)
        XCTAssertEqual(try rejects(), [
            Reject(file: "cases.csv", line: 5, column: "expected_release_date", reason: "expected_release_date is required for a determinate sentence"),
            Reject(file: "contacts.csv", line: 8, column: "case_id", reason: "case K9 was rejected at cases.csv line 5"),
        ])
    }

    func testNormalisesCodesTrimsAndReadsLondonTime() throws {
        try ingest(try makeExtract())
        XCTAssertEqual(try rejects(), [])
        XCTAssertEqual(try connection.query("select role from staging.staff where staff_id = 'POM2'").scalar(String.self), "probation_pom")
        XCTAssertEqual(try connection.query("select establishment_type from staging.establishments where establishment_code = 'WKI'").scalar(String.self), "high_security")
        XCTAssertEqual(try connection.query("select fte::text from staging.staff where staff_id = 'COM1'").scalar(String.self), "0.5")
        // No offset means Europe/London: 2024-01-10 10:00 in winter is 10:00 UTC.
        XCTAssertEqual(try connection.query("select to_char(contact_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') from staging.contacts where contact_id = 'C2'").scalar(String.self),
                       "2024-01-10 10:00")
        XCTAssertEqual(try connection.query("select has_id::text || has_bank_account::text || ete_arranged::text from staging.release_outcomes").scalar(String.self),
                       "truefalsefalse")
        XCTAssertEqual(try connection.query("select name from staging.establishments where establishment_code = 'LEI'").scalar(String.self),
                       "HMP Leeds, West Yorkshire")
    }
}

/// Many keys, some repeated: every later occurrence is rejected naming the first, none missed.
final class DuplicateKeyTests: IngestTestCase {
    func testEveryRepeatedKeyIsFoundAmongManyRows() throws {
        let directory = try makeExtract()
        var text = "contact_id,case_id,staff_id,contact_type,contact_at,channel,outcome,duration_minutes\n"
        var expected: [Reject] = []
        for row in 0..<20_000 {
            // Every 200th row repeats the key of the row 7 before it (line = row + 2).
            let key = row % 200 == 199 ? "N\(row - 7)" : "N\(row)"
            text += "\(key),K1,KW1,keywork_session,2024-01-03T10:00:00Z,face_to_face,completed,\n"
            if row % 200 == 199 {
                expected.append(Reject(file: "contacts.csv", line: row + 2, column: "contact_id",
                                       reason: "duplicate contact_id \(key): first seen at line \(row - 7 + 2), which was kept"))
            }
        }
        try Data(text.utf8).write(to: directory.appendingPathComponent("contacts.csv"))
        let report = try ingest(directory)
        XCTAssertEqual(try self.report(report, "contacts.csv").rowsRejected, 100)
        XCTAssertEqual(try rejects().sorted { $0.line < $1.line }, expected)
        XCTAssertEqual(try count("staging.contacts"), 19_900)
        XCTAssertEqual(try connection.query("select count(distinct contact_id) from staging.contacts").scalar(Int.self), 19_900)
    }
}

/// The rest of the contract's rules, each broken once.
final class MoreRuleTests: IngestTestCase {
    func testNonComStaffNeedsEstablishment() throws {
        try assertSingleReject(file: "staff.csv", fixture: "staff-no-establishment.csv", line: 6, column: "establishment_code",
                               reason: "establishment_code is required for role keyworker", table: "staging.staff", goodRows: 4)
    }

    func testAllocationEndBeforeStart() throws {
        try assertSingleReject(file: "allocations.csv", fixture: "allocations-end-before-start.csv", line: 6, column: "end_date",
                               reason: "end_date 2024-01-31 is before start_date 2024-02-01", table: "staging.allocations", goodRows: 4)
    }

    func testAllocationUnknownCase() throws {
        try assertSingleReject(file: "allocations.csv", fixture: "allocations-unknown-case.csv", line: 6, column: "case_id",
                               reason: "case_id \"K7\" does not exist in cases.csv (this extract or an earlier load)", table: "staging.allocations", goodRows: 4)
    }

    func testAllocationUnknownStaff() throws {
        try assertSingleReject(file: "allocations.csv", fixture: "allocations-unknown-staff.csv", line: 6, column: "staff_id",
                               reason: "staff_id \"KW9\" does not exist in staff.csv (this extract or an earlier load)", table: "staging.allocations", goodRows: 4)
    }

    func testAllocationDuplicateCompositeKey() throws {
        try assertSingleReject(file: "allocations.csv", fixture: "allocations-duplicate-key.csv", line: 6, column: nil,
                               reason: "duplicate case_id, staff_id, role, start_date K1, POM1, pom, 2023-06-10: first seen at line 3, which was kept",
                               table: "staging.allocations", goodRows: 4)
    }

    func testAssessmentUnknownStaff() throws {
        try assertSingleReject(file: "assessments.csv", fixture: "assessments-unknown-staff.csv", line: 4, column: "staff_id",
                               reason: "staff_id \"NOBODY\" does not exist in staff.csv (this extract or an earlier load)", table: "staging.assessments", goodRows: 2)
    }

    func testReleaseOutcomeUnknownCase() throws {
        try assertSingleReject(file: "release_outcomes.csv", fixture: "release-outcomes-unknown-case.csv", line: 3, column: "case_id",
                               reason: "case_id \"K8\" does not exist in cases.csv (this extract or an earlier load)", table: "staging.release_outcomes", goodRows: 1)
    }

    func testRecallNeedsExpectedReleaseDate() throws {
        try assertSingleReject(file: "cases.csv", fixture: "cases-recall-no-expected-release.csv", line: 5, column: "expected_release_date",
                               reason: "expected_release_date is required for a recall sentence", table: "staging.cases", goodRows: 3)
    }

    func testDuplicateCaseKeepsTheFirst() throws {
        try assertSingleReject(file: "cases.csv", fixture: "cases-duplicate-key.csv", line: 5, column: "case_id",
                               reason: "duplicate case_id K2: first seen at line 3, which was kept", table: "staging.cases", goodRows: 3)
        XCTAssertEqual(try connection.query("select sentence_type from staging.cases where case_id = 'K2'").scalar(String.self), "indeterminate")
    }
}
