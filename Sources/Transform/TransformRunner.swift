// Transform: turns staging into the typed core model and the quality views by running the
// models of sql/100_core and sql/200_quality (core's tables and functions are DDL, in
// sql/090_core_schema, applied by the migrator when they change). Swift decides when they run
// and records the build's parameters (bound) on its core.builds row; the SQL reads them from
// there and decides what is computed.
//
// A build is all or nothing: every model file runs in one transaction, so a transform that is
// killed, loses its server or fails leaves core exactly as the previous build left it. Its row in
// core.builds (written outside that transaction) says what it was built from and how it ended.
//
// When the only change since the previous build is contacts loaded incrementally (the monthly
// top-up), the build adds just those to core.contacts instead of rebuilding every table from
// staging: the same core, in seconds rather than a minute (core.top_up_point decides; the result
// is checked against a full rebuild in TransformTopUpTests).

import Foundation
import PostgresClient
import ThroughcareCore
import Warehouse

public struct TransformRunner {
    let connection: PostgresConnection
    /// Told once when another stage holds the warehouse and this one waits for it.
    let waiting: (String) -> Void
    /// Told after each model file with its time (`sql/100_core/150_contacts.sql`, seconds), live.
    public var step: ((String, Double) -> Void)?

    public init(connection: PostgresConnection, waiting: @escaping (String) -> Void = { _ in }) {
        self.connection = connection
        self.waiting = waiting
    }

    /// Creates or migrates the ledger, staging, build-record and core schemas when their DDL changed.
    public static func prepareSchema(_ connection: PostgresConnection) throws {
        try WarehouseSchema.prepare(connection, [.ingest, .core])
    }

    func reportStep(_ file: URL, _ seconds: Double) {
        step?(SQLSourceMap.displayPath(file), seconds)
    }

    /// Brings core and quality up to date with staging, with the given handover parameters: a
    /// top-up when only contacts were loaded incrementally since the previous build (unless
    /// `fullRebuild`), else a rebuild from all of staging.
    @discardableResult
    public func run(parameters: RunParameters, fullRebuild: Bool = false) throws -> TransformBuild {
        try Self.prepareSchema(connection)
        let files = try ProjectResources.sqlFiles(in: SQLLayout.transformModels)
        // What a build was made by: staging's DDL and the functions that read it
        // (ingest.staged_contacts), core's DDL (the conversions and rules live in its functions
        // too) and the models; a top-up extends only a core made by the same.
        let rules = try ProjectResources.sqlFiles(in: SQLLayout.staging + SQLLayout.coreUnit) + files
        let lock = try WarehouseSchema.stageLock(connection, exclusive: true, waiting: waiting)
        defer { lock.release() }
        try connection.call("core.mark_dead_builds")
        let handover = parameters.ordered.filter { RunParameters.transformNames.contains($0.name) }
        let buildID = try connection.call("core.start_build", PostgresJSON(RunParameters.jsonObject(handover)),
                                          try connection.checksum(ofScripts: rules),
                                          ThroughcareVersion.current, ThroughcareVersion.gitCommit()).scalar(Int64.self)
        try connection.setApplicationName("throughcare transform build \(buildID)")
        let build: TransformBuild
        do {
            build = try connection.transaction {
                try connection.setLocal("lock_timeout", "\(LockTimeout.seconds)s")
                try connection.call("core.assert_staging_matches_ledger")
                // The rules read their parameters from this build's row (core.parameter).
                try connection.setLocal("throughcare.build_id", "\(buildID)")
                let made: TransformBuild
                if !fullRebuild, let afterBatch = try connection.call("core.top_up_point", buildID).scalar(Int64?.self) {
                    made = try topUp(buildID, afterBatch: afterBatch)
                } else {
                    try connection.executeScripts(files, step: reportStep)
                    made = TransformBuild(buildID: buildID, mode: .full, contactsInserted: 0, contactsReplaced: 0, recentRebuilt: false)
                }
                try connection.call("core.finish_build", buildID, made.mode.rawValue)
                return made
            }
        } catch {
            var reported = error
            if let postgres = error as? PostgresError, postgres.sqlState == "55P03" {
                reported = SessionLocks.explain(postgres, waitedSeconds: LockTimeout.seconds, connection: connection, doing: "transform")
            }
            connection.afterFailure { connection in
                try connection.call("core.fail_build", buildID, "\(reported)")
            }
            throw reported
        }
        // After the commit, holding no table lock: granting may wait for the migration lock, and a
        // migration in progress may be waiting for core's tables.
        try connection.call("throughcare.grant_reader_access")
        vacuumCore()
        return build
    }

    /// After the commit: the visibility map of what the build wrote (sql/queries/vacuum_core.sql).
    /// An optimisation only: the build has committed, so a failure here (an interrupted vacuum)
    /// leaves the work to autovacuum rather than failing the transform.
    private func vacuumCore() {
        let started = DispatchTime.now().uptimeNanoseconds
        guard (try? SQLStatement.execute("vacuum_core", on: connection)) != nil else { return }
        step?("vacuum core", Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
    }

    private func topUp(_ buildID: Int64, afterBatch: Int64) throws -> TransformBuild {
        let started = DispatchTime.now().uptimeNanoseconds
        let row = try connection.call("core.top_up_contacts", afterBatch).rows[0]
        step?("core.top_up_contacts (contacts of batches after \(afterBatch))",
              Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        return TransformBuild(buildID: buildID, mode: .topUp,
                              contactsInserted: try row["contacts_inserted", as: Int64.self],
                              contactsReplaced: try row["contacts_replaced", as: Int64.self],
                              recentRebuilt: try row["recent_rebuilt", as: Bool.self])
    }
}
