import Aggregate
import Foundation
import PostgresClient
import TestSupport
import XCTest

/// The release metrics on the hand-built `release` fixture (one prison, DDD): handover_on_time,
/// communication_adequate, prerelease_contact_sufficient, the five resettlement metrics and
/// recalled_within_28_days, with release-region rates. Every expected value is from
/// Fixtures/release/EXPECTED.md.
final class ReleaseMetricTests: AggregateTestCase {
    static let period = "2024-01-01"
    static let released = "R01 R02 R03 R04 R05 R06 R07 R08 R09 R10 R12"
    static let recallEpisodes = "R08B R09B R12B"

    var run: Int64 = 0

    override func setUpWithError() throws {
        try super.setUpWithError()
        try load(fixture: "release")
        // aggregate --from 2024-01-01 --to 2024-04-01 --period whole
        run = try aggregate(from: "2024-01-01", to: "2024-04-01", period: .whole)
    }

    func testAsOfAndReleasedCases() throws {
        // R08B's did_not_attend keywork session
        XCTAssertEqual(try asOf(run: run), "2024-04-20")
        assertRows(try periods(run: run), [["2024-01-01", "2024-04-01", "2024-04-01"]])
        let expected: [String?] = Self.released.split(separator: " ").map { String($0) }
        XCTAssertEqual(try column("""
            select case_id from metrics.case_metrics
            where run_id = \(run) and metric = 'handover_on_time'
            order by case_id collate "C"
            """), expected)
    }

    func testHandoverDates() throws {
        assertRows(try rows("""
            select case_id, reason, handover_date::text
            from core.case_handover
            order by case_id collate "C"
            """), [
            ["R01", "determinate_parole", "2023-03-01"],   // PED - 12 months
            ["R02", "determinate_parole", "2023-03-01"],
            ["R03", "determinate_parole", "2023-03-01"],
            ["R04", "determinate_parole", "2023-03-01"],
            ["R05", "determinate_parole", "2024-02-01"],
            ["R06", "determinate_short", nil],             // COM throughout
            ["R07", "determinate_parole", "2024-06-01"],   // after release
            ["R08", "determinate_short", nil],
            ["R08B", "recall", nil],
            ["R09", "determinate_short", nil],
            ["R09B", "recall", nil],
            ["R10", "determinate", "2023-07-11"],          // ERD - 8 months 14 days
            ["R12", "determinate_short", nil],
            ["R12B", "recall", nil],
        ])
    }

    // MARK: - Per case

    func testHandoverOnTime() throws {
        try assertOutcomes(run: run, metric: "handover_on_time", periodStart: Self.period, outcomeTable([
            "R01": "E M",
            "R02": "E x",           // COM allocated the day after the handover
            "R03 R04 R05": "E M",
            "R06": "-",             // no handover date
            "R07": "-",             // handover not before release
            "R08 R09 R12": "-",
            "R10": "E M",           // COM allocated on the handover day
        ]))
        try assertDetails(run: run, metric: "handover_on_time", periodStart: Self.period,
                          keys: ["handover_date", "first_com_staff_id", "first_com_start_date"], [
            "R01": ["2023-03-01", "COM1", "2023-02-15"],
            "R02": ["2023-03-01", "COM1", "2023-03-02"],
            "R05": ["2024-02-01", "COM2", "2024-01-15"],
            "R10": ["2023-07-11", "COM2", "2023-07-11"],
        ])
    }

    func testCommunicationAdequate() throws {
        try assertOutcomes(run: run, metric: "communication_adequate", periodStart: Self.period, outcomeTable([
            "R01": "E M",
            "R02": "E x",           // the liaison was cancelled
            "R03": "E x",           // handover meeting 57 days before the handover
            "R04": "E M",           // 56 days before
            "R05": "E M",           // one contact satisfies (a) and (b)
            "R06": "E M",           // (b) does not apply
            "R07": "-",             // COM starts on the release day
            "R08 R09 R12": "-",     // no COM
            "R10": "E M",           // written liaison; handover + 28 inclusive
        ]))
        try assertDetails(run: run, metric: "communication_adequate", periodStart: Self.period,
                          keys: ["prerelease_met", "handover_rule_applies", "handover_met"], [
            "R01": ["true", "true", "true"],
            "R02": ["false", "true", "false"],
            "R03": ["true", "true", "false"],
            "R04": ["true", "true", "true"],
            "R05": ["true", "true", "true"],
            "R06": ["true", "false", "true"],
            "R10": ["true", "true", "true"],
        ])
        try assertDetails(run: run, metric: "communication_adequate", periodStart: Self.period,
                          keys: ["prerelease_window_start", "handover_window_first_day", "handover_window_last_day"], [
            "R01": ["2023-12-08", "2023-01-04", "2023-03-29"],
            "R05": ["2023-12-08", "2023-12-07", "2024-02-29"],
            "R06": ["2023-12-22", nil, nil],
            "R10": ["2024-01-01", "2023-05-16", "2023-08-08"],
        ])
    }

