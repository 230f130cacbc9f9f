import ArgumentParser
import Foundation
import Pipeline
import PostgresClient
import ThroughcareCore

/// The exit statuses scripts and schedulers can act on; `throughcare --help` and the README list them.
enum ExitStatus {
    /// An extract file failed to load, or was skipped because a file it references failed.
    static let fileFailed = ExitCode(3)
    /// The quality gate failed (`check`), or an official pipeline run was not published because
    /// its gate failed and no --force "reason" was given.
    static let qualityGateFailed = ExitCode(4)
    /// The command line or an input value is wrong (as sysexits' EX_USAGE).
    static let badInput = ExitCode(64)
    /// The database cannot be reached, or the session was lost (EX_UNAVAILABLE).
    static let databaseUnreachable = ExitCode(69)
    /// Anything else: a bug, a missing installation file, an unexpected database error (EX_SOFTWARE).
    static let internalError = ExitCode(70)
    /// Refused because the data is not ready (no core, stale core, failed ingest, a lock held too
    /// long): nothing was changed; fix what the message says and run again (EX_TEMPFAIL).
    static let notReady = ExitCode(75)

    /// The status for an error a command threw, or nil to let ArgumentParser handle it (help,
    /// usage errors, explicit exit codes).
    static func forError(_ error: Error) -> ExitCode? {
        switch error {
        case let error as PostgresError:
            if error.sqlState == PostgresError.notReadySQLState || error.sqlState == "55P03" { return notReady }
            if error.kind == .invalidConnectionString { return badInput }
            if error.kind == .unreachable || error.isConnectionLost { return databaseUnreachable }
            if error.sqlState == "22023" { return badInput }
            return internalError
        case is PipelineFileError:
            return badInput
        case let error as PipelineRunError:
            switch error {
            case .fileFailed: return fileFailed
            case .qualityGateFailed: return qualityGateFailed
            }
        case let error as ThroughcareError:
            switch error {
            case .invalidInput: return badInput
            case .file: return fileFailed
            case .installation: return internalError
            }
        default:
            return nil
        }
    }
}
