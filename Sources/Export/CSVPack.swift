// CSVPack: the statistics-grade CSV of an official run under csv/ — rates and volumes keyed by
// run_id, as_of and official, with the GSS shorthand markers in place of figures that cannot be
// given ([c] suppressed, [z] not applicable, [x] not available), a notes file explaining them and a
// revisions file of what changed since the previous official run of the range ([r]), and a
// Frictionless datapackage.json whose field descriptions are the tables' COMMENT ON text (one
// place for each fact). Every text cell goes through published.spreadsheet_safe().

import Foundation
import PostgresClient
import ThroughcareCore
import Warehouse

public struct CSVPack {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// A column of a CSV file: its name, Table Schema type and the relation.column whose comment
    /// describes it. The SQL that produces it (already spreadsheet-safe and marked) is
    /// sql/queries/pack_rates.sql, pack_volumes.sql and pack_revisions.sql, column for column.
    struct Column {
        var name: String
        var type: String
        var source: (relation: String, column: String)
    }

    // [r] is not here: it marks a revised cell in its own column, it never stands for a missing value
    static let markers = ["[c]", "[z]", "[x]"]

    static let runColumns = [
        Column(name: "run_id", type: "integer", source: ("metrics.runs", "run_id")),
        Column(name: "as_of", type: "date", source: ("metrics.runs", "as_of")),
        Column(name: "official", type: "boolean", source: ("metrics.runs", "official")),
    ]

    static let rateColumns = runColumns + [
        ("scope_type", "string"), ("scope_id", "string"), ("period_start", "date"), ("period_end", "date"), ("metric", "string"),
        ("numerator", "integer"), ("denominator", "integer"), ("rate", "number"), ("ci_low", "number"), ("ci_high", "number"),
        ("band", "string"), ("suppressed", "string"),
    ].map { Column(name: $0, type: $1, source: ("published.rates_cells", $0)) } + [
        Column(name: "revised", type: "string", source: ("published.rates_revisions", "marker")),
    ]

    static let revisionColumns = [
        ("run_id", "integer"), ("previous_run_id", "integer"), ("scope_type", "string"), ("scope_id", "string"),
        ("period_start", "date"), ("period_end", "date"), ("metric", "string"),
    ].map { Column(name: $0, type: $1, source: ("published.rates_revisions", $0)) }
    + [("numerator", "integer"), ("denominator", "integer"), ("rate", "number"), ("band", "string")].flatMap { name, type in
        ["old", "new"].map { side in
            Column(name: "\(side)_\(name)", type: type, source: ("published.rates_revisions", "\(side)_\(name)"))
        }
    } + [
        Column(name: "marker", type: "string", source: ("published.rates_revisions", "marker")),
    ]

    static let volumeColumns = runColumns + [
        ("scope_type", "string"), ("scope_id", "string"), ("period_start", "date"), ("period_end", "date"),
        ("measure", "string"), ("value", "number"),
    ].map { Column(name: $0, type: $1, source: ("metrics.volumes", $0)) }

    /// Writes csv/rates.csv, csv/volumes.csv, csv/revisions.csv, csv/notes.csv and csv/datapackage.json for an official
    /// run; returns the folder. An exploratory run has no statistics pack (nothing is published).
    @discardableResult
    public func write(runID: Int64, into directory: URL) throws -> URL {
        let folder = directory.appendingPathComponent("csv")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // run_id is bound (written in as a typed literal, since COPY takes no parameters). The
        // revisions file is the header only when there is no previous official run of the range,
        // or nothing changed.
        for (query, file) in [("pack_rates", "rates.csv"), ("pack_volumes", "volumes.csv"), ("pack_revisions", "revisions.csv")] {
            try connection.copyCSV(try SQLStatement.named(query, runID), to: folder.appendingPathComponent(file))
        }
        try Data(Self.notes.utf8).write(to: folder.appendingPathComponent("notes.csv"))
        try writeDataPackage(runID: runID, to: folder.appendingPathComponent("datapackage.json"))
        return folder
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
        try connection.call("metrics.column_description", relation, column).scalar(String?.self) ?? ""
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
