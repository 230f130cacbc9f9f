import Aggregate
import ArgumentParser
import Export
import ExtractGenerator
import Foundation
import Ingest
import LocalPostgres
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
        Console.print("1/5 generate: \(scale.rawValue) synthetic extract (seed \(seed)) in \(extract.path)")
        _ = try ExtractGenerator(scale: scale, seed: seed).write(to: extract)
        let connection = try database.connect()
        Console.print("2/5 ingest")
        let ingested = try runIngest(connection: connection, directory: extract.path, options: IngestOptions(), quiet: database.quiet)
        if ingested.anyFailed { throw ExitStatus.fileFailed }
        Console.print("3/5 transform")
        let parameters = try RunParameters()
        try TransformRunner(connection: connection, waiting: Console.note).run(parameters: parameters)
        Console.print("4/5 aggregate 2024-01-01 to 2025-01-01 by quarter")
        let runID = try AggregateRunner(connection: connection, waiting: Console.note).run(AggregateRequest(
            from: CivilDate("2024-01-01")!, to: CivilDate("2025-01-01")!, period: .quarter, official: true, parameters: parameters))
        try SummaryTable.print(connection: connection, runID: runID)
        let exported = try ExportRunner(connection: connection).export(runID: runID, to: workspaceURL.appendingPathComponent("export"), includeCases: true)
        Console.print("5/5 export: \(exported.path) (rates.csv with suppression, volumes.csv, case_metrics.csv, report pages (index.html))")
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
}
