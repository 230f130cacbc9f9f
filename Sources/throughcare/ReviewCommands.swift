import Aggregate
import ArgumentParser
import Export
import Foundation
import PostgresClient
import ThroughcareCore
import Warehouse

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a run's rates, volumes and case evidence as CSV plus an HTML report.")

    @Option(name: .customLong("run"), help: "Run id (default: the newest finished run).")
    var runID: Int64?
    @Option(help: "Folder to write into; the run gets its own subfolder.")
    var out: String = "notebooks-export"
    @Flag(name: .customLong("include-cases"), help: "Also write case_metrics.csv (case-level evidence: not for publication).")
    var includeCases = false
    @Flag(help: "Also print the national and region pages to PDF (needs chromium: apt-get install chromium).")
    var pdf = false
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let conninfo = try database.conninfo()
        let connection = try PostgresConnection(conninfo)
        try AggregateRunner(connection: connection, waiting: Console.note).prepareSchema()
        let exporter = ExportRunner(connection: connection)
        let runID = try self.runID ?? exporter.latestRunID()
        // the notebook is run against the same database, its kernel given the string by environment
        let directory = try exporter.export(runID: runID, to: URL(fileURLWithPath: out), includeCases: includeCases,
                                            notebookConninfo: conninfo, note: Console.note)
        Console.print("exported run \(runID) to \(directory.path)")
        if pdf {
            guard let chromium = PDFPrinter.chromium() else {
                throw ValidationError("--pdf needs Chromium, which is missing: install the Debian package chromium (apt-get install chromium)")
            }
            for file in try PDFPrinter.printBoardPages(in: directory, chromium: chromium) {
                Console.print("printed \(file.path)")
            }
        }
    }
}

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Draw a reproducible inspection case sample (stratified by establishment).")

    @Option(help: "First day of the review period.")
    var from: CivilDate
    @Option(help: "Day after the review period (exclusive).")
    var to: CivilDate
    @Option(help: "Number of cases to draw.")
    var size: Int
    @Option(help: "Seed: the same seed and data draw the same sample on any machine.")
    var seed: String
    @Flag(name: .customLong("in-custody"), help: "Sample cases in custody on the last day instead of cases released in the period.")
    var inCustody = false
    @Option(help: ArgumentHelp("Limit to one scope, e.g. establishment:LEI or probation_region:Yorkshire.", valueName: "type:id"))
    var scope: String?
    @Option(name: .customLong("run"), help: "Aggregate run whose results the sample shows (default: the newest run with this exact period, else a new --period whole run).")
    var runID: Int64?
    @Option(help: "text (tab-separated), or json: {run_id, cases: [...]} on stdout.")
    var format: OutputFormat = .text
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard size > 0 else { throw ValidationError("--size must be at least 1") }
        if let scope {
            let parts = scope.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--scope takes TYPE:ID, e.g. establishment:LEI or probation_region:Wales")
            }
        }
    }

    func run() throws {
        let connection = try database.connect()
        let aggregate = AggregateRunner(connection: connection, waiting: Console.note)
        try aggregate.prepareSchema()
        var run = runID
        if run == nil {
            run = try connection.call("metrics.run_for_period", from, to).scalar(Int64?.self)
        }
        if run == nil {
            if !database.quiet { Console.note("no run has the period \(from) to \(to) yet: aggregating it (--period whole)") }
            run = try aggregate.run(AggregateRequest(from: from, to: to, period: .whole, parameters: try RunParameters()))
        }
        let scopeParts = scope.map { $0.split(separator: ":", maxSplits: 1).map(String.init) }
        let result = try connection.call("metrics.draw_sample", run, from, to, Int32(size), seed, inCustody,
                                         scopeParts?[0], scopeParts?[1])
        if format == .json {
            let cases = result.rows.map { row in Dictionary(uniqueKeysWithValues: zip(result.columns, row.values.map { $0 ?? "" })) }
            return try OutputFormat.printJSON(SampleOutput(runID: run!, cases: cases))
        }
        Console.print(result.columns.joined(separator: "\t"))
        for row in result.rows { Console.print(row.values.map { $0 ?? "" }.joined(separator: "\t")) }
    }
}

/// `sample --format json`: the run the results come from and the sampled rows by column name.
struct SampleOutput: Encodable {
    var runID: Int64
    var cases: [[String: String]]

    enum CodingKeys: String, CodingKey { case runID = "run_id", cases }
}

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove old exploratory (non-official) runs and their rows.")

    @Option(name: .customLong("keep-runs"), help: "How many of the newest non-official runs to keep.")
    var keepRuns: Int
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let connection = try database.connect()
        try AggregateRunner(connection: connection, waiting: Console.note).prepareSchema()
        let removed = try connection.call("metrics.prune_runs", Int32(clamping: keepRuns)).scalar(Int?.self) ?? 0
        Console.print("removed \(removed) run(s)")
    }
}