    func testPrereleaseContactSufficient() throws {
        try assertOutcomes(run: run, metric: "prerelease_contact_sufficient", periodStart: Self.period, outcomeTable([
            "R01": "E M",
            "R02": "E x",           // the written contact is excluded: only 2
            "R03": "E x",           // none live
            "R04": "E M",           // the first day of the window counts
            "R05": "E x",           // the release day is outside the window
            "R06": "E M",           // a handover meeting counts
            "R07 R08 R10": "E x",   // none (R08's are pom_contact, R10's are liaisons)
            "R09": "E x",           // 85 days before release is outside
            "R12": "E x",           // did_not_attend does not count
        ]))
        let expected: [(caseID: String, counted: String, live: String)] = [
            ("R01", "3", "2"), ("R02", "2", "1"), ("R03", "3", "0"), ("R04", "3", "1"), ("R05", "2", "2"),
            ("R06", "3", "2"), ("R07", "0", "0"), ("R08", "0", "0"), ("R09", "2", "2"), ("R10", "0", "0"),
            ("R12", "2", "2"),
        ]
        try assertDetails(run: run, metric: "prerelease_contact_sufficient", periodStart: Self.period,
                          keys: ["contacts_counted", "live_contacts"],
                          Dictionary(uniqueKeysWithValues: expected.map { ($0.caseID, [$0.counted, $0.live] as [String?]) }))
    }

    func testResettlement() throws {
        // M = met, x = not met, per case: accommodation, settled, id, bank account, ete
        let table: [(caseID: String, outcomes: String)] = [
            ("R01", "M M M M M"),   // settled, t, t, t
            ("R02", "M x x M x"),   // temporary, f, t, f
            ("R03", "M x M x x"),   // approved_premises, t, f, f
            ("R04", "x x x x x"),   // none, f, f, f
            ("R05", "x x M M M"),   // unknown, t, t, t
            ("R06", "M M x x M"),   // settled, f, f, t
            ("R07", "x x x x x"),   // no outcome row
            ("R08", "M x M M x"),   // temporary, t, t, f
            ("R09", "M M M M M"),   // settled, t, t, t
            ("R10", "x x M x x"),   // none, t, f, f
            ("R12", "x x x x x"),   // no outcome row
        ]
        let metrics = ["accommodation_on_release", "settled_accommodation_on_release", "id_on_release",
                       "bank_account_on_release", "ete_on_release"]
        for (index, metric) in metrics.enumerated() {
            var expected: [String: String] = [:]
            for (caseID, outcomes) in table {
                let code = outcomes.split(separator: " ")[index]
                expected[caseID] = code == "M" ? "E M" : "E x"
            }
            try assertOutcomes(run: run, metric: metric, periodStart: Self.period, expected)
        }
        try assertDetails(run: run, metric: "id_on_release", periodStart: Self.period, keys: ["release_outcome_recorded"], [
            "R01": ["true"], "R07": ["false"], "R12": ["false"],
        ])
    }

    func testRecalledWithin28Days() throws {
        try assertOutcomes(run: run, metric: "recalled_within_28_days", periodStart: Self.period, outcomeTable([
            "R01 R02 R03 R04 R05 R06 R07": "E x",
            "R08": "E M",           // recall episode 28 days after release
            "R09": "E x",           // 29 days
            "R10": "-",             // release + 28 = 04-22 > as_of 04-20
            "R12": "E x",           // recall starts on the release day, not after it
        ]))
        try assertDetails(run: run, metric: "recalled_within_28_days", periodStart: Self.period,
                          keys: ["follow_up_until", "recall_case_id", "recall_start_date", "days_to_recall"], [
            "R08": ["2024-02-29", "R08B", "2024-02-29", "28"],
            "R09": ["2024-02-29", nil, nil, nil],
            "R10": ["2024-04-22", nil, nil, nil],
            "R12": ["2024-03-09", nil, nil, nil],
        ])
    }

