import ExtractGenerator
import Foundation
import Pipeline
import PostgresClient
import TestSupport
import XCTest

/// Case files hold the evidence the database holds for the case: every contact, every
/// allocation, the handover date and rule, each metric's result and evidence, and the case's
/// data-quality findings; the index grid and its CSV list the whole sample.
final class CaseFileTests: XCTestCase {
    func testCaseFilesHoldTheEvidenceTheDatabaseHolds() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        let extract = FileManager.default.temporaryDirectory.appendingPathComponent("casefile-extract-\(UUID().uuidString)")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("casefile-out-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: extract)
            try? FileManager.default.removeItem(at: out)
        }
        _ = try ExtractGenerator(scale: .small, seed: 11).write(to: extract)
        let pipeline = try PipelineLoader.load(path: repositoryRoot().appendingPathComponent("pipelines/quarterly-inspection.yml").path)
        XCTAssertTrue(pipeline.definition.exports?.outputs.contains(.casefiles) ?? false)
        let result = try PipelineRunner(connection: connection, observer: RecordingObserver()).run(
            pipeline, options: PipelineRunOptions(extractDirectory: extract, exportDirectory: out))
        let sampleRun = try XCTUnwrap(result.sampleRunID)
        let index = URL(fileURLWithPath: try XCTUnwrap(result.caseFiles))
        let folder = index.deletingLastPathComponent()

        let sampled = try connection.query("select distinct case_id from metrics.inspection_sample where run_id = \(sampleRun) order by 1").rows.map { $0.values[0]! }
        XCTAssertFalse(sampled.isEmpty)
        let csv = try String(contentsOf: folder.appendingPathComponent("index.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, sampled.count + 1, "one grid row per sampled case")
        let indexPage = try String(contentsOf: index, encoding: .utf8)

        // A case with a quality finding, if the sample has one, else the first.
        let withFinding = try connection.query("""
            select case_id from quality.contacts_outside_custody where case_id = any (\("{" + sampled.joined(separator: ",") + "}")::text[]) limit 1
            """).rows.first?.values[0]
        for caseID in Set([sampled[0], withFinding].compactMap { $0 }) {
            XCTAssertTrue(indexPage.contains("case-\(caseID).html"), "index links \(caseID)")
            let page = try String(contentsOf: folder.appendingPathComponent("case-\(caseID).html"), encoding: .utf8)
            for row in try connection.query("select contact_id, contact_date::text from core.contacts where case_id = \(caseID)").rows {
                XCTAssertTrue(page.contains(row.values[0]!), "\(caseID): contact \(row.values[0]!)")
                XCTAssertTrue(page.contains(row.values[1]!), "\(caseID): contact date \(row.values[1]!)")
            }
            for row in try connection.query("select staff_id, start_date::text from core.allocations where case_id = \(caseID)").rows {
                XCTAssertTrue(page.contains("<td>\(row.values[0]!)</td>"), "\(caseID): allocation of \(row.values[0]!)")
                XCTAssertTrue(page.contains(row.values[1]!), "\(caseID): allocation start \(row.values[1]!)")
            }
            let handover = try connection.query("select coalesce(handover_date::text, responsible_throughout), reason from core.case_handover where case_id = \(caseID)").rows[0]
            XCTAssertTrue(page.contains(handover.values[0]!) && page.contains(handover.values[1]!), "\(caseID): handover \(handover)")
            for row in try connection.query("""
                select metric, case when not eligible then 'not eligible' when met then 'met' else 'not met' end,
                       detail ->> 'longest_gap_days', detail ->> 'longest_gap_from'
                from metrics.case_metrics where run_id = \(sampleRun) and case_id = \(caseID)
                """).rows {
                let result = row.values[1]!
                XCTAssertTrue(page.contains("<td>\(row.values[0]!)</td><td>") && page.contains("<strong>\(result)</strong>"), "\(caseID): \(row.values[0]!) \(result)")
                if let gap = row.values[2], let from = row.values[3] {
                    XCTAssertTrue(page.contains("longest gap \(gap) days, \(from)"), "\(caseID): \(row.values[0]!) longest gap \(gap) from \(from)")
                }
            }
            if caseID == withFinding {
                XCTAssertTrue(page.contains("quality.contacts_outside_custody"), "\(caseID): its quality finding")
            }
        }
    }
}
