import Aggregate
import Foundation
import PostgresClient
import TestSupport
import XCTest

/// The in-custody metrics on the hand-built `custody` fixture (one prison, CCC): pom_contact_regular
/// (live and completed only, allocation overlap, 42-day edges), sentence_plan_in_place (56-day edge,
/// plan dated on pe - 1, plans outside the sentence, an OASys that is not a plan) and
/// high_risk_with_probation_pom (deciding allocation, responsibility on pe - 1, rosh). Every expected
/// value is from Fixtures/custody/EXPECTED.md.
final class CustodyMetricTests: AggregateTestCase {
    static let period = "2024-01-01"
    static let highRisk = "H01 H02 H03 H04 H05 H06 H07 H08 H10 H11"
    static let scopes: [(type: String, id: String)] = [
        ("establishment", "CCC"), ("prison_group", "Group C"), ("probation_region", "Region C"), ("national", "national"),
    ]

    var run: Int64 = 0

    override func setUpWithError() throws {
        try super.setUpWithError()
        try load(fixture: "custody")
        // aggregate --from 2024-01-01 --to 2024-04-01 --period whole
        run = try aggregate(from: "2024-01-01", to: "2024-04-01", period: .whole)
    }

    func testAsOfAndPeriod() throws {
        // P01's pom_contact on 2024-04-02, outside W
        XCTAssertEqual(try asOf(run: run), "2024-04-02")
        assertRows(try periods(run: run), [["2024-01-01", "2024-04-01", "2024-04-01"]])
    }

    // MARK: - pom_contact_regular

    func testPomContactRegularPerCase() throws {
        try assertOutcomes(run: run, metric: "pom_contact_regular", periodStart: Self.period, outcomeTable([
            "P01": "E M",
            "P02": "E x",           // 43-day gap 01-15 -> 02-27
            "P03": "E x",           // the phone contact is not live
            "P04": "E x",           // the refused contact does not count
            "P05": "-",             // no POM allocation (a keyworker one)
            "P06": "-",             // POM allocation ended before W
            "P07": "E x",           // POM from the last day of W: overlaps; no contacts
            "P08": "-",             // |W| = 41
            "P09": "E M",           // |W| = 42
            "P10": "E M",           // longest gap 42, the last one
            "P11": "E x",           // last gap 43
            "P12": "E x",           // keywork_session by a POM is not a pom_contact
            Self.highRisk: "E x",   // POM allocation overlapping W, no pom_contact
            "Q01 Q02 Q03": "-",     // no POM allocation
        ]))
    }

    func testPomContactEvidence() throws {
        let keys = ["observed_days", "longest_gap_days", "longest_gap_from", "longest_gap_to"]
        try assertDetails(run: run, metric: "pom_contact_regular", periodStart: Self.period, keys: keys, [
            "P01": ["91", "36", "2024-01-15", "2024-02-20"],
            "P02": ["91", "43", "2024-01-15", "2024-02-27"],
            "P03": ["91", "70", "2024-01-15", "2024-03-25"],
            "P04": ["91", "70", "2024-01-15", "2024-03-25"],
            "P07": ["91", "91", "2024-01-01", "2024-04-01"],
            "P08": ["41", "41", "2024-02-20", "2024-04-01"],   // W 02-20 -> 04-01, no contact
            "P09": ["42", "28", "2024-02-26", "2024-03-25"],
            "P10": ["91", "42", "2024-02-19", "2024-04-01"],   // gaps 9, 40, 42
            "P11": ["91", "43", "2024-02-18", "2024-04-01"],
            "P12": ["91", "91", "2024-01-01", "2024-04-01"],
        ])

        let dates = try detailDates(run: run, metric: "pom_contact_regular", periodStart: Self.period, key: "contact_dates")
        let expectedDates: [(caseID: String, dates: String)] = [
            ("P01", "2024-01-15 2024-02-20 2024-03-25"),   // 04-02 is outside W
            ("P02", "2024-01-15 2024-02-27 2024-03-25"),
            ("P03", "2024-01-15 2024-03-25"),
            ("P04", "2024-01-15 2024-03-25"),
            ("P07", ""),
            ("P09", "2024-02-26 2024-03-25"),
            ("P10", "2024-01-10 2024-02-19"),
            ("P11", "2024-01-10 2024-02-18"),
            ("P12", ""),
        ]
        for (caseID, expected) in expectedDates {
            XCTAssertEqual(dates[caseID], expected, "contact_dates of \(caseID)")
        }
    }

