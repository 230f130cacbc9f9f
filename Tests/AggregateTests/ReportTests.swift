import Aggregate
import Export
import Foundation
import PostgresClient
import TestSupport
import ThroughcareCore
import XCTest

/// Issue #12, the board report: pages for every scope of a run, every shown published figure on
/// its page and no suppressed one, the banners, and the direction rule for recall.
final class ReportTests: AggregateTestCase {
    var exportRoot: URL!

    override func setUpWithError() throws {
        try super.setUpWithError()
        exportRoot = FileManager.default.temporaryDirectory.appendingPathComponent("throughcare-report-\(UUID().uuidString)")
    }

    override func tearDown() {
        if let exportRoot { try? FileManager.default.removeItem(at: exportRoot) }
        super.tearDown()
    }

    func exportRun(official: Bool, period: PeriodKind = .whole) throws -> (Int64, URL) {
        try load(fixture: "suppression")
        let run = try aggregate(from: "2024-01-01", to: "2024-04-01", period: period, official: official)
        let directory = try ExportRunner(connection: connection).export(runID: run, to: exportRoot)
        return (run, directory)
    }

    func page(_ directory: URL, _ file: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
    }

    /// The HTML of one metric's section on a page.
    func section(_ html: String, metric: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        guard let start = html.range(of: "<section class=\"metric\" id=\"m-\(metric)\""),
              let end = html.range(of: "</section>", range: start.upperBound..<html.endIndex) else {
            XCTFail("no section for \(metric)", file: file, line: line)
            return ""
        }
        return String(html[start.lowerBound..<end.upperBound])
    }

    func pageFile(_ scopeType: String, _ scopeID: String) -> String {
        switch scopeType {
        case "national": return "index.html"
        case "probation_region": return "region-\(ReportWriter.slug(scopeID)).html"
        case "prison_group": return "group-\(ReportWriter.slug(scopeID)).html"
        default: return "establishment-\(ReportWriter.slug(scopeID)).html"
        }
    }

    func testPagesExistForEveryRegionGroupAndEstablishmentLinkedBothWays() throws {
        let (run, directory) = try exportRun(official: true)
        let scopes = try rows("""
            select scope_type, scope_id from published.rates_cells
            where run_id = \(run) and scope_type <> 'release_region' group by 1, 2 order by 1, 2
            """)
        XCTAssertEqual(scopes.count, 1 + 3 + 2 + 6)
        let national = try page(directory, "index.html")
        for scope in scopes {
            let file = pageFile(scope[0]!, scope[1]!)
            let html = try page(directory, file)
            if scope[0] != "national" {
                XCTAssertTrue(national.contains("href=\"\(file)\""), "national page links to \(file)")
                XCTAssertTrue(html.contains("href=\"index.html\""), "\(file) links back to the national page")
            }
        }
        let establishment = try page(directory, "establishment-saa.html")
        XCTAssertTrue(establishment.contains("href=\"group-group-s1.html\""))
        XCTAssertTrue(establishment.contains("href=\"region-region-s1.html\""))
        XCTAssertTrue(try page(directory, "group-group-s1.html").contains("href=\"establishment-saa.html\""))
        XCTAssertTrue(try page(directory, "region-region-s1.html").contains("href=\"establishment-sdd.html\""))
    }

