import Aggregate
import Foundation
import PostgresClient
import TestSupport
import XCTest

/// keywork_regular on the hand-built `keywork` fixture: the gap rule at both window edges, the
/// 28-day eligibility floor, sessions that did not happen, a fortnightly prison (T = 28), a
/// release mid-period, the Europe/London contact date and the as-of date; then the same data cut
/// into months. Every expected value is from Fixtures/keywork/EXPECTED.md.
final class KeyworkMetricTests: AggregateTestCase {
    static let quarter = "2024-01-01"
    static let allCases = "K01 K02 K03 K04 K05 K06 K07 K08 K09 K10 K11 K13"

    override func setUpWithError() throws {
        try super.setUpWithError()
        try load(fixture: "keywork")
    }

    /// Call 1: `aggregate --from 2024-01-01 --to 2024-04-01 --period whole`.
    func wholeQuarter() throws -> Int64 {
        try aggregate(from: "2024-01-01", to: "2024-04-01", period: .whole)
    }

    // MARK: - Call 1

    func testAsOfAndReviewPeriod() throws {
        let run = try wholeQuarter()
        // K01's refused session at 2024-04-05T09:00Z: any outcome counts for the as-of date
        XCTAssertEqual(try asOf(run: run), "2024-04-05")
        XCTAssertEqual(try value("select status from metrics.runs where run_id = \(run)"), "succeeded")
        assertRows(try periods(run: run), [["2024-01-01", "2024-04-01", "2024-04-01"]])
    }

    func testK14ReleasedBeforeThePeriodHasNoRows() throws {
        let run = try wholeQuarter()
        XCTAssertEqual(try value("select count(*)::text from metrics.case_metrics where run_id = \(run) and case_id = 'K14'"), "0")
        // every other case has one row per metric
        let expected: [String?] = Self.allCases.split(separator: " ").map { String($0) }
        XCTAssertEqual(try column("""
            select distinct case_id from metrics.case_metrics where run_id = \(run) order by case_id
            """), expected)
    }

    func testKeyworkRegularPerCase() throws {
        let run = try wholeQuarter()
        try assertOutcomes(run: run, metric: "keywork_regular", periodStart: Self.quarter, outcomeTable([
            "K01": "E M",   // last gap 04-01 - 03-18 = 14 <= 14
            "K02": "E x",   // one 15-day gap in the middle
            "K03": "E x",   // last gap to W.end is 15
            "K04": "E x",   // first gap from W.start is 15
            "K05": "-",     // |W| 27 < 28
            "K06": "E M",   // |W| = 28 is eligible
            "K07": "E x",   // no session
            "K08": "E x",   // refused / cancelled / did_not_attend do not count
            "K09": "E M",   // fortnightly prison, T = 28
            "K10": "E x",   // one 29-day gap
            "K11": "E M",   // released 2024-02-15: W ends at release
            "K13": "E x",   // 2024-03-31T23:30Z is 2024-04-01 in London, outside W
        ]))

        let keys = ["observed_start", "observed_end", "observed_days", "max_gap_days", "sessions_counted",
                    "longest_gap_days", "longest_gap_from", "longest_gap_to"]
        try assertDetails(run: run, metric: "keywork_regular", periodStart: Self.quarter, keys: keys, [
            // case   W start       W end (excl.)  |W|   T     sessions gap   from          to
            "K01": ["2024-01-01", "2024-04-01", "91", "14", "7", "14", "2024-01-08", "2024-01-22"],  // 7 contacts, 6 dates
            "K02": ["2024-01-01", "2024-04-01", "91", "14", "6", "15", "2024-01-22", "2024-02-06"],
            "K03": ["2024-01-01", "2024-04-01", "91", "14", "6", "15", "2024-03-17", "2024-04-01"],
            "K04": ["2024-01-01", "2024-04-01", "91", "14", "6", "15", "2024-01-01", "2024-01-16"],
            // K05: gaps 1, 14, 12 (from its two sessions; not eligible)
            "K05": ["2024-03-05", "2024-04-01", "27", "14", "2", "14", "2024-03-06", "2024-03-20"],
            "K06": ["2024-03-04", "2024-04-01", "28", "14", "2", "14", "2024-03-11", "2024-03-25"],
            "K07": ["2024-01-01", "2024-04-01", "91", "14", "0", "91", "2024-01-01", "2024-04-01"],
            "K08": ["2024-01-01", "2024-04-01", "91", "14", "5", "28", "2024-01-22", "2024-02-19"],
            "K09": ["2024-01-01", "2024-04-01", "91", "28", "3", "28", "2024-01-15", "2024-02-12"],  // tie: the earliest
            "K10": ["2024-01-01", "2024-04-01", "91", "28", "3", "29", "2024-01-15", "2024-02-13"],
            "K11": ["2024-01-01", "2024-02-15", "45", "14", "3", "14", "2024-01-08", "2024-01-22"],
            "K13": ["2024-01-01", "2024-04-01", "91", "14", "6", "15", "2024-03-17", "2024-04-01"],
        ])

        let sessionDates = try detailDates(run: run, metric: "keywork_regular", periodStart: Self.quarter, key: "session_dates")
        let expectedDates: [String: String] = [
            "K01": "2024-01-08 2024-01-22 2024-02-05 2024-02-19 2024-03-04 2024-03-18",
            "K07": "",
            "K08": "2024-01-08 2024-01-22 2024-02-19 2024-03-04 2024-03-18",
            "K13": "2024-01-07 2024-01-21 2024-02-04 2024-02-18 2024-03-03 2024-03-17",
        ]
        for (caseID, dates) in expectedDates.sorted(by: { $0.key < $1.key }) {
            XCTAssertEqual(sessionDates[caseID], dates, "session_dates of \(caseID)")
        }
    }