    // MARK: - sentence_plan_in_place

    func testSentencePlanInPlacePerCase() throws {
        try assertOutcomes(run: run, metric: "sentence_plan_in_place", periodStart: Self.period, outcomeTable([
            "P01": "E M",
            "P02": "E x",                        // plan dated after pe - 1
            "P03": "E x",                        // plan before sentence start
            "P04": "E x",                        // an oasys is not a plan
            "P05 P06 P07 P10 P11 P12": "E x",    // no plan
            "P08 P09": "-",                      // 40 and 41 days
            "Q01": "E M",                        // 56 days; plan dated on pe - 1 counts
            "Q02": "-",                          // 55 days
            "Q03": "-",                          // released on 03-31: not in custody that day
            Self.highRisk: "E x",
        ]))
        try assertDetails(run: run, metric: "sentence_plan_in_place", periodStart: Self.period,
                          keys: ["on_day", "days_since_sentence_start", "in_custody_on_day", "sentence_plans_counted"], [
            "P01": ["2024-03-31", "304", "true", "1"],
            "P02": ["2024-03-31", "304", "true", "0"],
            "P03": ["2024-03-31", "304", "true", "0"],
            "P04": ["2024-03-31", "304", "true", "0"],
            "Q01": ["2024-03-31", "56", "true", "1"],
        ])
        try assertDetails(run: run, metric: "sentence_plan_in_place", periodStart: Self.period,
                          keys: ["days_since_sentence_start", "in_custody_on_day"], [
            "P08": ["40", "true"],
            "P09": ["41", "true"],
            "Q02": ["55", "true"],
        ])
        try assertDetails(run: run, metric: "sentence_plan_in_place", periodStart: Self.period,
                          keys: ["in_custody_on_day"], ["Q03": ["false"]])
    }

    // MARK: - high_risk_with_probation_pom

    func testHighRiskWithProbationPomPerCase() throws {
        try assertOutcomes(run: run, metric: "high_risk_with_probation_pom", periodStart: Self.period, outcomeTable([
            "H01": "E M",   // POM2 (probation)
            "H02": "E x",   // POM1 (prison)
            "H03": "E M",   // latest start decides: POM2
            "H04": "E x",   // same start: highest staff_id decides: POM3 (prison)
            "H05": "-",     // handover 2023-12-18: COM responsible on 03-31
            "H06": "-",     // rosh medium
            "H07": "-",     // POM allocation ended 03-30
            "H08": "-",     // recall: COM throughout
            "H10": "-",     // handover 2024-03-31: COM responsible from that day
            "H11": "E M",   // handover 2024-04-01: POM on 03-31
            "P01 P02 P03 P04 P05 P06 P07 P08 P09 P10 P11 P12 Q01 Q02 Q03": "-",   // rosh low
        ]))
        let keys = ["responsible", "active_pom_allocations", "deciding_pom_staff_id", "deciding_pom_staff_role"]
        try assertDetails(run: run, metric: "high_risk_with_probation_pom", periodStart: Self.period, keys: keys, [
            "H01": ["pom", "1", "POM2", "probation_pom"],
            "H02": ["pom", "1", "POM1", "prison_pom"],
            "H03": ["pom", "2", "POM2", "probation_pom"],
            "H04": ["pom", "2", "POM3", "prison_pom"],
            "H05": ["com", "1", "POM2", "probation_pom"],
            "H06": [nil, "1", "POM2", "probation_pom"],     // responsible is asked only for high / very_high
            "H07": ["pom", "0", nil, nil],
            "H08": ["com", "1", "POM2", "probation_pom"],
            "H10": ["com", "1", "POM2", "probation_pom"],
            "H11": ["pom", "1", "POM2", "probation_pom"],
        ])
        try assertDetails(run: run, metric: "high_risk_with_probation_pom", periodStart: Self.period,
                          keys: ["on_day", "rosh", "deciding_pom_start_date"], [
            "H03": ["2024-03-31", "high", "2024-01-10"],
            "H04": ["2024-03-31", "high", "2024-01-10"],
        ])
    }

