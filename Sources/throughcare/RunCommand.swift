import Aggregate
import ArgumentParser
import Foundation
import Ingest
import Pipeline
import PostgresClient
import ThroughcareCore
import Transform

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a review: a pipeline file (ingest → transform → check → aggregate → sample → export), or an extract directory with --from/--to.",
        discussion: """
            throughcare run pipelines/quarterly-inspection.yml runs the review the file declares; --dry-run prints \
            the plan and does nothing. An official pipeline (publish: true) whose quality gate fails is not \
            published (exit 4) unless --force "reason" is given; the reason is stored on the run. \
            throughcare run DIR --from … --to … [--period] [--publish] is the command-line form.
            """)

    @Argument(help: "A pipeline file (pipelines/*.yml), or an extract directory.")
    var target: String
    @Option(help: "First day of the review range (YYYY-MM-DD); extract directory form only.")
    var from: CivilDate?
    @Option(help: "Day after the review range (exclusive); extract directory form only.")
    var to: CivilDate?
    @Option(help: "month, quarter or whole; extract directory form only.")
    var period: PeriodKind = .month
    @Flag(help: "Upsert rows by key and delete nothing; extract directory form only.")
    var incremental = false
    @Flag(help: "Mark the run official; extract directory form only (a pipeline says publish: true).")
    var publish = false
    @Option(help: ArgumentHelp("Publish an official pipeline run although its quality gate failed; the reason is stored on the run.", valueName: "reason"))
    var force: String?
    @Option(help: "Read this extract directory instead of the pipeline's extract.directory.")
    var extract: String?
    @Option(help: "Write exports under this folder instead of the pipeline's exports.directory.")
    var out: String?
    @Flag(name: .customLong("dry-run"), help: "Print what the pipeline would do, and do nothing.")
    var dryRun = false
    @Option(help: "text, or json: one JSON document on stdout (run id, as-of date, counts, paths).")
    var format: OutputFormat = .text
    @OptionGroup var parameters: ParameterOptions
    @OptionGroup var database: DatabaseOptions

    var isPipeline: Bool { target.hasSuffix(".yml") || target.hasSuffix(".yaml") }

    func validate() throws {
        if isPipeline {
            guard from == nil, to == nil, !publish, !incremental, parameters.parameters.isEmpty, parameters.asOf == nil else {
                throw ValidationError("a pipeline file declares its range, period, publish, extract mode and parameters; edit the file instead of passing --from/--to/--publish/--incremental/--param")
            }
        } else {
            guard let from, let to else { throw ValidationError("run DIR needs --from and --to (or give a pipeline file: throughcare run pipelines/demo.yml)") }
            guard from < to else { throw ValidationError("--from must be before --to (--to is exclusive: --from 2024-01-01 --to 2024-04-01 is Q1 2024)") }
            guard force == nil, extract == nil, out == nil, !dryRun else { throw ValidationError("--force, --extract, --out and --dry-run apply to pipeline files") }
        }
        if let force, force.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--force needs a reason, e.g. --force \"rejects are duplicate rows already reported to the supplier\"") }
    }

    func run() throws {
        if isPipeline { try runPipeline() } else { try runDirectory() }
    }

    func runPipeline() throws {
        let pipeline = try PipelineLoader.load(path: target)
        var options = PipelineRunOptions(forceReason: force, extractDirectory: extract.map { URL(fileURLWithPath: $0) },
                                         exportDirectory: out.map { URL(fileURLWithPath: $0) })
        if dryRun {
            for line in try PipelinePlan.describe(pipeline, options: options) { Console.print(line) }
            return
        }
        let connection = try database.connect(pipelineDatabase: pipeline.definition.database)
        let observer = PipelineProgress(quiet: database.quiet, stdoutIsForResults: format == .json)
        options.notebookConninfo = connection.conninfo
        let result = try PipelineRunner(connection: connection, observer: observer).run(pipeline, options: options)
        if format == .json { return try OutputFormat.printJSON(result) }
        if let runID = result.runID, !database.quiet { try SummaryTable.print(connection: connection, runID: runID) }
        Console.print("run \(result.runID.map(String.init) ?? "?")" + (result.exportDirectory.map { ": \($0)" } ?? ""))
    }

    func runDirectory() throws {
        let connection = try database.connect()
        let runParameters = try parameters.runParameters()
        let report = try runIngest(connection: connection, directory: target,
                                   options: IngestOptions(mode: incremental ? .incremental : .full), quiet: database.quiet)
        // Nothing is computed from a partial extract: the failed file's entity would still hold
        // the previous extract's rows beside this one's.
        if report.anyFailed {
            Console.note("stopped: an extract file failed or was skipped, so nothing was transformed, aggregated or published")
            throw ExitStatus.fileFailed
        }
        try database.transformRunner(connection).run(parameters: runParameters)
        let aggregate = AggregateRunner(connection: connection, waiting: Console.note)
        let runID = try aggregate.run(AggregateRequest(from: from!, to: to!, period: period, official: publish, parameters: runParameters))
        if format == .json { return try OutputFormat.printJSON(try aggregate.summary(runID: runID)) }
        if !database.quiet { try SummaryTable.print(connection: connection, runID: runID) }
    }
}
