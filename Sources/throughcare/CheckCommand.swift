import ArgumentParser
import Pipeline

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run the quality gate on the current core model: the contract's tests and the thresholds; exit 4 when it fails.",
        discussion: """
            Contract tests: keys unique and not null, codes accepted, references resolved. Thresholds come \
            from a pipeline file's quality: section and/or --max NAME=SHARE over \(QualityGate.measures.map(\.name).joined(separator: ", ")). \
            A measure with no threshold is reported, not judged.
            """)

    @Argument(help: "A pipeline file whose quality: thresholds apply (optional).")
    var pipeline: String?
    @Option(name: .customLong("max"), help: ArgumentHelp("Largest share allowed for a measure, e.g. --max reject_rate_per_file=0.02 (repeatable; overrides the pipeline's).", valueName: "name=share"))
    var maximums: [String] = []
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        var limits: [String: Double] = [:]
        var pipelineDatabase: String?
        if let pipeline {
            let loaded = try PipelineLoader.load(path: pipeline)
            limits = loaded.definition.quality.maximums
            pipelineDatabase = loaded.definition.database
        }
        limits.merge(try QualityGate.parseMaximums(maximums)) { _, new in new }
        let connection = try database.connect(pipelineDatabase: pipelineDatabase)
        let report = try QualityGate(connection: connection).evaluate(maximums: limits)
        QualityTable.print(report, onlyFindings: database.quiet)
        guard report.passed else {
            Console.note("quality gate failed: \(report.failureSummary)")
            throw ExitStatus.qualityGateFailed
        }
        Console.print("quality gate passed")
    }
}
