import Aggregate
import ArgumentParser
import Export
import ExtractGenerator
import Foundation
import Ingest
import LocalPostgres
import Pipeline
import ThroughcareCore
import Transform

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate a small synthetic extract and run the whole pipeline on it, end to end.")

    @Option(help: "small, region or national.")
    var scale: ExtractScale = .small
    @Option(help: "Random seed for the synthetic extract.")
    var seed: UInt64 = 2024
    @Option(help: "Where to write the extract and the export.")
    var workspace: String = ".throughcare/demo"
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let workspaceURL = URL(fileURLWithPath: workspace)
        let extract = workspaceURL.appendingPathComponent("extract")
        Console.print("1/2 generate: \(scale.rawValue) synthetic extract (seed \(seed)) in \(extract.path)")
        _ = try ExtractGenerator(scale: scale, seed: seed).write(to: extract)
        // The review itself is pipelines/demo.yml, so `make demo` shows the same path a real
        // review takes; the extract and export folders follow --workspace.
        let pipeline = try PipelineLoader.load(path: try Self.demoPipelinePath())
        let connection = try database.connect()
        let observer = PipelineProgress(quiet: database.quiet)
        let result = try PipelineRunner(connection: connection, observer: observer).run(pipeline, options: PipelineRunOptions(
            extractDirectory: extract, exportDirectory: workspaceURL.appendingPathComponent("export"), notebookConninfo: connection.conninfo))
        if let runID = result.runID { try SummaryTable.print(connection: connection, runID: runID) }
        Console.print("2/2 pipeline \(pipeline.path): run \(result.runID.map(String.init) ?? "?"), \(result.sampledCases ?? 0) sampled case(s), export in \(result.exportDirectory ?? "?")")
        if database.database == nil, ProcessInfo.processInfo.environment["DATABASE_URL"] == nil,
           let info = try? LocalCluster(name: LocalDefaults.clusterName).info() {
            Console.print("""

                Explore the results (the password is read from the pgpass file):
                  \(info.psqlCommand)
                  e.g. select * from metrics.latest_rates where scope_type = 'establishment';
                The database keeps running until: throughcare db stop
                """)
        }
    }

    /// pipelines/demo.yml of the checkout or installation (beside the sql/ folder).
    static func demoPipelinePath() throws -> String {
        let path = try ProjectResources.sqlDirectory().deletingLastPathComponent().appendingPathComponent("pipelines/demo.yml").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw ThroughcareError.installation("pipelines/demo.yml is missing (expected beside sql/ at \(path))")
        }
        return path
    }
}
