import Aggregate
import Export
import ExtractGenerator
import Foundation
import Ingest
import Pipeline
import PostgresClient
import TestSupport
import ThroughcareCore
import XCTest

/// Records what a pipeline run reports, silently.
final class RecordingObserver: PipelineObserver {
    var started: [PipelineStage] = []
    var finished: [PipelineStage] = []
    var notes: [String] = []
    var ingestProgress: IngestProgress? { nil }
    func stageStarted(_ stage: PipelineStage, _ detail: String) { started.append(stage) }
    func stageFinished(_ stage: PipelineStage, _ summary: String, seconds: Double) { finished.append(stage) }
    var steps: [String] = []
    func note(_ message: String) { notes.append(message) }
    func step(_ stage: PipelineStage, _ text: String, seconds: Double) { steps.append("\(stage.rawValue) \(text)") }
    func qualityGate(_ report: QualityGateReport) {}
}

/// Every shipped pipeline runs end to end on a small synthetic extract, in a real database; the
/// quality gate blocks an official run and --force is recorded on it.
final class PipelineRunTests: XCTestCase {
    var database: TestDatabase!
    var connection: PostgresConnection!
    var workspace: URL!

    /// One synthetic extract for the whole class (generating it is the slow part).
    nonisolated(unsafe) static var extract: URL?

    override func setUpWithError() throws {
        try super.setUpWithError()
        database = try TestDatabase()
        connection = try database.connect()
        workspace = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-\(UUID().uuidString)")
        if Self.extract == nil {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-extract-\(getpid())")
            _ = try ExtractGenerator(scale: .small, seed: 7).write(to: folder)
            Self.extract = folder
        }
    }

    override func tearDown() {
        connection = nil
        database?.drop()
        if let workspace { try? FileManager.default.removeItem(at: workspace) }
        super.tearDown()
    }

    func shipped(_ name: String) throws -> LoadedPipeline {
        try PipelineLoader.load(path: repositoryRoot().appendingPathComponent("pipelines/\(name).yml").path)
    }

    func run(_ pipeline: LoadedPipeline, force: String? = nil) throws -> (PipelineResult, RecordingObserver) {
        let observer = RecordingObserver()
        let result = try PipelineRunner(connection: connection, observer: observer).run(pipeline, options: PipelineRunOptions(
            forceReason: force, extractDirectory: Self.extract, exportDirectory: workspace))
        return (result, observer)
    }

    func value(_ sql: SQLQuery) throws -> String? {
        try connection.query(sql).rows.first?.values[0]
    }

    func testEveryShippedPipelineRunsEndToEnd() throws {
        for name in ["demo", "quarterly-inspection", "monthly-board", "annual-national"] {
            let pipeline = try shipped(name)
            let (result, observer) = try run(pipeline)
            let runID = try XCTUnwrap(result.runID, name)
            XCTAssertEqual(observer.finished.filter { $0 != .sample && $0 != .export }, [.ingest, .transform, .check, .aggregate], name)
            XCTAssertEqual(observer.started, observer.finished, "\(name): every stage that started finished")
            // The first pipeline builds core in full; the others find only the same extract
            // loaded again, so they top it up (with nothing).
            let step = name == "demo" ? "transform sql/100_core/150_contacts.sql" : "transform core.top_up_contacts"
            XCTAssertTrue(observer.steps.contains { $0.hasPrefix(step) }, "\(name): transform reports what it ran: \(observer.steps)")
            XCTAssertEqual(try value("select status from metrics.runs where run_id = \(runID)"), "succeeded", name)
            // The run records the file it came from: path, hash and text.
            XCTAssertEqual(try value("select pipeline_sha256 from metrics.runs where run_id = \(runID)"), pipeline.sha256, name)
            XCTAssertEqual(try value("select pipeline_text from metrics.runs where run_id = \(runID)"), pipeline.text, name)
            XCTAssertEqual(try value("select pipeline_path from metrics.runs where run_id = \(runID)"), pipeline.path, name)
            XCTAssertEqual(try value("select official::text from metrics.runs where run_id = \(runID)"), pipeline.definition.publish ? "true" : "false", name)
            XCTAssertEqual(try value("select period_kind from metrics.runs where run_id = \(runID)"), pipeline.definition.period.rawValue, name)
            XCTAssertNotNil(try value("select quality_gate ->> 'passed' from metrics.runs where run_id = \(runID)"), name)
            if pipeline.definition.exports != nil {
                let folder = try XCTUnwrap(result.exportDirectory, name)
                XCTAssertTrue(FileManager.default.fileExists(atPath: folder), "\(name): export folder \(folder)")
            }
            if let sample = pipeline.definition.sample {
                XCTAssertGreaterThan(result.sampledCases ?? 0, 0, "\(name): sampled cases")
                XCTAssertLessThanOrEqual(result.sampledCases ?? 0, sample.size, name)
            }
        }
        // Ingest skips unchanged files: after the first pipeline nothing was reloaded.
        XCTAssertEqual(try value("select count(*) from ingest.batch_files where status = 'loaded'"), "7")

        // The quarterly inspection is limited to its region: only that region and what lies in it.
        let quarterly = try XCTUnwrap(try value("select max(run_id) from metrics.runs where pipeline_path like '%quarterly-inspection.yml' and period_kind = 'quarter'"))
        let scopes = try connection.query("select distinct scope_type, scope_id from metrics.rates where run_id = \(quarterly)::bigint order by 1, 2").rows.map { "\($0.values[0]!): \($0.values[1]!)" }
        XCTAssertTrue(scopes.contains("probation_region: South Central"), "\(scopes)")
        XCTAssertFalse(scopes.contains("national: national"), "\(scopes)")
        XCTAssertFalse(scopes.contains { $0.hasPrefix("probation_region:") && $0 != "probation_region: South Central" }, "\(scopes)")
        let outside = try value("""
            select count(*) from metrics.case_metrics cm join core.cases c using (case_id)
            where cm.run_id = \(quarterly)::bigint and c.probation_region <> 'South Central'
            """)
        XCTAssertEqual(outside, "0", "case metrics outside the region")
    }