    func testEveryShownPublishedFigureIsOnItsPageAndNoSuppressedOne() throws {
        let (run, directory) = try exportRun(official: true)
        let cells = try rows("""
            select p.scope_type, p.scope_id, p.metric, p.numerator::text, p.denominator::text, p.suppressed,
                   r.numerator::text, r.denominator::text
            from published.rates_cells as p
            join metrics.rates as r using (run_id, scope_type, scope_id, period_start, metric)
            where p.run_id = \(run) and p.scope_type <> 'release_region'
            """)
        XCTAssertGreaterThan(cells.count, 100)
        var suppressedSeen = 0
        for cell in cells {
            let html = section(try page(directory, pageFile(cell[0]!, cell[1]!)), metric: cell[2]!)
            if cell[5] == nil {
                if cell[4] != "0" {
                    XCTAssertTrue(html.contains("\(cell[3]!) of \(cell[4]!) people"), "\(cell[0]!)/\(cell[1]!) \(cell[2]!): \(cell[3]!) of \(cell[4]!) shown")
                }
            } else {
                suppressedSeen += 1
                XCTAssertTrue(html.contains("[c]"), "\(cell[1]!) \(cell[2]!) shows [c]")
                XCTAssertFalse(html.contains("\(cell[6]!) of \(cell[7]!) people"), "\(cell[1]!) \(cell[2]!): the hidden figure leaks")
                XCTAssertFalse(html.contains("<td>\(cell[7]!)</td>"), "\(cell[1]!) \(cell[2]!): the hidden denominator leaks")
            }
        }
        XCTAssertGreaterThan(suppressedSeen, 0)
        // The national ranking shows SAA's id_on_release as [c], never 5 of 9.
        let ranking = section(try page(directory, "index.html"), metric: "id_on_release")
        XCTAssertTrue(ranking.contains("<td>7</td><td>10</td>"), "SCC shown in the ranking table")
        XCTAssertFalse(ranking.contains("<td>5</td><td>9</td>"), "SAA hidden in the ranking table")
        XCTAssertTrue(ranking.contains("<svg class=\"chart ranking\""))
        XCTAssertTrue(ranking.contains("<svg class=\"chart trend\""))
    }

    func testBannersSayOfficialOrExploratory() throws {
        let (_, directory) = try exportRun(official: false)
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".html") {
            let html = try page(directory, file)
            XCTAssertTrue(html.contains("EXPLORATORY — NOT FOR PUBLICATION"), file)
            XCTAssertFalse(html.contains("banner official"), file)
        }
        let official = try ExportRunner(connection: connection).export(
            runID: try aggregate(from: "2024-01-01", to: "2024-04-01", official: true), to: exportRoot)
        let html = try page(official, "index.html")
        XCTAssertTrue(html.contains("class=\"banner official\""))
        XCTAssertFalse(html.contains("NOT FOR PUBLICATION"))
    }

    func testRecallIsLowerIsBetterAndNotBanded() throws {
        let (run, directory) = try exportRun(official: false)
        XCTAssertEqual(try value("select direction from metrics.metric_definitions where metric = 'recalled_within_28_days'"), "lower_is_better")
        XCTAssertEqual(try value("""
            select count(*)::text from metrics.rates
            where run_id = \(run) and metric = 'recalled_within_28_days' and band is not null
            """), "0")
        XCTAssertGreaterThan(try Int(XCTUnwrap(value("""
            select count(*)::text from metrics.rates where run_id = \(run) and metric = 'id_on_release' and band is not null
            """))) ?? 0, 0, "higher-is-better metrics keep their band")
        let html = section(try page(directory, "index.html"), metric: "recalled_within_28_days")
        XCTAssertTrue(html.contains("Lower is better"))
        XCTAssertTrue(html.contains("Not banded: lower is better"))
        XCTAssertTrue(html.contains("Recalled to custody within 28 days"))
    }

    func testPagesCarryDefinitionsComparisonsCaveatsAndRunDetails() throws {
        let (_, directory) = try exportRun(official: true, period: .month)
        let html = try page(directory, "establishment-sff.html")
        let keywork = section(html, metric: "settled_accommodation_on_release")
        XCTAssertTrue(keywork.contains("Settled accommodation on release"))
        XCTAssertTrue(keywork.contains("The inspection found 40.0%"))
        XCTAssertTrue(keywork.contains("National: "))
        XCTAssertTrue(html.contains("Releases in the range with no recorded outcome"))
        XCTAssertTrue(html.contains("People in custody on 2024-03-31 with no POM"))
        XCTAssertTrue(html.contains("<caption>"))
        XCTAssertTrue(html.contains("scope=\"col\""))
        XCTAssertTrue(html.contains("@media print"))
        XCTAssertTrue(html.contains("SHA-256"))
        XCTAssertTrue(html.contains("all at their defaults"))
        XCTAssertFalse(html.contains("http://") && html.contains("<script src"), "no external resources")
    }
}