    // MARK: - keywork_regular and Q03's release

    func testKeyworkRegularNobodyMet() throws {
        // every case eligible (smallest W: P08, 41 days); P12's sessions have a 36-day gap
        let everyone = "P01 P02 P03 P04 P05 P06 P07 P08 P09 P10 P11 P12 Q01 Q02 Q03 " + Self.highRisk
        try assertOutcomes(run: run, metric: "keywork_regular", periodStart: Self.period, outcomeTable([everyone: "E x"]))
    }

    func testReleaseMetricsOfQ03() throws {
        let table: [(metric: String, outcome: String)] = [
            ("handover_on_time", "-"),                // determinate_short: no handover date
            ("communication_adequate", "-"),          // no COM
            ("prerelease_contact_sufficient", "E x"),
            ("accommodation_on_release", "E x"),      // no release outcome row
            ("settled_accommodation_on_release", "E x"),
            ("id_on_release", "E x"),
            ("bank_account_on_release", "E x"),
            ("ete_on_release", "E x"),
            ("recalled_within_28_days", "-"),         // 03-31 + 28 = 04-28 > as_of 04-02
        ]
        for (metric, outcome) in table {
            try assertOutcomes(run: run, metric: metric, periodStart: Self.period, ["Q03": outcome])
        }
        XCTAssertEqual(try value("select reason from core.case_handover where case_id = 'Q03'"), "determinate_short")
    }

    // MARK: - Rates

    func testRates() throws {
        var national: [ExpectedRate] = [
            ExpectedRate("national", "national", "keywork_regular", 0, 25, rate: 0, ci: (0, 0.133192), band: "inadequate"),
            ExpectedRate("national", "national", "pom_contact_regular", 3, 19,
                         rate: 0.157895, ci: (0.055205, 0.375655), band: "inadequate"),
            ExpectedRate("national", "national", "sentence_plan_in_place", 2, 21,
                         rate: 0.095238, ci: (0.026519, 0.289141), band: "inadequate"),
            ExpectedRate("national", "national", "high_risk_with_probation_pom", 3, 5,
                         rate: 0.6, ci: (0.230724, 0.882379), band: "requires_improvement"),
        ]
        for metric in ["handover_on_time", "communication_adequate", "recalled_within_28_days"] {
            national.append(.empty("national", "national", metric))
        }
        for metric in ["prerelease_contact_sufficient", "accommodation_on_release", "settled_accommodation_on_release",
                       "id_on_release", "bank_account_on_release", "ete_on_release"] {
            national.append(ExpectedRate("national", "national", metric, 0, 1, rate: 0, ci: (0, 0.793451), band: "inadequate"))
        }
        XCTAssertEqual(national.count, 13)
        // CCC = Group C = Region C = national
        let expected = Self.scopes.flatMap { scope in national.map { $0.at(scope.type, scope.id) } }
        try assertRates(run: run, periodStart: Self.period, accuracy: 1e-6, expected)
        // no release regions
        XCTAssertEqual(try value("select count(*)::text from metrics.rates where run_id = \(run)"), "52")
    }
}
