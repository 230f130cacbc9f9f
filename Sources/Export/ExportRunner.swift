// Export: writes a run's results where people read them — CSV files and a static HTML report
// under notebooks-export/<run>/ (index.html is the report's national page). It reads the metrics
// and published schemas only.

import Foundation
import PostgresClient
import ThroughcareCore

public struct ExportRunner {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// The newest succeeded run, when none is named.
    public func latestRunID() throws -> Int64 {
        guard let id = try connection.query("select max(run_id) from metrics.runs where status = 'succeeded'").scalar(Int64?.self) else {
            throw ThroughcareError.invalidInput("no finished aggregate run to export; run `throughcare aggregate` first")
        }
        return id
    }

    /// Writes rates.csv, volumes.csv, the report pages and the run notebook for the run
    /// (case_metrics.csv too when `includeCases`); returns the folder. An official run exports its
    /// published figures, with small numbers suppressed; an exploratory run exports everything, for
    /// analysts. With `notebookConninfo` the notebook is executed against that database (given to
    /// the kernel in its environment only); without it, or when that fails, it is left unexecuted
    /// with a note saying why, and `note` is told.
    @discardableResult
    public func export(runID: Int64, to root: URL, includeCases: Bool = false, notebookConninfo: String? = nil,
                       note: (String) -> Void = { _ in }) throws -> URL {
        guard let run = try connection.query("select official, status from metrics.runs where run_id = \(runID)").rows.first else {
            throw ThroughcareError.invalidInput("there is no run \(runID) to export; `select run_id, status from metrics.runs` lists them")
        }
        guard run["status"] == "succeeded" else {
            throw ThroughcareError.invalidInput("run \(runID) is \(run["status"] ?? "unknown"), not succeeded: only finished runs are exported")
        }
        let official = run["official"] == "t"
        let directory = root.appendingPathComponent("run-\(runID)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // run_id is an Int64 the program produced, not text from a user.
        let rates = official
            ? "select scope_type, published.spreadsheet_safe(scope_id) as scope_id, period_start, period_end, metric, numerator, denominator, rate, ci_low, ci_high, band, suppressed from published.rates_cells where run_id = \(runID) order by scope_type, scope_id, period_start, metric"
            : "select scope_type, published.spreadsheet_safe(scope_id) as scope_id, period_start, period_end, metric, numerator, denominator, rate, ci_low, ci_high, band from metrics.rates where run_id = \(runID) order by scope_type, scope_id, period_start, metric"
        var tables = [
            ("rates.csv", rates),
            ("volumes.csv", "select scope_type, published.spreadsheet_safe(scope_id) as scope_id, period_start, period_end, measure, value from metrics.volumes where run_id = \(runID) order by scope_type, scope_id, period_start, measure"),
        ]
        if includeCases {
            tables.append(("case_metrics.csv", "select published.spreadsheet_safe(case_id) as case_id, period_start, period_end, metric, eligible, met, detail from metrics.case_metrics where run_id = \(runID) order by case_id, period_start, metric"))
        }
        for (name, select) in tables {
            try connection.copyCSV(select, to: directory.appendingPathComponent(name))
        }
        let data = try writeReport(runID: runID, to: directory)
        try writeNotebook(data: data, to: directory, conninfo: notebookConninfo, note: note)
        if official {
            try CSVPack(connection: connection).write(runID: runID, into: directory)
        }
        return directory
    }

    /// The board report: national, region, group and establishment pages (index.html first).
    public static func notebookName(runID: Int64) -> String { "run-\(runID).ipynb" }

    /// run-N.ipynb: written, then run in place when a connection is given and nbclient is there.
    private func writeNotebook(data: ReportData, to directory: URL, conninfo: String?, note: (String) -> Void) throws {
        let notebook = RunNotebook.build(data: data, rules: try RunNotebook.loadRules(connection: connection))
        let url = directory.appendingPathComponent(Self.notebookName(runID: data.run.runID))
        try notebook.encoded().write(to: url, options: .atomic)
        let outcome = conninfo.map { NotebookExecutor.execute(notebookAt: url, conninfo: $0) }
            ?? .notExecuted("export was not given a database to run it against.")
        if case .notExecuted(let reason) = outcome {
            var unexecuted = notebook
            unexecuted.cells.insert(RunNotebook.notExecutedNote(reason), at: 0)
            try unexecuted.encoded().write(to: url, options: .atomic)
            note("notebook \(url.lastPathComponent) not executed: \(reason)")
        }
    }

    @discardableResult
    private func writeReport(runID: Int64, to directory: URL) throws -> ReportData {
        let data = try ReportDataLoader(connection: connection).load(runID: runID)
        let bands = try connection.query("""
            select (parameters ->> 'band_outstanding')::float8, (parameters ->> 'band_good')::float8,
                   (parameters ->> 'band_requires_improvement')::float8
            from metrics.runs where run_id = \(runID)
            """).rows.first
        let thresholds = (outstanding: bands?[0].flatMap(Double.init) ?? 0.8, good: bands?[1].flatMap(Double.init) ?? 0.65,
                          requiresImprovement: bands?[2].flatMap(Double.init) ?? 0.5)
        try ReportWriter(data: data, bands: thresholds).write(to: directory)
        return data
    }
}
