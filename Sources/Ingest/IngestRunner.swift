import Foundation
import PostgresClient
import ThroughcareCore
import Warehouse

/// Runs one ingest batch over an extract directory: files in reference order, each in its own
/// transaction, unchanged files skipped by hash, dependants of a failed file skipped.
public final class IngestRunner {
    let connection: PostgresConnection
    let options: IngestOptions
    weak var progress: IngestProgress?

    public init(connection: PostgresConnection, options: IngestOptions = IngestOptions(), progress: IngestProgress? = nil) {
        self.connection = connection
        self.options = options
        self.progress = progress
    }

    /// Creates or migrates the ledger and staging schemas when their DDL changed.
    public static func prepareSchema(_ connection: PostgresConnection) throws {
        try WarehouseSchema.prepare(connection, [.ingest])
    }

    public func run(directory: String) throws -> IngestReport {
        try Self.prepareSchema(connection)
        let discovered = try ExtractFile.discover(in: directory)
        // No other stage while staging changes: a batch still 'running' afterwards belongs to a
        // process that died.
        let lock = try WarehouseSchema.stageLock(connection, exclusive: true) { [progress] in progress?.waiting($0) }
        defer { lock.release() }
        try connection.call("ingest.sweep_dead_batches")
        let batchID = try connection.call("ingest.start_batch", options.mode.rawValue, directory, ThroughcareVersion.current)
            .scalar(Int64.self)
        try connection.setApplicationName("throughcare ingest batch \(batchID)")

        var reports: [FileReport] = []
        var failed: [ContractEntity: String] = [:]
        var warnings: [String] = []
        /// A file that did not load: its ledger row, its report, its progress line.
        func settle(_ report: FileReport, entity: ContractEntity, sha256: String?) throws {
            try record(report, entity: entity, batchID: batchID, sha256: sha256)
            reports.append(report)
            progress?.fileFinished(report)
        }
        if !discovered.unknown.isEmpty {
            warnings.append("files not in the contract ignored: \(discovered.unknown.joined(separator: ", "))")
        }
        for (entity, refusal) in discovered.refused.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            failed[entity] = refusal.file
            try settle(FileReport(file: refusal.file, status: .failed, message: refusal.message), entity: entity, sha256: nil)
        }
        let loader = FileLoader(connection: connection, batchID: batchID, options: options, progress: progress)
        for file in discovered.files {
            if let blocker = file.entity.references.first(where: { failed[$0] != nil }) {
                failed[file.entity] = file.name
                try settle(FileReport(file: file.name, status: .skippedDependency, bytes: file.bytes,
                                      message: "skipped: \(failed[blocker]!) failed in this batch, so its rows could not be checked against it"),
                           entity: file.entity, sha256: nil)
                continue
            }
            progress?.fileStarted(file.name, bytes: file.bytes)
            // Hash first only when a loaded file of this entity has the same size (it could be
            // the same file); otherwise the digest is computed during the load, in the same read.
            var sha256: String?
            let sameSize = try connection.call("ingest.loaded_file_of_size_exists", file.entity.rawValue, file.bytes)
                .scalar(Bool.self)
            if sameSize {
                let digest = try StreamingSHA256.of(file)
                sha256 = digest
                if let previous = try unchangedLoad(of: file, sha256: digest) {
                    try settle(FileReport(file: file.name, status: .skippedUnchanged, bytes: file.bytes,
                                          message: "unchanged since batch \(previous) (same sha256): nothing to do"),
                               entity: file.entity, sha256: digest)
                    continue
                }
                if options.mode == .incremental, !options.allowReplay, let replay = try replayedLoad(of: file, sha256: digest) {
                    failed[file.entity] = file.name
                    try settle(FileReport(file: file.name, status: .failed, bytes: file.bytes, message: replay),
                               entity: file.entity, sha256: digest)
                    continue
                }
            }
            do {
                let report = try loader.load(file, sha256: sha256)
                reports.append(report)
                progress?.fileFinished(report)
            } catch {
                failed[file.entity] = file.name
                var report = FileReport(file: file.name, status: .failed, bytes: file.bytes, message: "\(error)")
                if let fileError = error as? IngestFileError { report.message = fileError.description }
                try settle(report, entity: file.entity, sha256: sha256)
            }
        }
        let anyLoaded = reports.contains { $0.status == .loaded || $0.status == .skippedUnchanged }
        let status = failed.isEmpty ? "succeeded" : (anyLoaded ? "partial" : "failed")
        try connection.call("ingest.finish_batch", batchID, status)
        if try !connection.call("staging.note_batch_finished", batchID).scalar(Bool.self) {
            warnings.append("staging was emptied by a server crash since the last full ingest: transform will refuse until a full ingest of the whole extract (without --incremental) has reloaded it")
        }
        return IngestReport(batchID: batchID, files: reports, warnings: warnings)
    }

    /// The batch that loaded this very file, when loading it again would change nothing: that
    /// load is the entity's latest, its mode cannot have left other rows behind (a full load, or
    /// this run is incremental too), and its rows are all still in staging (an UNLOGGED table is
    /// emptied by a server crash).
    private func unchangedLoad(of file: ExtractFile, sha256: String) throws -> Int64? {
        try connection.call("ingest.unchanged_load", sha256, file.entity.rawValue, options.mode.rawValue).scalar(Int64?.self)
    }

    /// Why loading this file incrementally would be a replay, if it would: the same bytes were
    /// loaded before, and a different file of the entity was loaded after them. Upserting the
    /// old rows again would silently undo that later file's corrections. (A file identical to
    /// the latest load is `unchangedLoad`'s case, not this one.)
    private func replayedLoad(of file: ExtractFile, sha256: String) throws -> String? {
        guard let row = try connection.call("ingest.replayed_load", sha256, file.entity.rawValue).rows.first else { return nil }
        let (batch, loadedAt) = (try row["batch_id", as: Int64.self], try row["loaded_at", as: String.self])
        let (later, laterAt) = (try row["later_batch_id", as: Int64.self], try row["later_loaded_at", as: String.self])
        return "\(file.name) is identical to the file loaded in batch \(batch) (\(loadedAt)); batch \(later) (\(laterAt)) loaded a later \(file.entity.csvFileName) since; loading this one again would revert those corrections, so nothing of it was loaded — pass --allow-replay to load it anyway"
    }

    /// Ledger row for a file that did not load (the loaded ones write theirs inside their transaction).
    private func record(_ report: FileReport, entity: ContractEntity, batchID: Int64, sha256: String?) throws {
        try connection.call("ingest.record_file", batchID, report.file, entity.rawValue, sha256, report.bytes,
                            report.status.rawValue, report.message)
    }
}
