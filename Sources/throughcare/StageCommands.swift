import Aggregate
import ArgumentParser
import ExtractGenerator
import Foundation
import Ingest
import PostgresClient
import ThroughcareCore
import Transform

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a synthetic extract (every contract file), deterministic for a seed.",
        discussion: """
            small: a few prisons, seconds. region: one probation region. national: ~120 prisons, ~85,000 cases, \
            ~10 million contacts. --scale-factor N writes N times the scale's prisons (and so about N times its \
            cases, staff and contacts) in the same regions; 1 writes the scale itself.
            """)

    @Option(help: "Directory to write the CSV files into (created if missing).")
    var out: String

    @Option(help: "small, region or national.")
    var scale: ExtractScale = .small

    @Option(help: "Multiply the scale: N times its prisons, cases and contacts (1–50).")
    var scaleFactor: Int = 1

    @Option(help: "Random seed: the same seed writes the same files.")
    var seed: UInt64 = 1

    func validate() throws {
        guard ExtractGenerator.scaleFactors.contains(scaleFactor) else {
            throw ValidationError("--scale-factor must be a whole number from \(ExtractGenerator.scaleFactors.lowerBound) to \(ExtractGenerator.scaleFactors.upperBound), e.g. --scale-factor 3; got \(scaleFactor)")
        }
    }

    func run() throws {
        let started = Date()
        let summary = try ExtractGenerator(scale: scale, scaleFactor: scaleFactor, seed: seed).write(to: URL(fileURLWithPath: out))
        for (file, rows) in summary.rowsByFile.sorted(by: { $0.key < $1.key }) {
            Console.print("  \(file.padding(toLength: 24, withPad: " ", startingAt: 0)) \(TerminalProgress.grouped(rows)) rows")
        }
        let label = scaleFactor == 1 ? scale.rawValue : "\(scale.rawValue) ×\(scaleFactor)"
        Console.print(String(format: "wrote %@ extract to %@ in %.1f s", label, out, Date().timeIntervalSince(started)))
    }
}

extension ExtractScale: ExpressibleByArgument {}
extension PeriodKind: ExpressibleByArgument {}

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Load an extract directory into staging, keeping every refused row in ingest.rejects.",
        discussion: """
            Loads establishments, staff, cases, allocations, contacts, assessments and release_outcomes \
            (.csv or .csv.gz) in that order, each file in one transaction. A file whose SHA-256 already \
            loaded is skipped. Exit status 3 when a file failed (nothing of it is kept).
            """)

    @Argument(help: "The extract directory.")
    var directory: String

    @Flag(help: "Upsert rows by key and delete nothing (monthly top-ups). Default: full — each file is the whole truth.")
    var incremental = false

    @Option(name: .customLong("max-reject-rate"), help: "Refuse a file whose share of rejected rows is above this (0–1).")
    var maxRejectRate: Double = 0.05

    @Flag(name: .customLong("allow-replay"), help: "With --incremental: load a file identical to an older one even though a later file of the same entity loaded since (it would revert those corrections).")
    var allowReplay = false

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard (0...1).contains(maxRejectRate) else { throw ValidationError("--max-reject-rate is a share between 0 and 1, e.g. 0.05 for 5%") }
    }

    func run() throws {
        let connection = try database.connect()
        let report = try runIngest(connection: connection, directory: directory,
                                   options: IngestOptions(mode: incremental ? .incremental : .full, maxRejectRate: maxRejectRate,
                                                          allowReplay: allowReplay),
                                   quiet: database.quiet)
        if report.anyFailed { throw ExitStatus.fileFailed }
    }
}

func runIngest(connection: PostgresConnection, directory: String, options: IngestOptions, quiet: Bool) throws -> IngestReport {
    let progress = TerminalProgress(quiet: quiet)
    if !quiet { Console.print("ingest \(directory) (\(options.mode.rawValue))") }
    let report = try IngestRunner(connection: connection, options: options, progress: progress).run(directory: directory)
    for warning in report.warnings { Console.note("warning: \(warning)") }
    let rejected = report.files.reduce(0) { $0 + $1.rowsRejected }
    if !quiet || report.anyFailed {
        Console.print("batch \(report.batchID): \(report.anyFailed ? "some files failed" : "done")" + (rejected > 0 ? "; \(rejected) rejected rows are in ingest.rejects (batch_id = \(report.batchID))" : ""))
    }
    return report
}

struct ParameterOptions: ParsableArguments {
    @Option(name: .customLong("param"), help: ArgumentHelp("Override a run parameter, e.g. --param keywork_max_gap_days=21 (repeatable).", valueName: "name=value"))
    var parameters: [String] = []

    @Option(name: .customLong("as-of"), help: "Analyse up to this date (default: the latest contact date).")
    var asOf: String?

    func runParameters() throws -> RunParameters { try parseParameters(parameters, asOf: asOf) }
}

struct TransformCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transform",
        abstract: "Rebuild the core model (custody windows, OMiC responsibility and handover dates) and the quality views.",
        discussion: """
            When the only change since the previous build is contacts loaded with ingest --incremental (and the \
            parameters and the tool's rules are the same), only those contacts are added to core: a top-up, the same \
            core in a fraction of the time. --full rebuilds everything from staging regardless.
            """)

    @OptionGroup var parameters: ParameterOptions
    @Flag(help: "Rebuild core from all of staging even when a top-up would do.")
    var full = false
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let connection = try database.connect()
        let started = Date()
        let build = try database.transformRunner(connection).run(parameters: try parameters.runParameters(), fullRebuild: full)
        if !database.quiet { Console.print(String(format: "transform done in %.1f s (%@)", Date().timeIntervalSince(started), build.summary)) }
    }
}

struct RangeOptions: ParsableArguments {
    @Option(help: "First day of the review range (YYYY-MM-DD).")
    var from: CivilDate

    @Option(help: "Day after the review range (exclusive, YYYY-MM-DD).")
    var to: CivilDate

    @Option(help: "month, quarter or whole.")
    var period: PeriodKind = .month

    func validate() throws {
        guard from < to else { throw ValidationError("--from must be before --to (--to is exclusive: --from 2024-01-01 --to 2024-04-01 is Q1 2024)") }
    }
}

struct AggregateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregate",
        abstract: "Compute every metric for a review range into metrics.* (a new run each time).")

    @OptionGroup var range: RangeOptions
    @Flag(help: "Mark the run official: published.* read the newest official run.")
    var publish = false
    @Option(name: .customLong("scope"), help: ArgumentHelp(
        "Limit the review to a scope (repeatable): TYPE:ID with TYPE establishment, prison_group, probation_region, release_region or national, e.g. --scope probation_region:Wales. Only the cases counting in a listed scope are computed.",
        valueName: "type:id"))
    var scopes: [ScopeArgument] = []
    @Option(help: "text, or json: one JSON document on stdout (run id, as-of date, counts).")
    var format: OutputFormat = .text
    @OptionGroup var parameters: ParameterOptions
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let connection = try database.connect()
        let aggregate = AggregateRunner(connection: connection, waiting: Console.note)
        let runID = try aggregate.run(AggregateRequest(
            from: range.from, to: range.to, period: range.period, official: publish, parameters: try parameters.runParameters(),
            scopes: scopes.isEmpty ? nil : scopes.map { RunScope(type: $0.type, id: $0.id) }))
        if format == .json { return try OutputFormat.printJSON(try aggregate.summary(runID: runID)) }
        if !database.quiet {
            try SummaryTable.print(connection: connection, runID: runID)
        } else {
            Console.print("run \(runID)")
        }
    }
}
