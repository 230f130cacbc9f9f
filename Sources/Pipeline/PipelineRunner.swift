// Runs one pipeline: ingest (unchanged files skipped) → transform → check → aggregate → sample →
// export, each through its stage's public API, telling an observer when each stage starts and
// ends. It stops where the stage guards say so: a failed file stops the run before transform
// (nothing computed from a partial extract), and an official run refuses to publish past a
// failed quality gate unless forced with a reason, which is then stored on the run.

import Aggregate
import Export
import Foundation
import Ingest
import PostgresClient
import Warehouse
import ThroughcareCore
import Transform

public enum PipelineStage: String, CaseIterable, Sendable {
    case ingest, transform, check, aggregate, sample, export
}

/// Receives the run's progress; the CLI draws it on stderr.
public protocol PipelineObserver: AnyObject {
    func stageStarted(_ stage: PipelineStage, _ detail: String)
    func stageFinished(_ stage: PipelineStage, _ summary: String, seconds: Double)
    /// Waiting for a lock, a warning, a gate override: things a person should see.
    func note(_ message: String)
    /// A step inside a stage finished (a transform model file), with its time.
    func step(_ stage: PipelineStage, _ text: String, seconds: Double)
    /// Per-file progress during ingest, when the observer draws it.
    var ingestProgress: IngestProgress? { get }
    /// The gate's findings, to print as a table.
    func qualityGate(_ report: QualityGateReport)
}

public struct PipelineRunOptions: Sendable {
    /// Publish although the quality gate failed; the reason is stored on the run.
    public var forceReason: String?
    /// Read this extract instead of the file's (the same review on another extract, and tests).
    public var extractDirectory: URL?
    /// Write exports here instead of the file's exports.directory.
    public var exportDirectory: URL?
    /// Run the exported notebook against this database (its kernel gets it by environment).
    public var notebookConninfo: String?

    public init(forceReason: String? = nil, extractDirectory: URL? = nil, exportDirectory: URL? = nil, notebookConninfo: String? = nil) {
        self.forceReason = forceReason
        self.extractDirectory = extractDirectory
        self.exportDirectory = exportDirectory
        self.notebookConninfo = notebookConninfo
    }
}

/// What a run produced, for the summary and for `--format json`.
public struct PipelineResult: Sendable, Codable {
    enum CodingKeys: String, CodingKey {
        case pipeline, runID = "run_id", asOf = "as_of", ingestBatch = "ingest_batch", filesLoaded = "files_loaded"
        case filesSkipped = "files_skipped", rowsLoaded = "rows_loaded", rowsRejected = "rows_rejected", buildID = "build_id"
        case qualityGatePassed = "quality_gate_passed", forceReason = "force_reason", official, sampleRunID = "sample_run_id"
        case sampledCases = "sampled_cases", exportDirectory = "export_directory", caseFiles = "case_files"
    }

    public var pipeline: String
    public var runID: Int64?
    public var asOf: String?
    public var ingestBatch: Int64?
    public var filesLoaded = 0
    public var filesSkipped = 0
    public var rowsLoaded = 0
    public var rowsRejected = 0
    public var buildID: Int64?
    public var qualityGatePassed: Bool?
    public var forceReason: String?
    public var official = false
    public var sampleRunID: Int64?
    public var sampledCases: Int?
    public var exportDirectory: String?
    /// The case files' index page, when the pipeline exports them.
    public var caseFiles: String?
}

public enum PipelineRunError: Error, CustomStringConvertible, Sendable {
    /// An extract file failed to load or was skipped because one it references failed.
    case fileFailed(batchID: Int64)
    /// The gate failed on an official run and no --force reason was given.
    case qualityGateFailed(String)

    public var description: String {
        switch self {
        case let .fileFailed(batchID):
            return "stopped after ingest: an extract file failed or was skipped (batch \(batchID); see ingest.batch_files), so nothing was transformed, aggregated or published"
        case let .qualityGateFailed(summary):
            return "the quality gate failed, so this official run was not published: \(summary). Fix the extract, or publish anyway with --force \"reason\" (the reason is stored on the run and shown with its figures)."
        }
    }
}

public struct PipelineRunner {
    let connection: PostgresConnection
    let observer: PipelineObserver

    public init(connection: PostgresConnection, observer: PipelineObserver) {
        self.connection = connection
        self.observer = observer
    }

