import Aggregate
import Foundation
import PostgresClient
import TestSupport
import XCTest

/// Workload volumes on the hand-built `volumes` fixture (two prisons in one group, two probation
/// regions, March 2024): staff at their own prison, allocations at the case's prison, dates on
/// the last day of the month, rollups as ratios of summed parts, and April cut at as_of. Every
/// expected value is from Fixtures/volumes/EXPECTED.md. Values are stored rounded to 10 decimal
/// places and are compared as decimals.
final class VolumeTests: AggregateTestCase {
    static let march = "2024-03-01"
    static let april = "2024-04-01"

    override func setUpWithError() throws {
        try super.setUpWithError()
        try load(fixture: "volumes")
    }

    /// Values of a run's month, keyed `scope_type/scope_id/measure`.
    func volumes(run: Int64, periodStart: String) throws -> [String: String?] {
        var byKey: [String: String?] = [:]
        for row in try rows("""
            select scope_type || '/' || scope_id || '/' || measure, value::text
            from metrics.volumes
            where run_id = \(run) and period_start = \(periodStart)::date
            """) {
            byKey[row[0]!] = .some(row[1])
        }
        return byKey
    }

    func assertVolumes(_ actual: [String: String?], scope: String, measure: String, _ expected: String?,
                       file: StaticString = #filePath, line: UInt = #line) {
        let key = "\(scope)/\(measure)"
        guard let found = actual[key] else {
            XCTFail("no volumes row \(key)", file: file, line: line)
            return
        }
        assertDecimal(found, expected, key, file: file, line: line)
    }

    // MARK: - Call 1

    func testMarchMeasuresPerScope() throws {
        let run = try aggregate(from: "2024-03-01", to: "2024-04-01", period: .whole)
        XCTAssertEqual(try asOf(run: run), "2024-04-02")   // VB2's session
        XCTAssertEqual(try column("""
            select distinct period_end::text from metrics.volumes where run_id = \(run)
            """), ["2024-04-01"])
        let actual = try volumes(run: run, periodStart: Self.march)

        // national = Group V (one group)
        let table: [(measure: String, va: String?, vb: String?, group: String?, regionV1: String?, regionV2: String?)] = [
            ("keywork_sessions_delivered", "4", "1", "5", "4", "1"),
            ("keywork_sessions_expected", "11.4285714286", "4.4285714286", "15.8571428571", "11.4285714286", "4.4285714286"),
            ("keywork_delivery_rate", "0.35", "0.2258064516", "0.3153153153", "0.35", "0.2258064516"),
            ("cases_in_custody", "3", "2", "5", "3", "2"),
            ("pom_allocations_on_day", "2", "2", "4", "2", "2"),
            ("pom_fte_in_post", "1.5", "0.8", "2.3", "1.5", "0.8"),
            ("pom_caseload_per_fte", "1.3333333333", "2.5", "1.7391304348", "1.3333333333", "2.5"),   // not the mean 1.9167
            ("prison_pom_allocations_on_day", "1", "1", "2", "1", "1"),
            ("prison_pom_share", "0.5", "0.5", "0.5", "0.5", "0.5"),
            ("keyworker_allocations_on_day", "2", "0", "2", "2", "0"),
            ("keyworkers_in_post", "2", "0", "2", "2", "0"),
            ("keyworker_caseload", "1", nil, "1", "1", nil),
            ("spo_fte_in_post", "0.5", "0", "0.5", "0.5", "0"),
            ("pom_fte_per_spo_fte", "3", nil, "4.6", "3", nil),
            ("cases_with_keyworker_on_day", "2", "0", "2", "2", "0"),
            ("keyworker_assigned_share", "0.6666666667", "0", "0.4", "0.6666666667", "0"),
            ("sentence_starts", "2", "1", "3", "2", "1"),
            ("sentence_starts_with_keyworker", "1", "1", "2", "1", "1"),
            ("days_to_keyworker_total", "4", "32", "36", "4", "32"),
            ("mean_days_to_keyworker", "4", "32", "18", "4", "32"),
            ("sentence_starts_with_keywork", "1", "1", "2", "1", "1"),
            ("days_to_first_keywork_total", "10", "32", "42", "10", "32"),
            ("mean_days_to_first_keywork", "10", "32", "21", "10", "32"),
        ]
        XCTAssertEqual(table.count, 23)
        for row in table {
            let byScope: [(scope: String, value: String?)] = [
                ("establishment/VA", row.va),
                ("establishment/VB", row.vb),
                ("prison_group/Group V", row.group),
                ("probation_region/Region V1", row.regionV1),
                ("probation_region/Region V2", row.regionV2),
                ("national/national", row.group),
            ]
            for (scope, expected) in byScope {
                assertVolumes(actual, scope: scope, measure: row.measure, expected)
            }
        }
        // 23 measures x 6 scopes, nothing else
        XCTAssertEqual(actual.count, 138)
        XCTAssertEqual(try value("select count(*)::text from metrics.volumes where run_id = \(run)"), "138")
    }

