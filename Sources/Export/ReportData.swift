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

    /// Reads the run through the report's functions (sql/400_published/440_report_api.sql).
    public func load(runID: Int64) throws -> ReportData {
        guard let row = try connection.call("metrics.report_run", runID).rows.first else {
            throw ThroughcareError.invalidInput("there is no run \(runID) to export")
        }
        let run = RunSummary(
            runID: runID, official: try row["official", as: Bool.self], periodKind: try row["period_kind", as: String?.self] ?? "",
            rangeFrom: try row["range_from", as: String?.self] ?? "", rangeTo: try row["range_to", as: String?.self] ?? "",
            asOf: try row["as_of", as: String?.self] ?? "", gitCommit: try row["git_commit", as: String?.self] ?? "",
            version: try row["version", as: String?.self] ?? "", finishedAt: try row["finished_at", as: String?.self] ?? "",
            forceReason: try row["force_reason", as: String?.self],
            rangeLast: try row["range_last", as: String?.self] ?? "", lastDay: try row["last_day", as: String?.self] ?? "",
            changedParameters: try connection.call("metrics.report_changed_parameters", runID).rows
                .compactMap { try $0["changed", as: String?.self] },
            extracts: try connection.call("metrics.report_extracts", runID).rows
                .map { (file: try $0["file", as: String.self], sha256: try $0["sha256", as: String.self]) })

        let definitions = try connection.call("metrics.report_definitions").rows.map { row in
            MetricDefinition(metric: try row["metric", as: String.self], title: try row["title", as: String.self],
                             description: try row["description_or_rule", as: String.self],
                             lowerIsBetter: try row["direction", as: String?.self] == "lower_is_better",
                             finding: try row["finding", as: String?.self] ?? "", findingRate: try row["finding_rate", as: Double?.self])
        }

        let establishments = try connection.call("metrics.report_establishments", runID).rows.map {
            EstablishmentInfo(code: try $0["establishment_code", as: String.self], name: try $0["name", as: String.self],
                              prisonGroup: try $0["prison_group", as: String.self], probationRegion: try $0["probation_region", as: String.self])
        }

        let periods = try connection.call("metrics.report_periods", runID).rows
            .map { (start: try $0["period_start", as: String.self], end: try $0["period_end", as: String.self]) }

        // An official run shows its published cells only: what is suppressed there is never read.
        let cells = try connection.call("metrics.report_cells", runID).rows.map { row in
            RateCell(scopeType: try row["scope_type", as: String.self], scopeID: try row["scope_id", as: String.self],
                     periodStart: try row["period_start", as: String.self], periodEnd: try row["period_end", as: String.self],
                     metric: try row["metric", as: String.self],
                     numerator: try row["numerator", as: Int64?.self], denominator: try row["denominator", as: Int64?.self],
                     rate: try row["rate", as: Double?.self], low: try row["ci_low", as: Double?.self], high: try row["ci_high", as: Double?.self],
                     band: try row["band", as: String?.self], suppressed: try row["suppressed", as: String?.self])
        }

        var dataQuality: [String: [String: Double]] = [:]
        for row in try connection.call("metrics.report_data_quality", runID).rows {
            dataQuality[try row["scope", as: String.self], default: [:]][try row["measure", as: String.self]] = try row["value", as: Double?.self]
        }
        return ReportData(run: run, definitions: definitions, establishments: establishments, periods: periods,
                          cells: cells, dataQuality: dataQuality)
    }
}