    func testOtherCustodyMetricsPerCase() throws {
        let run = try wholeQuarter()
        let nobody = outcomeTable([Self.allCases: "-"])
        // no POM allocation overlaps any W; rosh low everywhere
        try assertOutcomes(run: run, metric: "pom_contact_regular", periodStart: Self.quarter, nobody)
        try assertOutcomes(run: run, metric: "high_risk_with_probation_pom", periodStart: Self.quarter, nobody)
        // on 2024-03-31: K05 (26 days) and K06 (27 days) too recent, K11 released; no sentence plans
        try assertOutcomes(run: run, metric: "sentence_plan_in_place", periodStart: Self.quarter, outcomeTable([
            "K01 K02 K03 K04 K07 K08 K09 K10 K13": "E x",
            "K05 K06 K11": "-",
        ]))
    }

    func testReleaseMetricsOfK11() throws {
        let run = try wholeQuarter()
        let table: [(metric: String, outcome: String)] = [
            ("handover_on_time", "-"),                // determinate_short: no handover date
            ("communication_adequate", "-"),          // no COM allocation
            ("prerelease_contact_sufficient", "E x"), // no COM contacts
            ("accommodation_on_release", "E x"),      // no release outcome row
            ("settled_accommodation_on_release", "E x"),
            ("id_on_release", "E x"),
            ("bank_account_on_release", "E x"),
            ("ete_on_release", "E x"),
            ("recalled_within_28_days", "E x"),       // 02-15 + 28 = 03-14 <= as_of 04-05; no recall
        ]
        for (metric, outcome) in table {
            // K11 is the only case released in P
            try assertOutcomes(run: run, metric: metric, periodStart: Self.quarter, ["K11": outcome])
        }
        try assertDetails(run: run, metric: "handover_on_time", periodStart: Self.quarter,
                          keys: ["release_date", "handover_date", "handover_reason"],
                          ["K11": ["2024-02-15", nil, "determinate_short"]])
        for metric in ["accommodation_on_release", "settled_accommodation_on_release", "id_on_release",
                       "bank_account_on_release", "ete_on_release"] {
            try assertDetails(run: run, metric: metric, periodStart: Self.quarter,
                              keys: ["release_outcome_recorded"], ["K11": ["false"]])
        }
        try assertDetails(run: run, metric: "recalled_within_28_days", periodStart: Self.quarter,
                          keys: ["follow_up_until", "recall_case_id"], ["K11": ["2024-03-14", nil]])
    }

    func testKeyworkRatesPerScope() throws {
        let run = try wholeQuarter()
        let metric = "keywork_regular"
        let rollup = ExpectedRate("national", "national", metric, 4, 11,
                                  rate: 0.363636364, ci: (0.151664710, 0.646198827), band: "inadequate")
        try assertRates(run: run, periodStart: Self.quarter, accuracy: 1e-9, [
            ExpectedRate("establishment", "AAA", metric, 3, 9, rate: 0.333333333, ci: (0.120583817, 0.645797866), band: "inadequate"),
            // 0.5 >= band_requires_improvement 0.50
            ExpectedRate("establishment", "BBB", metric, 1, 2, rate: 0.5, ci: (0.094531205, 0.905468795), band: "requires_improvement"),
            rollup.at("prison_group", "Group One"),
            rollup.at("probation_region", "Region North"),
            rollup,
        ])
        XCTAssertEqual(try value("select count(*)::text from metrics.rates where run_id = \(run) and scope_type = 'release_region'"), "0")
        // 5 scopes x 13 metrics, zero counts included
        XCTAssertEqual(try value("select count(*)::text from metrics.rates where run_id = \(run)"), "65")
    }

