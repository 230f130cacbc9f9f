// Aggregate: computes case-level evidence, rates, volumes and the published views by running
// sql/300_metrics and sql/400_published, then one run of metrics.execute_run with the run's
// values bound. It reads core only; it never imports Ingest or Transform.

import PostgresClient
import ThroughcareCore

/// How a review range is cut into periods.
public enum PeriodKind: String, CaseIterable, Sendable {
    case month, quarter, whole
}

public struct AggregateRequest: Sendable {
    public var from: CivilDate
    /// Exclusive.
    public var to: CivilDate
    public var period: PeriodKind
    public var official: Bool
    public var parameters: RunParameters

    public init(from: CivilDate, to: CivilDate, period: PeriodKind = .month, official: Bool = false, parameters: RunParameters) {
        self.from = from
        self.to = to
        self.period = period
        self.official = official
        self.parameters = parameters
    }
}

public struct AggregateRunner {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Creates or migrates the metrics and published schemas (idempotent, forward only).
    public func prepareSchema() throws {
        try connection.runScripts(try ProjectResources.sqlFiles(in: ["300_metrics", "400_published"]))
    }

    /// Runs one aggregate and returns its run id. A failed run stays recorded as failed.
    public func run(_ request: AggregateRequest) throws -> Int64 {
        guard request.from < request.to else {
            throw ThroughcareError.invalidInput("--from \(request.from) must be before --to \(request.to) (--to is exclusive)")
        }
        try prepareSchema()
        let runID = try connection.query("""
            insert into metrics.runs (period_kind, range_from, range_to, official, as_of_override, parameters,
                                      ingest_batches, throughcare_version, git_commit)
            select \(request.period.rawValue), \(request.from.description)::date, \(request.to.description)::date,
                   \(request.official), \(request.parameters.asOf?.description)::date, \(request.parameters.json)::jsonb,
                   coalesce((select jsonb_object_agg(f.file, jsonb_build_object('batch_id', f.batch_id, 'sha256', f.sha256))
                             from (select distinct on (entity) entity, file, batch_id, sha256
                                   from ingest.batch_files where status = 'loaded'
                                   order by entity, batch_id desc) f), '{}'::jsonb),
                   \(ThroughcareVersion.current), \(ThroughcareVersion.gitCommit())
            returning run_id
            """).scalar(Int64.self)
        do {
            try connection.query("select metrics.execute_run(\(runID))")
        } catch {
            _ = try? connection.query("""
                update metrics.runs set status = 'failed', finished_at = now(), error_message = \("\(error)")
                where run_id = \(runID)
                """)
            throw error
        }
        return runID
    }
}
