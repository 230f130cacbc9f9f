import Foundation

/// Applies a unit of the project's DDL only when its text has changed since it was last applied
/// here, so a normal command runs no DDL at all: no catalog races between concurrent commands, and
/// no `create or replace view` waiting behind an analyst's open transaction.
///
/// The version of a unit is the SHA-256 of its files' names and text, recorded in
/// `throughcare.schema_version`. A migration runs in one transaction under an advisory lock (a
/// second migrator waits, then finds the work done), with `lock_timeout` so that a reader holding
/// a table the DDL must change makes it give up — naming that reader — instead of queueing every
/// other reader behind it.
public struct SchemaMigrator {
    let connection: PostgresConnection
    /// How long DDL may wait for a table lock before giving up.
    public var lockTimeoutSeconds: Int
    /// Recorded with each unit, so the version table says which tool applied it.
    public var toolVersion: String?

    /// Serialises migrations of every unit across sessions (transaction-scoped).
    static let migrationLockKey: Int64 = 2_107_201_300

    public init(connection: PostgresConnection, lockTimeoutSeconds: Int = 10, toolVersion: String? = nil) {
        self.connection = connection
        self.lockTimeoutSeconds = lockTimeoutSeconds
        self.toolVersion = toolVersion
    }

    /// Brings `unit` up to the given files; returns true when it ran them.
    @discardableResult
    public func migrate(unit: String, files: [URL]) throws -> Bool {
        let checksum = try connection.checksum(ofScripts: files)
        if try appliedChecksum(unit: unit) == checksum { return false }

        do {
            return try apply(unit: unit, files: files, checksum: checksum)
        } catch let error as PostgresError where error.sqlState == "55P03" {
            throw SessionLocks.explain(error, waitedSeconds: lockTimeoutSeconds, connection: connection,
                                       doing: "schema migration (\(unit))")
        }
    }

    private func apply(unit: String, files: [URL], checksum: String) throws -> Bool {
        try connection.transaction {
            // Waiting for another migrator is not waiting for a reader: no timeout for this one.
            try connection.setLocal("lock_timeout", "0")
            try connection.query("select pg_advisory_xact_lock(\(Self.migrationLockKey))")
            try connection.execute(script: """
                create schema if not exists throughcare;
                comment on schema throughcare is 'Bookkeeping of the throughcare tool itself (schema versions).';
                create table if not exists throughcare.schema_version (
                    unit        text primary key,
                    checksum    text not null,
                    applied_at  timestamptz not null default now(),
                    tool_version text
                );
                comment on table throughcare.schema_version is 'One row per unit of the tool''s DDL (ingest, metrics): the SHA-256 of the sql/ files last applied. Commands apply DDL only when this differs from their own files.';
                comment on column throughcare.schema_version.unit is 'Which part of the schema: ingest (ingest, staging, core builds) or metrics (metrics, published).';
                comment on column throughcare.schema_version.checksum is 'SHA-256 of the unit''s file names and text as applied.';
                comment on column throughcare.schema_version.applied_at is 'When that version was applied.';
                comment on column throughcare.schema_version.tool_version is 'Version of the throughcare tool that applied it.';
                grant usage on schema throughcare to public;
                grant select on throughcare.schema_version to public;
                """)
            // Another session may have migrated while this one waited for the lock.
            if try appliedChecksum(unit: unit) == checksum { return false }
            try connection.setLocal("lock_timeout", "\(lockTimeoutSeconds)s")
            // Function bodies may name tables of a later stage (metrics functions read core).
            try connection.setLocal("check_function_bodies", "off")
            for file in files {
                let script = try String(contentsOf: file, encoding: .utf8)
                do {
                    try connection.execute(script: SQLQuery(unsafeSQL: script))
                } catch var error as PostgresError {
                    error.location = SQLSourceMap.location(of: error, script: script, file: file)
                        ?? SQLSourceMap.functionLocation(of: error, in: files) ?? error.location
                    if error.location == nil { error.message = "\(SQLSourceMap.displayPath(file)): \(error.message)" }
                    throw error
                }
            }
            try connection.query("""
                insert into throughcare.schema_version (unit, checksum, tool_version) values (\(unit), \(checksum), \(toolVersion))
                on conflict (unit) do update set checksum = excluded.checksum, applied_at = now(), tool_version = excluded.tool_version
                """)
            _ = connection.drainNotices()
            return true
        }
    }

    private func appliedChecksum(unit: String) throws -> String? {
        guard try connection.query("select to_regclass('throughcare.schema_version') is not null").scalar(Bool.self) else { return nil }
        return try connection.query("select checksum from throughcare.schema_version where unit = \(unit)").scalar(String?.self)
    }
}
