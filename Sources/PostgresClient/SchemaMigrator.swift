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
            // From here a reader's lock makes the migration give up and name it, the bootstrap's
            // one-time reshaping of the version table included.
            try connection.setLocal("lock_timeout", "\(lockTimeoutSeconds)s")
            try connection.execute(script: Self.bootstrap)
            // Another session may have migrated while this one waited for the lock.
            if try appliedChecksum(unit: unit) == checksum { return false }
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
                insert into throughcare.schema_version (unit, step, checksum, tool_version)
                values (\(unit), 0, \(checksum), \(toolVersion))
                on conflict (unit, step) do update set checksum = excluded.checksum, applied_at = now(), tool_version = excluded.tool_version
                """)
            // Steps the unit's files recorded just now were applied by this tool.
            try connection.query("""
                update throughcare.schema_version set tool_version = \(toolVersion)
                where unit = \(unit) and step > 0 and tool_version is null and applied_at = now()
                """)
            _ = connection.drainNotices()
            return true
        }
    }

    /// The migrator's own record, created or brought to its current shape before any unit.
    ///
    /// One table holds every unit's state: step 0 of a unit carries the checksum of its files as
    /// last applied (what commands compare with), steps 1… are the unit's forward-only migration
    /// steps, each recorded once by the unit's own SQL when first applied. A database made before
    /// steps were kept here (one row per unit, primary key `unit`) gets the two new columns; the
    /// metrics unit moves its old `metrics.schema_version` rows in itself.
    static let bootstrap = SQLQuery(unsafeSQL: """
        create schema if not exists throughcare;
        comment on schema throughcare is 'Bookkeeping of the throughcare tool itself: schema versions, and the grants to reader roles.';
        create table if not exists throughcare.schema_version (
            unit         text not null,
            step         integer not null,
            description  text,
            checksum     text,
            applied_at   timestamptz not null default now(),
            tool_version text,
            primary key (unit, step),
            constraint schema_version_checksum check ((step = 0) = (checksum is not null))
        );
        do $$
        begin
            if not exists (select from information_schema.columns
                           where table_schema = 'throughcare' and table_name = 'schema_version' and column_name = 'step') then
                alter table throughcare.schema_version
                    add column step integer not null default 0,
                    add column description text;
                alter table throughcare.schema_version alter column step drop default, alter column checksum drop not null;
                alter table throughcare.schema_version drop constraint schema_version_pkey;
                alter table throughcare.schema_version add primary key (unit, step),
                    add constraint schema_version_checksum check ((step = 0) = (checksum is not null));
            end if;
        end;
        $$;
        comment on table throughcare.schema_version is 'The one record of the schema this database holds: per unit of the tool''s DDL (ingest, core, metrics), step 0 with the SHA-256 of the sql/ files last applied (commands apply DDL only when it differs from their own files) and steps 1… for the unit''s forward-only migration steps, recorded once each.';
        comment on column throughcare.schema_version.unit is 'Which part of the schema: ingest (ledger, staging, build records, roles), core (core tables and functions) or metrics (metrics, intermediate, published).';
        comment on column throughcare.schema_version.step is '0 for the unit as a whole; 1… for its migration steps, applied in order and never undone.';
        comment on column throughcare.schema_version.description is 'What the step created or changed; NULL for step 0.';
        comment on column throughcare.schema_version.checksum is 'Step 0: SHA-256 of the unit''s file names and text as applied. NULL for steps 1….';
        comment on column throughcare.schema_version.applied_at is 'Step 0: when the unit''s files were last applied. Steps: when the step was first applied.';
        comment on column throughcare.schema_version.tool_version is 'Version of the throughcare tool that applied it (step 0: last applied the unit; steps: first applied the step; NULL for steps moved from metrics.schema_version).';
        """)

    private func appliedChecksum(unit: String) throws -> String? {
        guard try connection.query("select to_regclass('throughcare.schema_version') is not null").scalar(Bool.self) else { return nil }
        // Read the same way in the shape before steps were recorded here (one row per unit), so a
        // database of that shape is seen as out of date and migrated.
        return try connection.query("""
            select checksum from throughcare.schema_version
            where unit = \(unit) and checksum is not null order by applied_at desc limit 1
            """).scalar(String?.self)
    }
}
