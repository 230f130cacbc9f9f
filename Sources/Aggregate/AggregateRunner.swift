// Aggregate: computes case-level evidence, rates, volumes and the published views by running
// sql/300_metrics and sql/400_published, then one run of metrics.execute_run with the run's
// values bound. It reads core only; it never imports Ingest or Transform.
//
// A run is refused before it starts when core is not fit to compute from (metrics.assert_ready):
// official figures are never computed from a broken or stale state.

import PostgresClient
import ThroughcareCore
import Warehouse

/// How a review range is cut into periods.
public enum PeriodKind: String, CaseIterable, Sendable {
    case month, quarter, whole
}

/// Where a run came from and what was decided before it, stored on metrics.runs so every figure
/// can be traced to its review file and to why an official run published past a failed gate.
public struct RunLineage: Sendable {
    public var pipelinePath: String?
    public var pipelineSHA256: String?
    public var pipelineText: String?
    /// The quality gate's findings as JSON, when a gate ran.
    public var qualityGateJSON: String?
    /// Why an official run publishes although its gate failed (--force "reason").
    public var forceReason: String?

    public init(pipelinePath: String? = nil, pipelineSHA256: String? = nil, pipelineText: String? = nil,
                qualityGateJSON: String? = nil, forceReason: String? = nil) {
        self.pipelinePath = pipelinePath
        self.pipelineSHA256 = pipelineSHA256
        self.pipelineText = pipelineText
        self.qualityGateJSON = qualityGateJSON
        self.forceReason = forceReason
    }
}

/// A scope a review is limited to (metrics.md "Scopes").
public struct RunScope: Sendable, Equatable {
    public var type: String
    public var id: String

    public init(type: String, id: String) {
        self.type = type
        self.id = id
    }
}

public struct AggregateRequest: Sendable {
    public var from: CivilDate
    /// Exclusive.
    public var to: CivilDate
    public var period: PeriodKind
    public var official: Bool
    public var parameters: RunParameters
    /// nil: every scope. Otherwise only these scopes (and what lies inside them) are kept.
    public var scopes: [RunScope]?
    public var lineage: RunLineage

    public init(from: CivilDate, to: CivilDate, period: PeriodKind = .month, official: Bool = false, parameters: RunParameters,
                scopes: [RunScope]? = nil, lineage: RunLineage = RunLineage()) {
        self.from = from
        self.to = to
        self.period = period
        self.official = official
        self.parameters = parameters
        self.scopes = scopes
        self.lineage = lineage
    }

    var scopesJSON: String? {
        scopes.map { list in
            "[" + list.map { "{\"type\": \(RunParameters.jsonString($0.type)), \"id\": \(RunParameters.jsonString($0.id))}" }.joined(separator: ", ") + "]"
        }
    }
}

public struct AggregateRunner {
    let connection: PostgresConnection
    /// Told once when a transform holds the warehouse and this run waits for it.
    let waiting: (String) -> Void

    public init(connection: PostgresConnection, waiting: @escaping (String) -> Void = { _ in }) {
        self.connection = connection
        self.waiting = waiting
    }

    /// Creates or migrates the metrics and published schemas when their DDL changed (forward only).
    public func prepareSchema() throws {
        try WarehouseSchema.prepare(connection, [.ingest])
        // The metrics views read core (latest_case_metrics joins core.cases), so they need it to exist.
        guard try connection.query("select to_regclass('core.cases') is not null").scalar(Bool.self) else {
            throw PostgresError(kind: .server, sqlState: PostgresError.notReadySQLState,
                                message: "there is no core model yet: transform has not run on this database",
                                hint: "Run throughcare ingest DIR, then throughcare transform.")
        }
        try WarehouseSchema.prepare(connection, [.metrics])
        try connection.query("select published.grant_reader_access()")
    }

