// CSVPack: the statistics-grade CSV of an official run under csv/ — rates and volumes keyed by
// run_id, as_of and official, with the GSS shorthand markers in place of figures that cannot be
// given ([c] suppressed, [z] not applicable, [x] not available), a notes file explaining them and a
// revisions file of what changed since the previous official run of the range ([r]), and a
// Frictionless datapackage.json whose field descriptions are the tables' COMMENT ON text (one
// place for each fact). Every text cell goes through published.spreadsheet_safe().

import Foundation
import PostgresClient
import ThroughcareCore

public struct CSVPack {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// A column of a CSV file: its name, Table Schema type, the relation.column whose comment
    /// describes it, and the SQL that produces it (already spreadsheet-safe and marked).
    struct Column {
        var name: String
        var type: String
        var source: (relation: String, column: String)
        var sql: String
    }

    // [r] is not here: it marks a revised cell in its own column, it never stands for a missing value
    static let markers = ["[c]", "[z]", "[x]"]

    static let runColumns = [
        Column(name: "run_id", type: "integer", source: ("metrics.runs", "run_id"), sql: "r.run_id::text"),
        Column(name: "as_of", type: "date", source: ("metrics.runs", "as_of"), sql: "r.as_of::text"),
        Column(name: "official", type: "boolean", source: ("metrics.runs", "official"), sql: "r.official::text"),
    ]

    static let rateColumns = runColumns + [
        Column(name: "scope_type", type: "string", source: ("published.rates_cells", "scope_type"), sql: "c.scope_type"),
        Column(name: "scope_id", type: "string", source: ("published.rates_cells", "scope_id"), sql: "published.spreadsheet_safe(c.scope_id)"),
        Column(name: "period_start", type: "date", source: ("published.rates_cells", "period_start"), sql: "c.period_start::text"),
        Column(name: "period_end", type: "date", source: ("published.rates_cells", "period_end"), sql: "c.period_end::text"),
        Column(name: "metric", type: "string", source: ("published.rates_cells", "metric"), sql: "c.metric"),
        Column(name: "numerator", type: "integer", source: ("published.rates_cells", "numerator"),
               sql: "case when c.suppressed is not null then '[c]' else c.numerator::text end"),
        Column(name: "denominator", type: "integer", source: ("published.rates_cells", "denominator"),
               sql: "case when c.suppressed is not null then '[c]' else c.denominator::text end"),
        Column(name: "rate", type: "number", source: ("published.rates_cells", "rate"),
               sql: "case when c.suppressed is not null then '[c]' when c.rate is null then '[z]' else round(c.rate::numeric, 6)::text end"),
        Column(name: "ci_low", type: "number", source: ("published.rates_cells", "ci_low"),
               sql: "case when c.suppressed is not null then '[c]' when c.ci_low is null then '[z]' else round(c.ci_low::numeric, 6)::text end"),
        Column(name: "ci_high", type: "number", source: ("published.rates_cells", "ci_high"),
               sql: "case when c.suppressed is not null then '[c]' when c.ci_high is null then '[z]' else round(c.ci_high::numeric, 6)::text end"),
        // a lower-is-better metric is never banded: not applicable, not missing
        Column(name: "band", type: "string", source: ("published.rates_cells", "band"),
               sql: "case when c.suppressed is not null then '[c]' when c.band is null then '[z]' else c.band end"),
        Column(name: "suppressed", type: "string", source: ("published.rates_cells", "suppressed"), sql: "c.suppressed"),
        // A column, not "[r]" appended to the figures: the figures keep their Table Schema type.
        Column(name: "revised", type: "string", source: ("published.rates_revisions", "marker"),
               sql: "(select v.marker from published.rates_revisions as v where v.run_id = c.run_id and v.scope_type = c.scope_type and v.scope_id = c.scope_id and v.period_start = c.period_start and v.metric = c.metric)"),
    ]

    static let revisionColumns: [Column] = ["run_id", "previous_run_id"].map {
        Column(name: $0, type: "integer", source: ("published.rates_revisions", $0), sql: "v.\($0)::text")
    } + [
        Column(name: "scope_type", type: "string", source: ("published.rates_revisions", "scope_type"), sql: "v.scope_type"),
        Column(name: "scope_id", type: "string", source: ("published.rates_revisions", "scope_id"), sql: "published.spreadsheet_safe(v.scope_id)"),
        Column(name: "period_start", type: "date", source: ("published.rates_revisions", "period_start"), sql: "v.period_start::text"),
        Column(name: "period_end", type: "date", source: ("published.rates_revisions", "period_end"), sql: "v.period_end::text"),
        Column(name: "metric", type: "string", source: ("published.rates_revisions", "metric"), sql: "v.metric"),
    ] + [("numerator", "integer"), ("denominator", "integer"), ("rate", "number"), ("band", "string")].flatMap { name, type in
        ["old", "new"].map { side in
            Column(name: "\(side)_\(name)", type: type, source: ("published.rates_revisions", "\(side)_\(name)"), sql: "v.\(side)_\(name)")
        }
    } + [
        Column(name: "marker", type: "string", source: ("published.rates_revisions", "marker"), sql: "v.marker"),
    ]

