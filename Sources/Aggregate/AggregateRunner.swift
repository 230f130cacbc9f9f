// Aggregate: computes case-level evidence, rates, volumes and the published views by running
// sql/300_metrics and sql/400_published, then the parts of one run (metrics.prepare_run,
// compute_run with compute_run_beside on a second connection, complete_run) with the run's values bound. It
// reads core only; it never imports Ingest or Transform.
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

    /// Creates or migrates core's DDL and the metrics and published schemas when they changed (forward only).
    public func prepareSchema() throws {
        try WarehouseSchema.prepare(connection, [.ingest])
        // The metrics views read core (latest_case_metrics joins core.cases), so they need it to exist.
        guard try connection.call("core.model_exists").scalar(Bool.self) else {
            throw PostgresError(kind: .server, sqlState: PostgresError.notReadySQLState,
                                message: "there is no core model yet: transform has not run on this database",
                                hint: "Run throughcare ingest DIR, then throughcare transform.")
        }
        // The metric models call core's functions (core.responsible_given): core's DDL is brought
        // up to this tool's too, in case this tool has not transformed here yet.
        try WarehouseSchema.prepare(connection, [.core, .metrics])
        try connection.call("throughcare.grant_reader_access")
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
        try connection.call("metrics.mark_dead_runs")
        try connection.call("metrics.assert_ready", request.official)
        let parameters = PostgresJSON(request.parameters.json)
        if request.official {
            try connection.call("metrics.assert_publishable_parameters", parameters)
        }
        let lineage = request.lineage
        let runID = try connection.call(
            "metrics.start_run", request.period.rawValue, request.from, request.to, request.official, request.parameters.asOf,
            parameters, ThroughcareVersion.current, ThroughcareVersion.gitCommit(), request.scopesJSON.map { PostgresJSON($0) },
            lineage.pipelinePath, lineage.pipelineSHA256, lineage.pipelineText, lineage.qualityGateJSON.map { PostgresJSON($0) },
            lineage.forceReason
        ).scalar(Int64.self)
        try connection.setApplicationName("throughcare aggregate run \(runID)")
        do {
            try compute(runID)
        } catch {
            connection.afterFailure { connection in
                try connection.call("metrics.fail_run", runID, "\(error)")
            }
            throw error
        }
        return runID
    }

    /// The run's parts (sql/300_metrics/370_execute_run.sql): its frame committed first, then the
    /// case metrics here and, at the same time on a second connection, what reads core only
    /// (volumes, data-quality counts); the run is completed in this connection's transaction once
    /// both are done. Until that commits, nothing of the run is visible but its row and frame.
    ///
    /// The transaction is READ COMMITTED whatever the session's default: `complete_run` must see
    /// what the second connection committed after it began (a repeatable-read snapshot would not,
    /// and `complete_run` would refuse). A failure of either part ends the run; a failure here
    /// cancels the second connection's statement rather than waiting for it to finish. A failure
    /// there is seen once this connection's `compute_run` returns. When no second connection can
    /// be opened (a connection limit, most often; the figures do not depend on which connection
    /// computes them), this one computes its part too, after its own, and says so: the run is
    /// then as slow as on one connection, never refused for it.
    private func compute(_ runID: Int64) throws {
        try connection.call("metrics.prepare_run", runID)
        let beside = SecondConnectionCall(sameDatabaseAs: connection, applicationName: "throughcare aggregate run \(runID) volumes",
                                          function: "metrics.compute_run_beside", runID: runID)
        do {
            try connection.transaction(isolation: .readCommitted) {
                // this session waits idle in its transaction while the other finishes: a server's
                // idle-in-transaction timeout must not end the run then
                try connection.setLocal("idle_in_transaction_session_timeout", "0")
                try connection.call("metrics.compute_run", runID)
                if case .notConnected(let reason) = try beside.wait(relayingNoticesTo: connection.noticeHandler) {
                    // a server at its connection limit still gets the run, on one core
                    connection.noticeHandler?("WARNING:  aggregate: no second connection (\(reason)); the volumes and data-quality counts are computed on this one, after the case metrics")
                    try connection.call("metrics.compute_run_beside", runID)
                }
                try connection.call("metrics.complete_run", runID)
            }
        } catch {
            // the second connection is done before the run is marked failed (metrics.fail_run
            // removes what it committed)
            beside.cancel()
            _ = try? beside.wait(relayingNoticesTo: connection.noticeHandler)
            throw error
        }
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
    /// For the summary line; not part of the JSON (`--format json` keeps its shape).
    public var rangeFrom = ""
    public var rangeTo = ""
    public var periodKind = ""

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", status, official, asOf = "as_of", periods, caseMetrics = "case_metrics", rates, volumes
        case forceReason = "force_reason", pipelinePath = "pipeline_path"
    }
}

extension AggregateRunner {
    public func summary(runID: Int64) throws -> RunSummary {
        guard let row = try connection.call("metrics.run_summary", runID).rows.first else {
            throw ThroughcareError.invalidInput("run \(runID) does not exist (see metrics.runs)")
        }
        return RunSummary(runID: runID, status: try row["status", as: String.self], official: try row["official", as: Bool.self],
                          asOf: try row["as_of", as: CivilDate?.self]?.description,
                          periods: try row["periods", as: Int.self], caseMetrics: try row["case_metrics", as: Int.self],
                          rates: try row["rates", as: Int.self], volumes: try row["volumes", as: Int.self],
                          forceReason: try row["force_reason", as: String?.self], pipelinePath: try row["pipeline_path", as: String?.self],
                          rangeFrom: try row["range_from", as: CivilDate.self].description,
                          rangeTo: try row["range_to", as: CivilDate.self].description,
                          periodKind: try row["period_kind", as: String.self])
    }
}
