// ReportData: everything a run's publications show, read once from the metrics and published
// schemas (never core): the run, the metric definitions, the establishments it counted, every rate
// cell (published cells for an official run, so nothing suppressed is ever read) and the
// data-quality caveats. The pages, notebook and CSV pack are all drawn from this one snapshot.

import Foundation
import PostgresClient
import ThroughcareCore

public struct RunSummary: Sendable {
    public var runID: Int64
    public var official: Bool
    public var periodKind: String
    public var rangeFrom: String
    public var rangeTo: String
    public var asOf: String
    public var gitCommit: String
    public var version: String
    public var finishedAt: String
    /// Why an official run was published although its quality gate failed (`run --force`).
    public var forceReason: String?
    /// range_to - 1: the last day of the range, as a reader says it.
    public var rangeLast: String
    /// The last day the run analysed: the range's last day, or the as-of date when earlier.
    public var lastDay: String
    /// Parameters whose value differs from metrics.default_parameters(), as "name = value".
    public var changedParameters: [String]
    /// Extract files and their SHA-256, by file name.
    public var extracts: [(file: String, sha256: String)]
}

public struct MetricDefinition: Sendable {
    public var metric: String
    public var title: String
    public var description: String
    public var lowerIsBetter: Bool
    public var finding: String
    public var findingRate: Double?
}

public struct EstablishmentInfo: Sendable {
    public var code: String
    public var name: String
    public var prisonGroup: String
    public var probationRegion: String
}

/// One rate cell (scope x period x metric) as the run may show it.
public struct RateCell: Sendable {
    public var scopeType: String
    public var scopeID: String
    public var periodStart: String
    public var periodEnd: String
    public var metric: String
    public var numerator: Int64?
    public var denominator: Int64?
    public var rate: Double?
    public var low: Double?
    public var high: Double?
    public var band: String?
    /// primary or secondary when the published cell is hidden; nil when shown.
    public var suppressed: String?
}

public struct ReportData: Sendable {
    public var run: RunSummary
    public var definitions: [MetricDefinition]
    public var establishments: [EstablishmentInfo]
    public var periods: [(start: String, end: String)]
    public var cells: [RateCell]
    /// measure -> value by "scope_type/scope_id".
    public var dataQuality: [String: [String: Double]]

    /// Cells of one scope and metric in period order.
    public func series(scopeType: String, scopeID: String, metric: String) -> [RateCell] {
        cells.filter { $0.scopeType == scopeType && $0.scopeID == scopeID && $0.metric == metric }
            .sorted { $0.periodStart < $1.periodStart }
    }

    public var prisonGroups: [String] { Array(Set(establishments.map(\.prisonGroup))).sorted() }
    public var probationRegions: [String] { Array(Set(establishments.map(\.probationRegion))).sorted() }
}

public struct ReportDataLoader {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    public func load(runID: Int64) throws -> ReportData {
        guard let row = try connection.query("""
            select r.official, r.period_kind, r.range_from::text, r.range_to::text, r.as_of::text,
                   coalesce(r.git_commit, ''), coalesce(r.throughcare_version, ''),
                   coalesce(to_char(r.finished_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), ''),
                   (r.range_to - 1)::text, least(r.range_to - 1, r.as_of)::text, r.force_reason
            from metrics.runs as r
            where r.run_id = \(runID)
            """).rows.first else {
            throw ThroughcareError.invalidInput("there is no run \(runID) to export")
        }
        let run = RunSummary(
            runID: runID, official: row[0] == "t", periodKind: row[1] ?? "", rangeFrom: row[2] ?? "", rangeTo: row[3] ?? "",
            asOf: row[4] ?? "", gitCommit: row[5] ?? "", version: row[6] ?? "", finishedAt: row[7] ?? "",
            forceReason: row[10],
            rangeLast: row[8] ?? "", lastDay: row[9] ?? "",
            changedParameters: try connection.query("""
                select p.key || ' = ' || (p.value #>> '{}')
                from metrics.runs as r
                cross join jsonb_each(r.parameters) as p
                where r.run_id = \(runID)
                  and p.value is distinct from metrics.default_parameters() -> p.key
                order by p.key
                """).rows.compactMap { $0[0] },
            extracts: try connection.query("""
                select f.key, coalesce(f.value ->> 'sha256', '')
                from metrics.runs as r
                cross join jsonb_each(coalesce(r.ingest_batches, '{}'::jsonb)) as f
                where r.run_id = \(runID)
                order by f.key
                """).rows.map { (file: $0[0]!, sha256: $0[1]!) })

        let definitions = try connection.query("""
            select metric, coalesce(title, metric), coalesce(description, eligible || '; met: ' || met),
                   direction, finding, finding_rate
            from metrics.metric_definitions
            -- people in custody first, then releases: the order a sentence runs in
            order by population, metric
            """).rows.map { row in
            MetricDefinition(metric: row[0]!, title: row[1]!, description: row[2]!, lowerIsBetter: row[3] == "lower_is_better",
                             finding: row[4] ?? "", findingRate: row[5].flatMap(Double.init))
        }

        let establishments = try connection.query("""
            select establishment_code, name, prison_group, probation_region
            from metrics.run_establishments
            where run_id = \(runID)
            order by establishment_code collate "C"
            """).rows.map { EstablishmentInfo(code: $0[0]!, name: $0[1]!, prisonGroup: $0[2]!, probationRegion: $0[3]!) }

        let periods = try connection.query("""
            select period_start::text, period_end::text from metrics.run_periods where run_id = \(runID) order by period_start
            """).rows.map { (start: $0[0]!, end: $0[1]!) }

        // An official run shows its published cells only: what is suppressed there is never read.
        let cellsQuery: SQLQuery = run.official
            ? """
              select scope_type, scope_id, period_start::text, period_end::text, metric,
                     numerator, denominator, rate, ci_low, ci_high, band, suppressed
              from published.rates_cells where run_id = \(runID) and scope_type <> 'release_region'
              """
            : """
              select scope_type, scope_id, period_start::text, period_end::text, metric,
                     numerator, denominator, rate, ci_low, ci_high, band, null::text
              from metrics.rates where run_id = \(runID) and scope_type <> 'release_region'
              """
        let cells = try connection.query(cellsQuery).rows.map { row in
            RateCell(scopeType: row[0]!, scopeID: row[1]!, periodStart: row[2]!, periodEnd: row[3]!, metric: row[4]!,
                     numerator: row[5].flatMap { Int64($0) }, denominator: row[6].flatMap { Int64($0) },
                     rate: row[7].flatMap(Double.init), low: row[8].flatMap(Double.init), high: row[9].flatMap(Double.init),
                     band: row[10], suppressed: row[11])
        }

        var dataQuality: [String: [String: Double]] = [:]
        for row in try connection.query("""
            select scope_type || '/' || scope_id, measure, value from metrics.run_data_quality where run_id = \(runID)
            """).rows {
            dataQuality[row[0]!, default: [:]][row[1]!] = row[2].flatMap(Double.init)
        }
        return ReportData(run: run, definitions: definitions, establishments: establishments, periods: periods,
                          cells: cells, dataQuality: dataQuality)
    }
}
