import Aggregate
import Foundation
import PostgresClient
import TestSupport
import XCTest

/// Published cells on the hand-built `suppression` fixture: six prisons whose groups and regions
/// cross, so one primary suppression cascades (the 9 / 10 denominator edge, the lowest-code tie,
/// repeated passes), then a second official run with another min_publish_denominator, then a
/// later non-official run. Every expected value is from Fixtures/suppression/EXPECTED.md.
final class SuppressionTests: AggregateTestCase {
    static let period = "2024-01-01"

    /// Metrics with the release denominators (SAA 9, SBB 10, SCC 10, SDD 15, SEE 40, SFF 50, Small Region 5).
    static let releaseMetrics = ["prerelease_contact_sufficient", "accommodation_on_release", "settled_accommodation_on_release",
                                 "id_on_release", "bank_account_on_release", "ete_on_release", "recalled_within_28_days"]
    /// Metrics whose every denominator is 0 here.
    static let emptyMetrics = ["keywork_regular", "pom_contact_regular", "sentence_plan_in_place", "high_risk_with_probation_pom",
                               "handover_on_time", "communication_adequate"]

    /// One expected row of published.rates.
    struct Cell {
        var scopeType: String
        var scopeID: String
        var numerator: Int?
        var denominator: Int?
        var rate: Double?
        var band: String?
        var suppressed: String?
        /// Checked when given; a suppressed cell's interval must be NULL.
        var ci: (low: Double, high: Double)?

        static func hidden(_ scopeType: String, _ scopeID: String, _ reason: String) -> Cell {
            Cell(scopeType: scopeType, scopeID: scopeID, numerator: nil, denominator: nil, rate: nil, band: nil, suppressed: reason, ci: nil)
        }

        static func shown(_ scopeType: String, _ scopeID: String, _ numerator: Int, _ denominator: Int, rate: Double, band: String,
                          ci: (low: Double, high: Double)? = nil) -> Cell {
            Cell(scopeType: scopeType, scopeID: scopeID, numerator: numerator, denominator: denominator, rate: rate, band: band,
                 suppressed: nil, ci: ci)
        }

        var key: String { "\(scopeType)/\(scopeID)" }
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try load(fixture: "suppression")
    }

    /// `aggregate --from 2024-01-01 --to 2024-04-01 --period whole`, publish: true.
    @discardableResult
    func officialRun(overrides: [String: String] = [:]) throws -> Int64 {
        try aggregate(from: "2024-01-01", to: "2024-04-01", period: .whole, official: true, overrides: overrides)
    }

    func assertPublished(metric: String, _ expected: [Cell], run: Int64, file: StaticString = #filePath, line: UInt = #line) throws {
        for want in expected {
            let found = try rows("""
                select numerator::text, denominator::text, rate::text, ci_low::text, ci_high::text, band, suppressed, run_id::text
                from published.rates
                where metric = \(metric) and period_start = \(Self.period)::date
                  and scope_type = \(want.scopeType) and scope_id = \(want.scopeID)
                """)
            let label = "\(metric) \(want.key)"
            guard found.count == 1 else {
                XCTFail("\(label): expected one published.rates row, found \(found.count)", file: file, line: line)
                continue
            }
            let row = found[0]
            XCTAssertEqual(row[0], want.numerator.map { String($0) }, "\(label) numerator", file: file, line: line)
            XCTAssertEqual(row[1], want.denominator.map { String($0) }, "\(label) denominator", file: file, line: line)
            assertNumber(row[2], want.rate, accuracy: 1e-6, "\(label) rate", file: file, line: line)
            if want.suppressed != nil {
                XCTAssertNil(row[3], "\(label) ci_low", file: file, line: line)
                XCTAssertNil(row[4], "\(label) ci_high", file: file, line: line)
            } else if let ci = want.ci {
                assertNumber(row[3], ci.low, accuracy: 1e-6, "\(label) ci_low", file: file, line: line)
                assertNumber(row[4], ci.high, accuracy: 1e-6, "\(label) ci_high", file: file, line: line)
            }
            XCTAssertEqual(row[5], want.band, "\(label) band", file: file, line: line)
            XCTAssertEqual(row[6], want.suppressed, "\(label) suppressed", file: file, line: line)
            XCTAssertEqual(row[7], String(run), "\(label) run_id", file: file, line: line)
        }
    }

