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
        try connection.query("""
            update ingest.batches set status = 'failed', finished_at = coalesce(finished_at, now())
            where status = 'running'
            """)
        let batchID = try connection.query("""
            insert into ingest.batches (mode, extract_dir, throughcare_version)
            values (\(options.mode.rawValue), \(directory), \(ThroughcareVersion.current)) returning batch_id
            """).scalar(Int64.self)
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
            let sameSize = try connection.query("""
                select 1 from ingest.batch_files
                where entity = \(file.entity.rawValue) and status = 'loaded' and bytes = \(file.bytes)
                limit 1
                """).rows.first != nil
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
        try connection.query("update ingest.batches set status = \(status), finished_at = now() where batch_id = \(batchID)")
        if try !connection.query("select staging.note_batch_finished(\(batchID))").scalar(Bool.self) {
            warnings.append("staging was emptied by a server crash since the last full ingest: transform will refuse until a full ingest of the whole extract (without --incremental) has reloaded it")
        }
        return IngestReport(batchID: batchID, files: reports, warnings: warnings)
    }

    /// The batch that loaded this very file, when loading it again would change nothing: that
    /// load is the entity's latest, its mode cannot have left other rows behind (a full load, or
    /// this run is incremental too), and its rows are all still in staging (an UNLOGGED table is
    /// emptied by a server crash).
    private func unchangedLoad(of file: ExtractFile, sha256: String) throws -> String? {
        try connection.query("""
            select f.batch_id::text from ingest.batch_files f
            join ingest.batches b on b.batch_id = f.batch_id
            where f.sha256 = \(sha256) and f.entity = \(file.entity.rawValue) and f.status = 'loaded'
              and (b.mode = 'full' or \(options.mode.rawValue) = 'incremental')
              and f.batch_id = (select max(g.batch_id) from ingest.batch_files g
                                where g.entity = \(file.entity.rawValue) and g.status = 'loaded')
              and f.rows_loaded = (select count(*) from \(unsafeRaw: EntitySchema.forEntity(file.entity).stagingTable) s
                                   where s.batch_id = f.batch_id)
            """).rows.first?[0]
    }

    /// Why loading this file incrementally would be a replay, if it would: the same bytes were
    /// loaded before, and a different file of the entity was loaded after them. Upserting the
    /// old rows again would silently undo that later file's corrections. (A file identical to
    /// the latest load is `unchangedLoad`'s case, not this one.)
    private func replayedLoad(of file: ExtractFile, sha256: String) throws -> String? {
        guard let row = try connection.query("""
            select f.batch_id::text, to_char(b.started_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'),
                   later.batch_id::text, to_char(later.started_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')
            from ingest.batch_files f
            join ingest.batches b on b.batch_id = f.batch_id
            join lateral (
                select g.batch_id, gb.started_at from ingest.batch_files g
                join ingest.batches gb on gb.batch_id = g.batch_id
                where g.entity = f.entity and g.status = 'loaded' and g.batch_id > f.batch_id
                  and g.sha256 is distinct from f.sha256
                order by g.batch_id desc limit 1
            ) later on true
            where f.sha256 = \(sha256) and f.entity = \(file.entity.rawValue) and f.status = 'loaded'
            order by f.batch_id desc limit 1
            """).rows.first else { return nil }
        return "\(file.name) is identical to the file loaded in batch \(row[0]!) (\(row[1]!)); batch \(row[2]!) (\(row[3]!)) loaded a later \(file.entity.csvFileName) since; loading this one again would revert those corrections, so nothing of it was loaded — pass --allow-replay to load it anyway"
    }

    /// Ledger row for a file that did not load (the loaded ones write theirs inside their transaction).
    private func record(_ report: FileReport, entity: ContractEntity, batchID: Int64, sha256: String?) throws {
        try connection.query("""
            insert into ingest.batch_files (batch_id, file, entity, sha256, bytes, status, message)
            values (\(batchID), \(report.file), \(entity.rawValue), \(sha256), \(report.bytes), \(report.status.rawValue), \(report.message))
            on conflict (batch_id, file) do update set status = excluded.status, message = excluded.message
            """)
    }
}