    func testCustodyMetrics() throws {
        let everyone = Self.released + " " + Self.recallEpisodes
        // all 14 eligible (smallest W: R08B, 32 days), no completed keywork session
        try assertOutcomes(run: run, metric: "keywork_regular", periodStart: Self.period, outcomeTable([everyone: "E x"]))
        for metric in ["pom_contact_regular", "sentence_plan_in_place", "high_risk_with_probation_pom"] {
            try assertOutcomes(run: run, metric: metric, periodStart: Self.period, outcomeTable([everyone: "-"]))
        }
    }

    // MARK: - Rates

    func testRates() throws {
        var national: [ExpectedRate] = [
            ExpectedRate("national", "national", "handover_on_time", 5, 6, rate: 0.833333, ci: (0.436497, 0.969947), band: "outstanding"),
            ExpectedRate("national", "national", "communication_adequate", 5, 7, rate: 0.714286, ci: (0.358934, 0.917781), band: "good"),
            ExpectedRate("national", "national", "prerelease_contact_sufficient", 3, 11,
                         rate: 0.272727, ci: (0.097461, 0.565645), band: "inadequate"),
            ExpectedRate("national", "national", "accommodation_on_release", 6, 11,
                         rate: 0.545455, ci: (0.280092, 0.787287), band: "requires_improvement"),
            ExpectedRate("national", "national", "settled_accommodation_on_release", 3, 11,
                         rate: 0.272727, ci: (0.097461, 0.565645), band: "inadequate"),
            ExpectedRate("national", "national", "id_on_release", 6, 11,
                         rate: 0.545455, ci: (0.280092, 0.787287), band: "requires_improvement"),
            ExpectedRate("national", "national", "bank_account_on_release", 5, 11,
                         rate: 0.454545, ci: (0.212713, 0.719908), band: "inadequate"),
            ExpectedRate("national", "national", "ete_on_release", 4, 11, rate: 0.363636, ci: (0.151665, 0.646199), band: "inadequate"),
            ExpectedRate("national", "national", "recalled_within_28_days", 1, 10, rate: 0.1, ci: (0.017876, 0.404150), band: nil),  // lower is better: not banded
            ExpectedRate("national", "national", "keywork_regular", 0, 14, rate: 0, ci: (0, 0.215311), band: "inadequate"),
        ]
        for metric in ["pom_contact_regular", "sentence_plan_in_place", "high_risk_with_probation_pom"] {
            national.append(.empty("national", "national", metric))
        }
        XCTAssertEqual(national.count, 13)
        // DDD = Group D = Region D = national
        let scopes = [("establishment", "DDD"), ("prison_group", "Group D"), ("probation_region", "Region D"), ("national", "national")]
        let expected = scopes.flatMap { scope in national.map { $0.at(scope.0, scope.1) } }
        try assertRates(run: run, periodStart: Self.period, accuracy: 1e-6, expected)
    }

    func testReleaseRegionRates() throws {
        // cases by their own release region; R07-R12 have none
        let table: [(metric: String, south: String, east: String)] = [
            ("handover_on_time", "3/4", "1/1"),
            ("communication_adequate", "2/4", "2/2"),
            ("prerelease_contact_sufficient", "2/4", "1/2"),
            ("id_on_release", "2/4", "1/2"),
            ("recalled_within_28_days", "0/4", "0/2"),
        ]
        for (metric, south, east) in table {
            let byScope = try counts(run: run, metric: metric, periodStart: Self.period)
            XCTAssertEqual(byScope["release_region/Region South"], south, "\(metric) Region South")
            XCTAssertEqual(byScope["release_region/Region East"], east, "\(metric) Region East")
        }
        XCTAssertEqual(try column("""
            select distinct scope_id collate "C" from metrics.rates
            where run_id = \(run) and scope_type = 'release_region'
            order by 1
            """), ["Region East", "Region South"])
    }
}
