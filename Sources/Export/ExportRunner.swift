// Export: writes a run's results where people read them — CSV files and a static HTML report
// under notebooks-export/<run>/. It reads metrics (and published) only.

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

    /// Writes rates.csv, volumes.csv and report.html for the run (case_metrics.csv too when
    /// `includeCases`); returns the folder. An official run exports its published figures, with
    /// small numbers suppressed; an exploratory run exports everything, for analysts.
    @discardableResult
    public func export(runID: Int64, to root: URL, includeCases: Bool = false) throws -> URL {
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
            let url = directory.appendingPathComponent(name)
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            var pending: [UInt8] = []
            try connection.copyOut("copy (\(select)) to stdout with (format csv, header)") { chunk in
                pending.append(contentsOf: chunk)
                if pending.count > 1 << 20 {
                    try handle.write(contentsOf: pending)
                    pending.removeAll(keepingCapacity: true)
                }
            }
            try handle.write(contentsOf: pending)
        }
        try writeReport(runID: runID, official: official, to: directory.appendingPathComponent("report.html"))
        return directory
    }

    private func writeReport(runID: Int64, official: Bool, to url: URL) throws {
        let run = try connection.query("""
            select range_from::text, range_to::text, period_kind, as_of::text, coalesce(git_commit, '') from metrics.runs where run_id = \(runID)
            """).rows.first
        let rates = try connection.query("""
            select metric, period_start::text, numerator, denominator, rate, ci_low, ci_high, band
            from \(unsafeRaw: official ? "published.rates_cells" : "metrics.rates") where run_id = \(runID) and scope_type = 'national'
            order by metric, period_start
            """).rows
        func escape(_ text: String?) -> String {
            (text ?? "").replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        func percent(_ text: String?) -> String {
            guard let text, let value = Double(text) else { return "–" }
            return String(format: "%.1f%%", value * 100)
        }
        var html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Throughcare run \(runID)</title>
            <style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse}
            td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}</style>
            </head><body><h1>Throughcare: national rates, run \(runID)</h1>
            <p>Range \(escape(run?[0])) to \(escape(run?[1])) (exclusive), by \(escape(run?[2])); data as of \(escape(run?[3])). Commit \(escape(run?[4])).</p>
            <table><tr><th>Metric</th><th>Period</th><th>Met</th><th>Eligible</th><th>Rate</th><th>95% CI</th><th>Band</th></tr>
            """
        for row in rates {
            html += "<tr><td>\(escape(row[0]))</td><td>\(escape(row[1]))</td><td>\(escape(row[2]))</td><td>\(escape(row[3]))</td>"
            html += "<td>\(percent(row[4]))</td><td>\(percent(row[5]))–\(percent(row[6]))</td><td>\(escape(row[7]))</td></tr>\n"
        }
        html += "</table></body></html>\n"
        try Data(html.utf8).write(to: url)
    }
}