    /// `suppressed` of every published row of a metric, keyed `scope_type/scope_id` ("shown" when NULL).
    func suppression(metric: String) throws -> [String: String] {
        var byScope: [String: String] = [:]
        for row in try rows("""
            select scope_type || '/' || scope_id, coalesce(suppressed, 'shown')
            from published.rates
            where metric = \(metric) and period_start = \(Self.period)::date
            """) {
            byScope[row[0]!] = row[1]!
        }
        return byScope
    }

    // MARK: - Call 1

    func testUnsuppressedRates() throws {
        let run = try officialRun()
        XCTAssertEqual(try asOf(run: run), "2024-04-30")
        let expected: [String: String] = [
            "establishment/SAA": "5/9", "establishment/SBB": "6/10", "establishment/SCC": "7/10",
            "establishment/SDD": "12/15", "establishment/SEE": "30/40", "establishment/SFF": "45/50",
            "prison_group/Group S1": "18/29", "prison_group/Group S2": "87/105",
            "probation_region/Region S1": "17/24", "probation_region/Region S2": "36/50", "probation_region/Region S3": "52/60",
            "national/national": "105/134",
            "release_region/Small Region": "5/5",
        ]
        XCTAssertEqual(try counts(run: run, metric: "id_on_release", periodStart: Self.period), expected)
    }

    func testPublishedIdOnRelease() throws {
        let run = try officialRun()
        try assertPublished(metric: "id_on_release", [
            .hidden("establishment", "SAA", "primary"),      // 9 < 10
            .hidden("establishment", "SBB", "secondary"),    // pass 1, Group S1: SBB and SCC tie at 10, lower code
            .shown("establishment", "SCC", 7, 10, rate: 0.7, band: "good", ci: (0.396778, 0.892209)),   // 10 is not primary
            .hidden("establishment", "SDD", "secondary"),    // pass 2, Region S1
            .hidden("establishment", "SEE", "secondary"),    // pass 3, Group S2: SEE 40 < SFF 50
            .shown("establishment", "SFF", 45, 50, rate: 0.9, band: "outstanding", ci: (0.786398, 0.956524)),
            .shown("prison_group", "Group S1", 18, 29, rate: 0.620690, band: "requires_improvement"),
            .shown("prison_group", "Group S2", 87, 105, rate: 0.828571, band: "outstanding"),
            .shown("probation_region", "Region S1", 17, 24, rate: 0.708333, band: "good"),
            .shown("probation_region", "Region S2", 36, 50, rate: 0.72, band: "good"),
            .shown("probation_region", "Region S3", 52, 60, rate: 0.866667, band: "outstanding"),
            .shown("national", "national", 105, 134, rate: 0.783582, band: "good", ci: (0.706480, 0.844878)),
            .hidden("release_region", "Small Region", "primary"),   // 5 < 10
        ], run: run)
        XCTAssertEqual(try value("select count(*)::text from published.rates where metric = 'id_on_release'"), "13")
    }

    func testSamePatternForEveryReleaseMetric() throws {
        try officialRun()
        let pattern = try suppression(metric: "id_on_release")
        XCTAssertEqual(pattern.count, 13)
        for metric in Self.releaseMetrics {
            XCTAssertEqual(try suppression(metric: metric), pattern, metric)
        }
    }

    func testEmptyMetricsArePrimaryEverywhere() throws {
        try officialRun()
        for metric in Self.emptyMetrics {
            let pattern = try suppression(metric: metric)
            XCTAssertEqual(pattern.count, 13, metric)
            // no secondary suppression: each parent already has several suppressed children
            XCTAssertEqual(Set(pattern.values), ["primary"], metric)
        }
    }

