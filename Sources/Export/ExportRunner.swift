// Export: writes a run's results where people read them — CSV files and a static HTML report
// under notebooks-export/<run>/ (index.html is the report's national page). It reads the metrics
// and published schemas only.

import Foundation
import PostgresClient
import ThroughcareCore
import Warehouse

public struct ExportRunner {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// The newest succeeded run, when none is named.
    public func latestRunID() throws -> Int64 {
        guard let id = try connection.call("metrics.latest_succeeded_run").scalar(Int64?.self) else {
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
        guard let run = try connection.call("metrics.run_status", runID).rows.first else {
            throw ThroughcareError.invalidInput("there is no run \(runID) to export; `select run_id, status from metrics.runs` lists them")
        }
        let status = try run["status", as: String.self]
        guard status == "succeeded" else {
            throw ThroughcareError.invalidInput("run \(runID) is \(status), not succeeded: only finished runs are exported")
        }
        let official = try run["official", as: Bool.self]
        let directory = root.appendingPathComponent("run-\(runID)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var tables = [
            ("rates.csv", try SQLStatement.named(official ? "export_rates_official" : "export_rates", runID)),
            ("volumes.csv", try SQLStatement.named("export_volumes", runID)),
        ]
        if includeCases {
            tables.append(("case_metrics.csv", try SQLStatement.named("export_case_metrics", runID)))
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
        let bands = try connection.call("metrics.run_bands", runID).rows.first
        let thresholds = (outstanding: try bands?["band_outstanding", as: Double?.self] ?? 0.8,
                          good: try bands?["band_good", as: Double?.self] ?? 0.65,
                          requiresImprovement: try bands?["band_requires_improvement", as: Double?.self] ?? 0.5)
        try ReportWriter(data: data, bands: thresholds).write(to: directory)
        return data
    }
}
