import Aggregate
import Foundation
import PostgresClient
import TestSupport
import XCTest

/// The inspection sample (metrics.draw_sample) on the `suppression` fixture's 134 released cases:
/// largest-remainder stratum sizes with the lower-code tie break, md5(seed:case_id) order within a
/// stratum, and a sample limited to one prison group. Expected values from the "Inspection sample"
/// section of Fixtures/suppression/EXPECTED.md.
final class SampleTests: AggregateTestCase {
    var run: Int64 = 0

    override func setUpWithError() throws {
        try super.setUpWithError()
        try load(fixture: "suppression")
        // call 1 of EXPECTED.md
        run = try aggregate(from: "2024-01-01", to: "2024-04-01", period: .whole, official: true)
    }

    /// `draw_sample(run, 2024-01-01, 2024-04-01, size, seed, false, scope)`: (stratum, case, stratum
    /// size, stratum sample size, position) in stratum and position order.
    func draw(size: Int, seed: String, scopeType: String? = nil, scopeID: String? = nil) throws -> [[String?]] {
        try rows("""
            select establishment_code, case_id, stratum_size::text, stratum_sample_size::text, position_in_stratum::text
            from metrics.draw_sample(\(run)::bigint, '2024-01-01'::date, '2024-04-01'::date, \(size)::integer, \(seed)::text,
                                     false, \(scopeType)::text, \(scopeID)::text)
            order by establishment_code collate "C", position_in_stratum
            """)
    }

    func testNationalSample() throws {
        // quotas 10 x N_h / 134: whole parts SDD 1, SEE 2, SFF 3; the 4 left to the largest
        // remainders SEE 132, SBB 100, SCC 100 (tie: SBB first), SFF 98; SAA 90 and SDD 16 get none
        assertRows(try draw(size: 10, seed: "seed-1"), [
            ["SBB", "SBB009", "10", "1", "1"],
            ["SCC", "SCC008", "10", "1", "1"],
            ["SDD", "SDD013", "15", "1", "1"],
            ["SEE", "SEE033", "40", "3", "1"],
            ["SEE", "SEE015", "40", "3", "2"],
            ["SEE", "SEE025", "40", "3", "3"],
            ["SFF", "SFF036", "50", "4", "1"],
            ["SFF", "SFF016", "50", "4", "2"],
            ["SFF", "SFF050", "50", "4", "3"],
            ["SFF", "SFF040", "50", "4", "4"],
        ])
    }

    func testSampleIsReproducibleAndStoredOnce() throws {
        let first = try draw(size: 10, seed: "seed-1")
        let second = try draw(size: 10, seed: "seed-1")
        assertRows(second, first, "the same seed and data give the same sample")
        // drawing again replaces the earlier rows
        XCTAssertEqual(try value("""
            select count(*)::text from metrics.inspection_sample
            where run_id = \(run) and seed = 'seed-1' and requested_size = 10 and scope_type = 'national'
            """), "10")
        assertRows(try rows("""
            select distinct population, scope_type, scope_id, period_start::text, period_end::text
            from metrics.inspection_sample where run_id = \(run)
            """), [["released", "national", "national", "2024-01-01", "2024-04-01"]])
    }

    func testSampledRowsCarryTheReleaseAndResults() throws {
        _ = try draw(size: 10, seed: "seed-1")
        let caseRows = try rows("""
            select s.case_id, (s.reference_date = c.release_date)::text,
                   s.results -> 'id_on_release' ->> 'eligible'
            from metrics.inspection_sample as s
            join core.cases as c on c.case_id = s.case_id
            where s.run_id = \(run)
            order by s.case_id collate "C"
            """)
        XCTAssertEqual(caseRows.count, 10)
        for row in caseRows {
            XCTAssertEqual(row[1], "true", "\(row[0] ?? "?"): reference_date is the release date")
            XCTAssertEqual(row[2], "true", "\(row[0] ?? "?"): id_on_release result")
        }
    }

    func testSampleWithinOnePrisonGroup() throws {
        // Group S1 (N = 29): whole parts SAA 3, SBB 3, SCC 3; the 1 left: SBB and SCC tie at 13 -> SBB
        assertRows(try draw(size: 10, seed: "seed-1", scopeType: "prison_group", scopeID: "Group S1"), [
            ["SAA", "SAA006", "9", "3", "1"],
            ["SAA", "SAA004", "9", "3", "2"],
            ["SAA", "SAA007", "9", "3", "3"],
            ["SBB", "SBB009", "10", "4", "1"],
            ["SBB", "SBB010", "10", "4", "2"],
            ["SBB", "SBB001", "10", "4", "3"],
            ["SBB", "SBB003", "10", "4", "4"],
            ["SCC", "SCC008", "10", "3", "1"],
            ["SCC", "SCC006", "10", "3", "2"],
            ["SCC", "SCC002", "10", "3", "3"],
        ])
    }
}
