// throughcare: the command line. It composes the stages (Ingest, Transform, Aggregate, Export),
// owns option parsing, progress display and exit codes, and holds no analytics of its own.

import ArgumentParser
import Logging
import PostgresClient
import ThroughcareCore

@main
struct Throughcare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throughcare",
        abstract: "Offender Management in Custody (OMiC) inspection metrics from case and contact extracts.",
        discussion: """
            Stages: ingest (CSV extract → staging, bad rows kept in ingest.rejects), transform (staging → core \
            model and the OMiC handover rules), aggregate (case-level evidence, rates with 95% Wilson intervals, \
            volumes), export (CSV and an HTML report). Without --database or DATABASE_URL every command uses \
            the embedded local PostgreSQL cluster (see `throughcare db`).

            Exit codes: 0 success; 3 an extract file failed to load; 4 the quality gate failed (check, or an official run not published); 64 bad command line or input value; \
            69 database unreachable or session lost; 70 internal error; 75 refused because the data is not \
            ready (nothing changed: the message says what to run first).
            """,
        version: "0.1.0",
        subcommands: [
            DemoCommand.self, GenerateCommand.self, ContractCommand.self, IngestCommand.self, TransformCommand.self,
            AggregateCommand.self, RunCommand.self, ValidateCommand.self, CheckCommand.self, CaseFileCommand.self, SampleCommand.self, ExportCommand.self,
            PruneCommand.self, DatabaseCommand.self,
        ]
    )

    /// ArgumentParser's own main, with the project's errors mapped to their documented statuses.
    static func main() {
        // Diagnostics go to stderr so stdout keeps only results; levels are set per command
        // (-v, --log-level) on the logger DatabaseOptions hands out.
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            guard let status = ExitStatus.forError(error) else { exit(withError: error) }
            var reported = error
            // An error raised inside one of the project's functions names its file and line.
            if var postgres = error as? PostgresError, postgres.location == nil,
               let files = try? ProjectResources.sqlFiles(in: SQLLayout.allFolders) {
                postgres.location = SQLSourceMap.functionLocation(of: postgres, in: files)
                reported = postgres
            }
            Console.note("error: \(reported)")
            exit(withError: status)
        }
    }
}