    static let volumeColumns = runColumns + [
        Column(name: "scope_type", type: "string", source: ("metrics.volumes", "scope_type"), sql: "v.scope_type"),
        Column(name: "scope_id", type: "string", source: ("metrics.volumes", "scope_id"), sql: "published.spreadsheet_safe(v.scope_id)"),
        Column(name: "period_start", type: "date", source: ("metrics.volumes", "period_start"), sql: "v.period_start::text"),
        Column(name: "period_end", type: "date", source: ("metrics.volumes", "period_end"), sql: "v.period_end::text"),
        Column(name: "measure", type: "string", source: ("metrics.volumes", "measure"), sql: "v.measure"),
        Column(name: "value", type: "number", source: ("metrics.volumes", "value"), sql: "coalesce(v.value::text, '[z]')"),
    ]

    /// Writes csv/rates.csv, csv/volumes.csv, csv/revisions.csv, csv/notes.csv and csv/datapackage.json for an official
    /// run; returns the folder. An exploratory run has no statistics pack (nothing is published).
    @discardableResult
    public func write(runID: Int64, into directory: URL) throws -> URL {
        let folder = directory.appendingPathComponent("csv")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // The column expressions are the program's own constants; run_id is bound (written in as a
        // typed literal, since COPY takes no parameters).
        let rates = Self.selectList(Self.rateColumns) + " from published.rates_cells as c join metrics.runs as r using (run_id) where c.run_id = \(runID) order by c.scope_type, c.scope_id, c.period_start, c.metric"
        let volumes = Self.selectList(Self.volumeColumns) + " from metrics.volumes as v join metrics.runs as r using (run_id) where v.run_id = \(runID) order by v.scope_type, v.scope_id, v.period_start, v.measure"
        try connection.copyCSV(rates, to: folder.appendingPathComponent("rates.csv"))
        try connection.copyCSV(volumes, to: folder.appendingPathComponent("volumes.csv"))
        // Header only when there is no previous official run of the range, or nothing changed.
        let revisions = Self.selectList(Self.revisionColumns) + " from published.rates_revisions as v where v.run_id = \(runID) order by v.scope_type, v.scope_id, v.period_start, v.metric"
        try connection.copyCSV(revisions, to: folder.appendingPathComponent("revisions.csv"))
        try Data(Self.notes.utf8).write(to: folder.appendingPathComponent("notes.csv"))
        try writeDataPackage(runID: runID, to: folder.appendingPathComponent("datapackage.json"))
        return folder
    }

    /// `select EXPR as "name", ...` of the pack's columns.
    static func selectList(_ columns: [Column]) -> SQLQuery {
        "select " + columns.map { SQLQuery(unsafeSQL: $0.sql) + " as \(identifier: $0.name)" }.joined(separator: ", ")
    }

    static let notes = """
        note,meaning
        [c],"Suppressed to protect confidentiality: fewer than min_publish_denominator eligible people (primary), or hidden so that a primary-suppressed establishment cannot be worked out from its prison group or probation region (secondary)."
        [z],"Not applicable: no eligible people in the period (no rate or interval), or a metric where lower is better, which is not given a rating band, or a ratio whose divisor is 0."
        [x],"Not available: the figure was not collected for this run (in revisions.csv: the cell did not exist in that run)."
        [r],"Revised: the published value differs from the previous official run of the same range and period kind (rates.csv column revised; old and new values in revisions.csv)."
        rates,"Rates are numerator / denominator with 95% Wilson score intervals (z = 1.959964), rounded to 6 decimal places. Definitions: metrics.metric_definitions and docs/publications.md."
        counts,"Numerators and denominators are rounded to the nearest multiple of the run's round_counts_to (1: exact; see the run's parameters); rates, intervals, bands and suppression come from the exact counts, so a rate may differ from the rounded numerator / denominator."

        """

    /// Field descriptions come from the catalogue (COMMENT ON), so the pack never retypes them.
    private func description(_ relation: String, _ column: String) throws -> String {
        try connection.query("""
            select coalesce(col_description(to_regclass(\(relation))::oid, a.attnum), '')
            from pg_attribute as a
            where a.attrelid = to_regclass(\(relation))::oid and a.attname = \(column)
            """).scalar(String?.self) ?? ""
    }

    private func writeDataPackage(runID: Int64, to url: URL) throws {
        func resource(_ name: String, _ title: String, _ columns: [Column]) throws -> [String: Any] {
            [
                "name": name, "path": "\(name).csv", "profile": "tabular-data-resource", "title": title,
                "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                "schema": [
                    "missingValues": Self.markers + [""],
                    "fields": try columns.map { column in
                        ["name": column.name, "type": column.type,
                         "description": try description(column.source.relation, column.source.column)] as [String: Any]
                    },
                ] as [String: Any],
            ]
        }
        let package: [String: Any] = [
            "profile": "tabular-data-package",
            "name": "throughcare-run-\(runID)",
            "title": "Offender management in custody: published figures of run \(runID)",
            "resources": [
                try resource("rates", "Rates per scope, period and metric, suppression applied", Self.rateColumns),
                try resource("volumes", "Workload volumes per scope and month (not suppressed)", Self.volumeColumns),
                try resource("revisions", "Cells revised since the previous official run of the same range and period kind", Self.revisionColumns),
            ],
        ]
        let data = try JSONSerialization.data(withJSONObject: package, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: url)
    }
}
