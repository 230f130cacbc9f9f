@testable import Export
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Mustache
import XCTest

/// The report's chart geometry and SVG, without a database: positions on the 0–100% scale,
/// intervals shaded or drawn as whiskers, suppressed periods marked [c], labels escaped by the
/// template engine and the output well-formed XML.
final class SVGChartTests: XCTestCase {
    func render(_ object: Any, _ template: String) throws -> String {
        try MustacheTemplate(string: template).render(object)
    }

    func assertWellFormed(_ svg: String, file: StaticString = #filePath, line: UInt = #line) {
        let parser = XMLParser(data: Data(svg.utf8))
        XCTAssertTrue(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "") in \(svg)", file: file, line: line)
    }

    func testScaleMapsProportionsOntoThePlot() {
        XCTAssertEqual(TrendChart.y(0), TrendChart.height - 30)
        XCTAssertEqual(TrendChart.y(1), 12)
        XCTAssertEqual(TrendChart.y(0.5), (TrendChart.height - 30 + 12) / 2)
        XCTAssertEqual(TrendChart.y(1.7), TrendChart.y(1), "clamped")
        XCTAssertEqual(TrendChart.x(index: 0, count: 1), TrendChart.x(index: 0, count: 3) + (TrendChart.x(index: 2, count: 3) - TrendChart.x(index: 0, count: 3)) / 2, "one period sits in the middle")
        XCTAssertEqual(RankingChart.x(0), 150)
        XCTAssertEqual(RankingChart.x(1), 450)
    }

    func testIntervalIsShadedAcrossConsecutivePeriodsAndSuppressedPeriodsBreakTheLine() throws {
        let values = [
            ChartValue(label: "2024-01", rate: 0.5, low: 0.4, high: 0.6),
            ChartValue(label: "2024-02", rate: 0.6, low: 0.5, high: 0.7),
            ChartValue(label: "2024-03", rate: nil, low: nil, high: nil, suppressed: true),
            ChartValue(label: "2024-04", rate: 0.8, low: 0.7, high: 0.9),
        ]
        let chart = TrendChart(title: "Regular keywork", values: values, national: [0.5, 0.5, 0.5, 0.5], finding: 0.34)
        XCTAssertEqual(chart.bands.count, 1, "one shaded band for the first two periods")
        XCTAssertEqual(chart.bands[0].split(separator: " ").count, 4, "upper two then lower two")
        XCTAssertEqual(chart.lines.count, 1)
        XCTAssertEqual(chart.whiskers, [TrendChart.Whisker(x: coordinate(TrendChart.x(index: 3, count: 4)),
                                                           y1: coordinate(TrendChart.y(0.7)), y2: coordinate(TrendChart.y(0.9)))],
                       "a lone period's interval is a whisker")
        XCTAssertEqual(chart.points.count, 3)
        XCTAssertEqual(chart.suppressed.map(\.label), ["2024-03"])
        XCTAssertEqual(chart.findingY, coordinate(TrendChart.y(0.34)))
        XCTAssertNotNil(chart.nationalLine)

        let svg = try render(chart, ChartTemplates.trend)
        assertWellFormed(svg)
        XCTAssertTrue(svg.contains("<polygon class=\"interval\""))
        XCTAssertTrue(svg.contains(">[c]</text>"))
        XCTAssertTrue(svg.contains("<title>2024-04: 80.0%</title>"))
    }

    func testLabelsAreEscapedByTheTemplateEngine() throws {
        let values = [ChartValue(label: "<script>&\"", rate: 0.5, low: 0.4, high: 0.6)]
        let trend = try render(TrendChart(title: "A & B <x>", values: values), ChartTemplates.trend)
        assertWellFormed(trend)
        XCTAssertFalse(trend.contains("<script>"))
        XCTAssertTrue(trend.contains("A &amp; B &lt;x&gt;"))
        let ranking = try render(RankingChart(title: "t", values: values, links: ["a.html?x=1&y=2"], national: 0.5), ChartTemplates.ranking)
        assertWellFormed(ranking)
        XCTAssertTrue(ranking.contains("href=\"a.html?x=1&amp;y=2\""))
    }

    func testRankingWhiskersSayWhetherTheyClearTheNationalRate() throws {
        let values = [
            ChartValue(label: "AAA", rate: 0.9, low: 0.8, high: 0.95),
            ChartValue(label: "BBB", rate: 0.5, low: 0.3, high: 0.7),
            ChartValue(label: "CCC", rate: 0.2, low: 0.1, high: 0.3),
            ChartValue(label: "DDD", rate: nil, low: nil, high: nil, suppressed: true),
        ]
        let chart = RankingChart(title: "ranked", values: values, links: [nil, nil, nil, nil], national: 0.6)
        XCTAssertEqual(chart.rows.map(\.position), ["above", "level", "below", "level"])
        XCTAssertEqual(chart.rows[0].x1, coordinate(RankingChart.x(0.8)))
        XCTAssertEqual(chart.rows[0].x2, coordinate(RankingChart.x(0.95)))
        XCTAssertNil(chart.rows[3].x, "a suppressed row has no whisker")
        XCTAssertEqual(chart.rows[3].valueText, "[c]")
        XCTAssertEqual(chart.nationalX, coordinate(RankingChart.x(0.6)))
        let svg = try render(chart, ChartTemplates.ranking)
        assertWellFormed(svg)
        XCTAssertEqual(svg.components(separatedBy: "<line class=\"whisker").count - 1, 3)
    }

    func testSlugsMakeSafeFileNames() {
        XCTAssertEqual(ReportWriter.slug("Group S1"), "group-s1")
        XCTAssertEqual(ReportWriter.slug("../../etc"), "etc")
        XCTAssertEqual(ReportWriter.slug("Yorkshire & the Humber"), "yorkshire-the-humber")
        XCTAssertEqual(ReportWriter.slug("Ĉ"), "x")
    }
}