    func testQualityGateBlocksAnOfficialRunAndForceIsRecorded() throws {
        var pipeline = try shipped("monthly-board")
        // Thresholds of zero: any finding at all fails the gate.
        pipeline.definition.quality = QualityThresholds(maximums: Dictionary(uniqueKeysWithValues: QualityGate.measures.map { ($0.name, 0.0) }))
        XCTAssertThrowsError(try run(pipeline)) { error in
            guard case PipelineRunError.qualityGateFailed = error else { return XCTFail("expected the gate to fail, got \(error)") }
        }
        // The gate runs before aggregate, so this database never got a metrics schema, let alone a run.
        XCTAssertEqual(try value("select (to_regclass('metrics.runs') is null)::text"), "true", "nothing aggregated or published")

        let (result, _) = try run(pipeline, force: "supplier confirmed the gaps; board needs the figures")
        let runID = try XCTUnwrap(result.runID)
        XCTAssertEqual(try value("select force_reason from metrics.runs where run_id = \(runID)"), "supplier confirmed the gaps; board needs the figures")
        XCTAssertEqual(try value("select quality_gate ->> 'passed' from metrics.runs where run_id = \(runID)"), "false")
        XCTAssertEqual(try value("select official::text from metrics.runs where run_id = \(runID)"), "true")
        // Shown wherever the run's figures are read.
        XCTAssertEqual(try value("select distinct force_reason from published.rates"), "supplier confirmed the gaps; board needs the figures")
        XCTAssertEqual(try value("select distinct force_reason from published.volumes"), "supplier confirmed the gaps; board needs the figures")
        XCTAssertEqual(try value("select distinct force_reason from metrics.latest_rates where run_id = \(runID)"), "supplier confirmed the gaps; board needs the figures")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tc-forced-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let pages = try ExportRunner(connection: connection).export(runID: runID, to: out)
        let national = try String(contentsOf: pages.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(national.contains("supplier confirmed the gaps; board needs the figures"), "the report says the run was forced, and why")

        // An exploratory run continues past a failed gate, and needs no reason.
        pipeline.definition.publish = false
        let (exploratory, observer) = try run(pipeline)
        XCTAssertNotNil(exploratory.runID)
        XCTAssertTrue(observer.notes.contains { $0.contains("quality gate failed") })
    }

    func testCheckFindsBrokenReferencesAndCodes() throws {
        _ = try run(try shipped("annual-national"))
        // Break core behind the gate's back, as a reload of one file could: the contract tests see it.
        try connection.execute(script: """
            update core.contacts set channel = 'carrier_pigeon' where contact_id = (select min(contact_id) from core.contacts);
            delete from core.establishments where establishment_code = (select min(establishment_code) from core.establishments);
            """)
        let report = try QualityGate(connection: connection).evaluate(maximums: [:])
        XCTAssertFalse(report.passed)
        let failed = Set(report.failures.map { "\($0.name) \($0.subject ?? "")" })
        XCTAssertTrue(failed.contains("accepted_values core.contacts.channel"), "\(failed)")
        XCTAssertTrue(failed.contains("relationships core.cases.establishment_code"), "\(failed)")
        XCTAssertEqual(report.failures.first { $0.subject == "core.contacts.channel" }?.count, 1)
    }
}