    func testOtherNationalRates() throws {
        let run = try wholeQuarter()
        var expected = [
            ExpectedRate("national", "national", "sentence_plan_in_place", 0, 9, rate: 0, ci: (0, 0.299145052), band: "inadequate"),
        ]
        for metric in ["prerelease_contact_sufficient", "accommodation_on_release", "settled_accommodation_on_release",
                       "id_on_release", "bank_account_on_release", "ete_on_release", "recalled_within_28_days"] {
            // recall is lower-is-better (metrics.md, Rates): never banded
            expected.append(ExpectedRate("national", "national", metric, 0, 1, rate: 0, ci: (0, 0.793450688),
                                         band: metric == "recalled_within_28_days" ? nil : "inadequate"))
        }
        for metric in ["pom_contact_regular", "high_risk_with_probation_pom", "handover_on_time", "communication_adequate"] {
            expected.append(.empty("national", "national", metric))
        }
        try assertRates(run: run, periodStart: Self.quarter, accuracy: 1e-9, expected)
    }

    // MARK: - Call 2: months

    func testMonthlyPeriodsAreCutAtAsOf() throws {
        let run = try aggregate(from: "2024-01-01", to: "2024-05-01", period: .month)
        XCTAssertEqual(try asOf(run: run), "2024-04-05")
        assertRows(try periods(run: run), [
            ["2024-01-01", "2024-02-01", "2024-02-01"],
            ["2024-02-01", "2024-03-01", "2024-03-01"],
            ["2024-03-01", "2024-04-01", "2024-04-01"],
            ["2024-04-01", "2024-04-06", "2024-05-01"],   // as_of + 1
        ])
    }

    func testMonthlyKeyworkRegular() throws {
        let run = try aggregate(from: "2024-01-01", to: "2024-05-01", period: .month)
        let table: [(month: String, eligible: String, met: String)] = [
            ("2024-01-01", "K01 K02 K03 K04 K07 K08 K09 K10 K11 K13", "K01 K02 K03 K08 K09 K10 K11 K13"),
            // K11: W 02-01 -> 02-15 = 14 days, not eligible
            ("2024-02-01", "K01 K02 K03 K04 K07 K08 K09 K10 K13", "K01 K02 K03 K04 K09 K10 K13"),
            // K05: 27 days
            ("2024-03-01", "K01 K02 K03 K04 K06 K07 K08 K09 K10 K13", "K01 K02 K04 K06 K08 K09 K10"),
            // |W| = 5
            ("2024-04-01", "", ""),
        ]
        for (month, eligible, met) in table {
            XCTAssertEqual(try cases(run: run, metric: "keywork_regular", periodStart: month).joined(separator: " "), eligible,
                           "eligible in \(month)")
            XCTAssertEqual(try cases(run: run, metric: "keywork_regular", periodStart: month, met: true).joined(separator: " "), met,
                           "met in \(month)")
        }

        // K02 is regular every month although not over the quarter; K04 fails only January;
        // K08 fails only February (first gap 18)
        let byCase: [(caseID: String, outcomes: [String])] = [
            ("K02", ["E M", "E M", "E M"]),
            ("K04", ["E x", "E M", "E M"]),
            ("K08", ["E M", "E x", "E M"]),
        ]
        for (caseID, expected) in byCase {
            let actual = try ["2024-01-01", "2024-02-01", "2024-03-01"].map {
                try outcomes(run: run, metric: "keywork_regular", periodStart: $0)[caseID] ?? "no row"
            }
            XCTAssertEqual(actual, expected, caseID)
        }
        XCTAssertEqual(try outcomes(run: run, metric: "keywork_regular", periodStart: "2024-02-01")["K11"], "-")
    }

    func testMonthlyNationalRates() throws {
        let run = try aggregate(from: "2024-01-01", to: "2024-05-01", period: .month)
        let table: [(month: String, rate: ExpectedRate)] = [
            // 0.80 >= band_outstanding 0.80
            ("2024-01-01", ExpectedRate("national", "national", "keywork_regular", 8, 10,
                                        rate: 0.8, ci: (0.490162, 0.943318), band: "outstanding")),
            ("2024-02-01", ExpectedRate("national", "national", "keywork_regular", 7, 9,
                                        rate: 7.0 / 9.0, ci: (0.452589, 0.936775), band: "good")),
            ("2024-03-01", ExpectedRate("national", "national", "keywork_regular", 7, 10,
                                        rate: 0.7, ci: (0.396778, 0.892209), band: "good")),
            ("2024-04-01", .empty("national", "national", "keywork_regular")),
        ]
        for (month, rate) in table {
            try assertRates(run: run, periodStart: month, accuracy: 1e-6, [rate])
        }
    }
}
