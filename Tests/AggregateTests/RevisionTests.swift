import Aggregate
import Export
import Foundation
import Ingest
import TestSupport
import ThroughcareCore
import Transform
import XCTest

/// Issue #12, revisions: a second official run of the same range after a corrected extract lists
/// exactly the cells whose published value changed (csv/revisions.csv), and marks them [r] in the
/// pack's rates.csv; the first official run of a range revises nothing.
final class RevisionTests: AggregateTestCase {
    var exportRoot: URL!

    override func setUpWithError() throws {
        try super.setUpWithError()
        exportRoot = FileManager.default.temporaryDirectory.appendingPathComponent("throughcare-revisions-\(UUID().uuidString)")
    }

    override func tearDown() {
        if let exportRoot { try? FileManager.default.removeItem(at: exportRoot) }
        super.tearDown()
    }

    func csv(_ url: URL) throws -> [[String]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    func testCorrectedExtractRevisesExactlyTheChangedCells() throws {
        try load(fixture: "suppression")
        let first = try aggregate(from: "2024-01-01", to: "2024-04-01", official: true)
        let firstPack = try ExportRunner(connection: connection).export(runID: first, to: exportRoot).appendingPathComponent("csv")
        XCTAssertEqual(try csv(firstPack.appendingPathComponent("revisions.csv")).count, 1, "first official run: header only")

        // The correction: SCC008 did leave with identification (SCC id_on_release 7/10 -> 8/10).
        let corrected = try copyOfDirectory(Self.fixtureDirectory("suppression"))
        defer { try? FileManager.default.removeItem(at: corrected) }
        let outcomes = corrected.appendingPathComponent("release_outcomes.csv")
        let text = try String(contentsOf: outcomes, encoding: .utf8)
        XCTAssertTrue(text.contains("SCC008,none,false,false,false\n"))
        try text.replacingOccurrences(of: "SCC008,none,false,false,false\n", with: "SCC008,none,true,false,false\n")
            .write(to: outcomes, atomically: true, encoding: .utf8)
        let report = try IngestRunner(connection: connection, options: IngestOptions(mode: .full, maxRejectRate: 0)).run(directory: corrected.path)
        XCTAssertFalse(report.anyFailed)
        try TransformRunner(connection: connection).run(parameters: RunParameters())
        // an exploratory run in between is not a publication: it neither revises nor is revised
        try aggregate(from: "2024-01-01", to: "2024-04-01", official: false)
        let second = try aggregate(from: "2024-01-01", to: "2024-04-01", official: true)
        let pack = try ExportRunner(connection: connection).export(runID: second, to: exportRoot).appendingPathComponent("csv")

        // Expected, worked from metrics.rates rather than the view: cells whose counts changed and
        // that are shown (not suppressed) in the published cells.
        let expected = try rows("""
            select a.scope_type, a.scope_id, a.numerator::text, b.numerator::text
            from metrics.rates as a
            join metrics.rates as b using (scope_type, scope_id, period_start, metric)
            join published.rates_cells as p on p.run_id = b.run_id and p.scope_type = b.scope_type and p.scope_id = b.scope_id
                                          and p.period_start = b.period_start and p.metric = b.metric
            where a.run_id = \(first) and b.run_id = \(second) and a.numerator <> b.numerator and p.suppressed is null
            order by 1, 2
            """)
        XCTAssertTrue(expected.contains(["establishment", "SCC", "7", "8"]))
        XCTAssertTrue(expected.contains { $0[0] == "national" }, "the national total moves too")
        XCTAssertGreaterThanOrEqual(expected.count, 4, "SCC, its group, its region, national (and its release region when shown)")

        let revisions = try csv(pack.appendingPathComponent("revisions.csv"))
        let header = try XCTUnwrap(revisions.first)
        XCTAssertEqual(header, ["run_id", "previous_run_id", "scope_type", "scope_id", "period_start", "period_end", "metric",
                                "old_numerator", "new_numerator", "old_denominator", "new_denominator", "old_rate", "new_rate",
                                "old_band", "new_band", "marker"])
        let body = revisions.dropFirst()
        XCTAssertEqual(body.map { [$0[2], $0[3], $0[7], $0[8]] }.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }, expected.map { $0.map { $0 ?? "" } })
        XCTAssertTrue(body.allSatisfy { $0[0] == "\(second)" && $0[1] == "\(first)" && $0[6] == "id_on_release" && $0[15] == "[r]" })
        let scc = try XCTUnwrap(body.first { $0[2] == "establishment" && $0[3] == "SCC" })
        XCTAssertEqual(Array(scc[9...14]), ["10", "10", "0.700000", "0.800000", "good", "outstanding"])

        // rates.csv marks exactly those cells [r] in its revised column
        let rates = try csv(pack.appendingPathComponent("rates.csv"))
        let revisedColumn = try XCTUnwrap(rates.first?.firstIndex(of: "revised"))
        let marked = rates.dropFirst().filter { $0[revisedColumn] == "[r]" }.map { [$0[3], $0[4], $0[7]] }.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
        XCTAssertEqual(marked, expected.map { [$0[0]!, $0[1]!, "id_on_release"] })
        XCTAssertEqual(rates.dropFirst().filter { !$0[revisedColumn].isEmpty }.count, expected.count, "no other cell is marked")
    }
}