    func testSuppressedCellsHoldNoFigures() throws {
        let run = try officialRun()
        XCTAssertEqual(try value("""
            select count(*)::text from published.rates_cells
            where run_id = \(run) and suppressed is not null
              and (numerator is not null or denominator is not null or rate is not null
                   or ci_low is not null or ci_high is not null or band is not null)
            """), "0")
        // every rate of the run is published, hidden or not
        XCTAssertEqual(try value("select count(*)::text from published.rates_cells where run_id = \(run)"),
                       try value("select count(*)::text from metrics.rates where run_id = \(run)"))
    }

    // MARK: - Call 2 and a later non-official run

    func testSecondOfficialRunWithLargerMinimum() throws {
        let first = try officialRun()
        let second = try officialRun(overrides: ["min_publish_denominator": "16"])
        XCTAssertGreaterThan(second, first)
        XCTAssertEqual(try value("select parameters ->> 'min_publish_denominator' from metrics.runs where run_id = \(second)"), "16")
        // published.rates shows the newer official run only
        XCTAssertEqual(try column("select distinct run_id::text from published.rates"), [String(second)])

        try assertPublished(metric: "id_on_release", [
            .hidden("establishment", "SAA", "primary"),
            .hidden("establishment", "SBB", "primary"),
            .hidden("establishment", "SCC", "primary"),
            .hidden("establishment", "SDD", "primary"),      // 15 < 16
            .hidden("establishment", "SEE", "secondary"),    // pass 1, Group S2 {SDD}: SEE 40 < SFF 50
            .hidden("establishment", "SFF", "secondary"),    // pass 2, Region S3 {SCC}
            .shown("prison_group", "Group S1", 18, 29, rate: 0.620690, band: "requires_improvement"),
            .shown("prison_group", "Group S2", 87, 105, rate: 0.828571, band: "outstanding"),
            .shown("probation_region", "Region S1", 17, 24, rate: 0.708333, band: "good"),
            .shown("probation_region", "Region S2", 36, 50, rate: 0.72, band: "good"),
            .shown("probation_region", "Region S3", 52, 60, rate: 0.866667, band: "outstanding"),
            .shown("national", "national", 105, 134, rate: 0.783582, band: "good", ci: (0.706480, 0.844878)),
            .hidden("release_region", "Small Region", "primary"),
        ], run: second)

        // the first official run's cells are kept (what was published then)
        XCTAssertEqual(try value("""
            select suppressed from published.rates_cells
            where run_id = \(first) and metric = 'id_on_release' and scope_type = 'establishment' and scope_id = 'SBB'
            """), "secondary")
    }

    func testNonOfficialRunDoesNotChangePublished() throws {
        try officialRun()
        let official = try officialRun(overrides: ["min_publish_denominator": "16"])
        let before = try rows("""
            select scope_type, scope_id, metric, numerator::text, denominator::text, rate::text, band, suppressed, run_id::text
            from published.rates
            order by scope_type, scope_id, metric
            """)
        let later = try aggregate(from: "2024-01-01", to: "2024-04-01", period: .whole, official: false)
        XCTAssertGreaterThan(later, official)

        assertRows(try rows("""
            select scope_type, scope_id, metric, numerator::text, denominator::text, rate::text, band, suppressed, run_id::text
            from published.rates
            order by scope_type, scope_id, metric
            """), before, "published.rates after a non-official run")
        XCTAssertEqual(try column("select distinct run_id::text from published.rates"), [String(official)])
        XCTAssertEqual(try column("select distinct run_id::text from published.volumes"), [String(official)])
        XCTAssertEqual(try value("select count(*)::text from published.rates_cells where run_id = \(later)"), "0")

        // metrics.latest_rates does show it
        assertRows(try rows("""
            select run_id::text, official::text, numerator::text, denominator::text
            from metrics.latest_rates
            where scope_type = 'national' and metric = 'id_on_release' and period_start = \(Self.period)::date
            """), [[String(later), "false", "105", "134"]])
    }
}