    public func run(_ pipeline: LoadedPipeline, options: PipelineRunOptions = PipelineRunOptions()) throws -> PipelineResult {
        let definition = pipeline.definition
        let parameters = try definition.runParameters()
        var result = PipelineResult(pipeline: definition.name, official: definition.publish)
        let extract = options.extractDirectory ?? pipeline.extractDirectory

        // ingest
        var started = Date()
        observer.stageStarted(.ingest, "\(extract.path) (\(definition.extract.mode.rawValue))")
        let ingestOptions = IngestOptions(mode: definition.extract.mode == .incremental ? .incremental : .full)
        let report = try IngestRunner(connection: connection, options: ingestOptions, progress: observer.ingestProgress).run(directory: extract.path)
        for warning in report.warnings { observer.note("warning: \(warning)") }
        result.ingestBatch = report.batchID
        result.filesLoaded = report.files.filter { $0.status == .loaded }.count
        result.filesSkipped = report.files.filter { $0.status != .loaded && $0.status != .failed }.count
        result.rowsLoaded = report.files.reduce(0) { $0 + $1.rowsLoaded }
        result.rowsRejected = report.files.reduce(0) { $0 + $1.rowsRejected }
        observer.stageFinished(.ingest, "batch \(report.batchID): \(result.filesLoaded) file(s) loaded, \(result.filesSkipped) unchanged or skipped, \(result.rowsRejected) row(s) rejected",
                               seconds: Date().timeIntervalSince(started))
        if report.anyFailed { throw PipelineRunError.fileFailed(batchID: report.batchID) }

        // transform
        started = Date()
        observer.stageStarted(.transform, "core model and quality views")
        var transform = TransformRunner(connection: connection, waiting: observer.note)
        transform.step = { [observer] file, seconds in observer.step(.transform, file, seconds: seconds) }
        let build = try transform.run(parameters: parameters)
        result.buildID = build.buildID
        observer.stageFinished(.transform, build.summary, seconds: Date().timeIntervalSince(started))

        // check
        started = Date()
        observer.stageStarted(.check, "contract tests and \(definition.quality.maximums.count) threshold(s)")
        let gate = try QualityGate(connection: connection).evaluate(maximums: definition.quality.maximums)
        observer.qualityGate(gate)
        result.qualityGatePassed = gate.passed
        observer.stageFinished(.check, gate.passed ? "passed" : "FAILED: \(gate.failureSummary)", seconds: Date().timeIntervalSince(started))
        var forceReason: String?
        if !gate.passed {
            if definition.publish {
                guard let reason = options.forceReason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw PipelineRunError.qualityGateFailed(gate.failureSummary)
                }
                forceReason = reason
                observer.note("publishing although the quality gate failed, forced: \(reason)")
            } else {
                observer.note("the quality gate failed; this run is exploratory (publish: false), so it continues")
            }
        }
        result.forceReason = forceReason

        // aggregate
        started = Date()
        let scopes = definition.scopes.scopes?.map { RunScope(type: $0.type, id: $0.id) }
        let lineage = RunLineage(pipelinePath: pipeline.path, pipelineSHA256: pipeline.sha256, pipelineText: pipeline.text,
                                 qualityGateJSON: try Self.json(gate), forceReason: forceReason)
        let aggregate = AggregateRunner(connection: connection, waiting: observer.note)
        observer.stageStarted(.aggregate, "\(definition.range.from) to \(definition.range.to) by \(definition.period.rawValue)"
                              + (definition.publish ? ", official" : "") + (scopes.map { ", scopes \($0.map { "\($0.type): \($0.id)" }.joined(separator: ", "))" } ?? ""))
        let request = AggregateRequest(from: definition.range.from, to: definition.range.to,
                                       period: PeriodKind(rawValue: definition.period.rawValue)!,
                                       official: definition.publish, parameters: parameters, scopes: scopes, lineage: lineage)
        let runID = try aggregate.run(request)
        result.runID = runID
        result.asOf = try connection.call("metrics.run_status", runID).rows.first?["as_of", as: CivilDate?.self]?.description
        observer.stageFinished(.aggregate, "run \(runID) (as of \(result.asOf ?? "?"))", seconds: Date().timeIntervalSince(started))

        // sample
        if let sample = definition.sample {
            started = Date()
            observer.stageStarted(.sample, "\(sample.size) \(sample.population.rawValue) case(s), seed \(sample.seed)" + (sample.scope.map { ", \($0)" } ?? ""))
            // The sample is drawn over the whole range; when the run cuts it into several periods, a
            // companion exploratory run with one whole period gives each sampled case its results.
            var sampleRun = runID
            let hasWholePeriod = try connection.call("metrics.run_has_period", runID, definition.range.from, definition.range.to)
                .scalar(Bool.self)
            if !hasWholePeriod {
                var whole = request
                whole.period = .whole
                whole.official = false
                sampleRun = try aggregate.run(whole)
                observer.note("the sample reads run \(sampleRun) (the range as one period, not official)")
            }
            let drawn = try connection.call("metrics.draw_sample", sampleRun, definition.range.from, definition.range.to,
                                            Int32(clamping: sample.size), sample.seed, sample.population == .in_custody,
                                            sample.scope?.type, sample.scope?.id).rows.count
            result.sampleRunID = sampleRun
            result.sampledCases = drawn
            observer.stageFinished(.sample, "\(drawn) case(s) in metrics.inspection_sample (run \(sampleRun))", seconds: Date().timeIntervalSince(started))
        }

        // export
        if let exports = definition.exports, let directory = options.exportDirectory ?? pipeline.exportDirectory {
            started = Date()
            let root = directory.appendingPathComponent(definition.name)
            observer.stageStarted(.export, "\(exports.outputs.map(\.rawValue).joined(separator: ", ")) to \(root.path)")
            var written: [String] = []
            if exports.outputs.contains(.report) || exports.outputs.contains(.cases) {
                let folder = try ExportRunner(connection: connection).export(runID: runID, to: root, includeCases: exports.outputs.contains(.cases),
                                                                            notebookConninfo: options.notebookConninfo)
                written.append(folder.path)
                result.exportDirectory = folder.path
            }
            if exports.outputs.contains(.casefiles), let sampleRun = result.sampleRunID {
                let folder = root.appendingPathComponent("run-\(runID)-casefiles")
                let summary = try CaseFileWriter(connection: connection).write(runID: sampleRun, caseID: nil, to: folder)
                written.append("\(summary.pages) case file(s) in \(folder.path)")
                result.caseFiles = summary.index.path
            }
            observer.stageFinished(.export, written.joined(separator: "; "), seconds: Date().timeIntervalSince(started))
        }
        return result
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
