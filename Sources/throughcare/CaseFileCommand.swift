import Aggregate
import ArgumentParser
import Foundation
import Pipeline

struct CaseFileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "casefile",
        abstract: "Write case files for inspectors: one page per sampled case (or the one named), an index grid and its CSV.")

    @Option(name: .customLong("run"), help: "The run whose results and sample the files show.")
    var runID: Int64
    @Flag(help: "Every case of the run's inspection sample (the default when no --case is given).")
    var sample = false
    @Option(name: .customLong("case"), help: "Only this case.")
    var caseID: String?
    @Option(help: "Folder to write into; the run gets its own subfolder.")
    var out: String = "notebooks-export"
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if sample && caseID != nil { throw ValidationError("give --sample or --case ID, not both") }
    }

    func run() throws {
        let connection = try database.connect()
        try AggregateRunner(connection: connection, waiting: Console.note).prepareSchema()
        let folder = URL(fileURLWithPath: out).appendingPathComponent("run-\(runID)-casefiles")
        let summary = try CaseFileWriter(connection: connection).write(runID: runID, caseID: caseID, to: folder)
        Console.print("wrote \(summary.pages) case file(s): \(summary.index.path) (grid: \(summary.grid.path))")
    }
}