    /// Runs one aggregate and returns its run id. A failed run stays recorded as failed; a run
    /// refused by the readiness checks is not recorded at all.
    public func run(_ request: AggregateRequest) throws -> Int64 {
        guard request.from < request.to else {
            throw ThroughcareError.invalidInput("--from \(request.from) must be before --to (--to is exclusive)")
        }
        try prepareSchema()
        let lock = try WarehouseSchema.stageLock(connection, exclusive: false, waiting: waiting)
        defer { lock.release() }
        try connection.query("select metrics.mark_dead_runs()")
        try connection.query("select metrics.assert_ready(\(request.official))")
        if request.official {
            try connection.query("select metrics.assert_publishable_parameters(\(request.parameters.json)::jsonb)")
        }
        let runID = try connection.query("""
            insert into metrics.runs (period_kind, range_from, range_to, official, as_of_override, parameters,
                                      ingest_batches, throughcare_version, git_commit, backend_pid,
                                      scopes, pipeline_path, pipeline_sha256, pipeline_text, quality_gate, force_reason)
            select \(request.period.rawValue), \(request.from.description)::date, \(request.to.description)::date,
                   \(request.official), \(request.parameters.asOf?.description)::date, \(request.parameters.json)::jsonb,
                   coalesce((select jsonb_object_agg(value ->> 'file', jsonb_build_object('batch_id', value -> 'batch_id', 'sha256', value -> 'sha256'))
                             from jsonb_each(core.loaded_files())), '{}'::jsonb),
                   \(ThroughcareVersion.current), \(ThroughcareVersion.gitCommit()), pg_backend_pid(),
                   \(request.scopesJSON)::jsonb, \(request.lineage.pipelinePath), \(request.lineage.pipelineSHA256),
                   \(request.lineage.pipelineText), \(request.lineage.qualityGateJSON)::jsonb, \(request.lineage.forceReason)
            returning run_id
            """).scalar(Int64.self)
        try connection.setApplicationName("throughcare aggregate run \(runID)")
        do {
            try connection.query("select metrics.execute_run(\(runID))")
        } catch {
            connection.afterFailure { connection in
                try connection.query("""
                    update metrics.runs set status = 'failed', finished_at = now(), error_message = \("\(error)")
                    where run_id = \(runID) and status = 'running'
                    """)
            }
            throw error
        }
        return runID
    }
}

/// What a finished run holds, for scripts (`--format json`) and summaries.
public struct RunSummary: Codable, Sendable {
    public var runID: Int64
    public var status: String
    public var official: Bool
    public var asOf: String?
    public var periods: Int
    public var caseMetrics: Int
    public var rates: Int
    public var volumes: Int
    public var forceReason: String?
    public var pipelinePath: String?

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", status, official, asOf = "as_of", periods, caseMetrics = "case_metrics", rates, volumes
        case forceReason = "force_reason", pipelinePath = "pipeline_path"
    }
}

extension AggregateRunner {
    public func summary(runID: Int64) throws -> RunSummary {
        let row = try connection.query("""
            select r.status, r.official, r.as_of::text,
                   (select count(*) from metrics.run_periods as p where p.run_id = r.run_id),
                   metrics.case_metric_rows(r.run_id),
                   (select count(*) from metrics.rates as t where t.run_id = r.run_id),
                   (select count(*) from metrics.volumes as v where v.run_id = r.run_id),
                   r.force_reason, r.pipeline_path
            from metrics.runs as r
            where r.run_id = \(runID)
            """).rows.first
        guard let row else { throw ThroughcareError.invalidInput("run \(runID) does not exist (see metrics.runs)") }
        return RunSummary(runID: runID, status: row[0] ?? "", official: row[1] == "t", asOf: row[2],
                          periods: Int(row[3] ?? "0") ?? 0, caseMetrics: Int(row[4] ?? "0") ?? 0,
                          rates: Int(row[5] ?? "0") ?? 0, volumes: Int(row[6] ?? "0") ?? 0,
                          forceReason: row[7], pipelinePath: row[8])
    }
}