    func testAdditivePartsRollUpAsSums() throws {
        let run = try aggregate(from: "2024-03-01", to: "2024-04-01", period: .whole)
        let parts = ["keywork_sessions_delivered", "keywork_sessions_expected", "cases_in_custody", "pom_allocations_on_day",
                     "pom_fte_in_post", "prison_pom_allocations_on_day", "keyworker_allocations_on_day", "keyworkers_in_post",
                     "spo_fte_in_post", "cases_with_keyworker_on_day", "sentence_starts", "sentence_starts_with_keyworker",
                     "days_to_keyworker_total", "sentence_starts_with_keywork", "days_to_first_keywork_total"]
        for measure in parts {
            let mismatches = try rows("""
                with establishment_values as (
                    select e.prison_group, e.probation_region, v.value
                    from metrics.volumes as v
                    join core.establishments as e on e.establishment_code = v.scope_id
                    where v.run_id = \(run) and v.scope_type = 'establishment' and v.measure = \(measure)
                ),
                sums as (
                    select 'prison_group' as scope_type, prison_group as scope_id, sum(value) as total
                    from establishment_values group by prison_group
                    union all
                    select 'probation_region', probation_region, sum(value) from establishment_values group by probation_region
                    union all
                    select 'national', 'national', sum(value) from establishment_values
                )
                select s.scope_type, s.scope_id, s.total::text, v.value::text
                from sums as s
                left join metrics.volumes as v
                  on v.run_id = \(run) and v.measure = \(measure)
                 and v.scope_type = s.scope_type and v.scope_id = s.scope_id
                -- parts are stored rounded to 10 places: a sum of rounded parts may differ in the last place
                where v.value is null or abs(v.value - s.total) > 0.000000001
                """)
            XCTAssertEqual(mismatches, [], "\(measure): rollups that are not the sum of their establishments")
        }
    }

    // MARK: - Call 2

    func testMonthlyRunCutsAprilAtAsOf() throws {
        let whole = try aggregate(from: "2024-03-01", to: "2024-04-01", period: .whole)
        let run = try aggregate(from: "2024-03-01", to: "2024-05-01", period: .month)
        assertRows(try rows("""
            select distinct period_start::text, period_end::text
            from metrics.volumes where run_id = \(run)
            order by 1
            """), [
            ["2024-03-01", "2024-04-01"],
            ["2024-04-01", "2024-04-03"],   // d = 2024-04-02 = as_of
        ])

        let april = try volumes(run: run, periodStart: Self.april)
        let table: [(measure: String, va: String?, vb: String?, national: String?)] = [
            ("keywork_sessions_delivered", "0", "1", "1"),
            ("keywork_sessions_expected", "0.8571428571", "0.2857142857", "1.1428571429"),
            ("keywork_delivery_rate", "0", "3.5", "0.875"),
            ("keyworker_allocations_on_day", "2", "1", "3"),
            ("keyworkers_in_post", "2", "1", "3"),
            ("keyworker_assigned_share", "0.6666666667", "0.5", "0.6"),
            ("sentence_starts", "0", "0", "0"),
            ("mean_days_to_keyworker", nil, nil, nil),
            ("mean_days_to_first_keywork", nil, nil, nil),
        ]
        for row in table {
            assertVolumes(april, scope: "establishment/VA", measure: row.measure, row.va)
            assertVolumes(april, scope: "establishment/VB", measure: row.measure, row.vb)
            assertVolumes(april, scope: "national/national", measure: row.measure, row.national)
        }

        // March is as in call 1
        let marchWhole = try volumes(run: whole, periodStart: Self.march)
        let marchMonthly = try volumes(run: run, periodStart: Self.march)
        XCTAssertEqual(marchMonthly.count, 138)
        for key in marchWhole.keys.sorted() {
            XCTAssertEqual(marchMonthly[key], marchWhole[key], "March \(key)")
        }
    }
}
