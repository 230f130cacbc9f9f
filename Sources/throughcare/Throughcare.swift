// throughcare: the command line. It composes the stages (Ingest, Transform, Aggregate, Export),
// owns option parsing, progress display and exit codes, and holds no analytics of its own.

import ArgumentParser

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

            Exit codes: 0 success; 1 error; 3 an extract file failed to load; 64 invalid command line.
            """,
        version: "0.1.0",
        subcommands: [
            DemoCommand.self, GenerateCommand.self, IngestCommand.self, TransformCommand.self,
            AggregateCommand.self, RunCommand.self, SampleCommand.self, ExportCommand.self,
            PruneCommand.self, DatabaseCommand.self,
        ]
    )
}

/// Exit status when at least one extract file failed or was skipped for a failed dependency.
let fileFailedExitCode = ExitCode(3)
