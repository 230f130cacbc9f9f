// Case files for inspectors: one HTML page per sampled case (or the one named) that a person can
// read without SQL — custody window, allocations over time, every contact on a timeline, the
// handover date with its rule, each metric met / not met / not eligible with its evidence, and
// the data-quality findings for the case — plus an index page grouping the cases by
// establishment with the metric results as a grid, and the same grid as CSV beside it.
// What a page says comes from metrics.case_file (sql/300_metrics/396_case_file.sql) only; which
// cases get one and the grid, from sql/300_metrics/397_review_api.sql.

import Foundation
import PostgresClient
import ThroughcareCore

public struct CaseFileSummary: Sendable {
    public var pages: Int
    public var index: URL
    public var grid: URL
}

public struct CaseFileWriter {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    static func caseEntry(_ row: QueryResult.Row) throws -> (establishment: String, caseID: String, prisonerID: String) {
        (try row["establishment_code", as: String?.self] ?? "", try row["case_id", as: String?.self] ?? "",
         try row["prisoner_id", as: String?.self] ?? "")
    }

    /// Writes the files into `folder` (created). `caseID` nil: the run's sampled cases.
    public func write(runID: Int64, caseID: String?, to folder: URL) throws -> CaseFileSummary {
        guard try connection.call("metrics.run_status", runID).rows.first?["status", as: String.self] == "succeeded" else {
            throw ThroughcareError.invalidInput("run \(runID) does not exist or has not succeeded (see metrics.runs)")
        }
        var cases: [(establishment: String, caseID: String, prisonerID: String)]
        if let caseID {
            cases = try connection.call("metrics.case_file_case", caseID).rows.map(Self.caseEntry)
            guard !cases.isEmpty else { throw ThroughcareError.invalidInput("case \(caseID) is not in the core model (check the id in cases.csv)") }
        } else {
            cases = try connection.call("metrics.case_file_sample", runID).rows.map(Self.caseEntry)
            guard !cases.isEmpty else {
                throw ThroughcareError.invalidInput("run \(runID) has no inspection sample: draw one (throughcare sample … --run \(runID), or a pipeline's sample:), or name a case with --case ID")
            }
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)

        // The grid: each case's result per metric, the latest period when the run has several.
        var grid: [String: [String: String]] = [:]
        var metricNames = Set<String>()
        for row in try connection.call("metrics.case_file_grid", runID, cases.map(\.caseID)).rows {
            let eligible = try row["eligible", as: Bool?.self] == true
            let result = eligible ? (try row["met", as: Bool?.self] == true ? "met" : "not met") : "not eligible"
            let metric = try row["metric", as: String.self]
            grid[try row["case_id", as: String.self], default: [:]][metric] = result
            metricNames.insert(metric)
        }
        let metrics = metricNames.sorted()

        for entry in cases {
            let text = try connection.call("metrics.case_file", runID, entry.caseID).scalar(String.self)
            let document = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
            let page = CaseFilePage(document: document).html()
            try page.write(to: folder.appendingPathComponent(Self.pageName(entry.caseID)), atomically: true, encoding: .utf8)
        }

        var csv = "establishment_code,case_id,prisoner_id," + metrics.joined(separator: ",") + "\n"
        var html = CaseFilePage.header(title: "Case files, run \(runID)")
        html += "<h1>Case files — run \(runID)</h1>\n<p>\(cases.count) case(s). ✓ met, ✗ not met, – not eligible. Each case id opens its file.</p>\n"
        for establishment in Array(Set(cases.map(\.establishment))).sorted() {
            html += "<h2>\(escape(establishment))</h2>\n<table class=\"grid\"><tr><th>case</th><th>prisoner</th>"
            html += metrics.map { "<th class=\"metric\"><span>\(escape($0))</span></th>" }.joined() + "</tr>\n"
            for entry in cases where entry.establishment == establishment {
                html += "<tr><td><a href=\"\(Self.pageName(entry.caseID))\">\(escape(entry.caseID))</a></td><td>\(escape(entry.prisonerID))</td>"
                for metric in metrics {
                    let result = grid[entry.caseID]?[metric] ?? ""
                    let symbol = ["met": "✓", "not met": "✗", "not eligible": "–"][result] ?? ""
                    html += "<td class=\"\(result.replacingOccurrences(of: " ", with: "-"))\" title=\"\(escape(metric)): \(result)\">\(symbol)</td>"
                }
                html += "</tr>\n"
                csv += ([entry.establishment, entry.caseID, entry.prisonerID] + metrics.map { grid[entry.caseID]?[$0] ?? "" })
                    .map(Self.csvField).joined(separator: ",") + "\n"
            }
            html += "</table>\n"
        }
        html += "</body></html>\n"
        let index = folder.appendingPathComponent("index.html")
        let gridFile = folder.appendingPathComponent("index.csv")
        try html.write(to: index, atomically: true, encoding: .utf8)
        try csv.write(to: gridFile, atomically: true, encoding: .utf8)
        return CaseFileSummary(pages: cases.count, index: index, grid: gridFile)
    }

    static func pageName(_ caseID: String) -> String {
        "case-" + caseID.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? String($0) : "_" }.joined() + ".html"
    }

    /// CSV field, quoted when needed, and never starting with a formula character (a grid opened
    /// in a spreadsheet must not run anything).
    static func csvField(_ text: String) -> String {
        var value = text
        if let first = value.first, "=+-@\t\r".contains(first) { value = "'" + value }
        if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }
}

func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
