import ArgumentParser
import Foundation
import LocalPostgres
import Logging
import PostgresClient
import ThroughcareCore
import Transform

/// Where the database is, and how chatty to be. Shared by every command.
struct DatabaseOptions: ParsableArguments {
    @Option(name: [.customShort("d"), .long], help: ArgumentHelp(
        "PostgreSQL URL or conninfo (default: $DATABASE_URL, else libpq's PG* variables or PGSERVICE when any is set, else the embedded local cluster).",
        valueName: "url"))
    var database: String?

    @Flag(name: .shortAndLong, help: "Print only errors and the final result (no progress).")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Say on stderr which database is used and how it was chosen (never its password), and relay every server notice (--log-level debug).")
    var verbose = false

    @Option(name: .customLong("log-level"), help: "Diagnostics on stderr: trace, debug, info, notice (default), warning, error, critical.")
    var logLevel: Logger.Level?

    /// The diagnostics logger: -v means debug unless --log-level says otherwise.
    var logger: Logger {
        var logger = Logger(label: "throughcare")
        logger.logLevel = logLevel ?? (verbose ? .debug : .notice)
        return logger
    }

    /// The connection string to use: explicit, DATABASE_URL, libpq's environment, or the embedded
    /// cluster (started if needed).
    func conninfo() throws -> String {
        let target = ConnectionTarget.resolve(database: database, environment: ProcessInfo.processInfo.environment)
        if case let .explicit(database) = target, ConnectionString.containsPassword(database) {
            // A password on the command line is visible to every user in the process list and
            // stays in shell history; libpq can read it from a file instead.
            Console.note("""
                warning: --database carries a password, which other users can see in the process list and which stays in shell history.
                Put it in a password file instead (~/.pgpass, or PGPASSFILE=/path/to/pgpass; mode 0600), or use a service (--database service=NAME with the password in pg_service.conf or PGSERVICEFILE).
                """)
        }
        if let conninfo = target.conninfo { return conninfo }
        let cluster = try LocalCluster(name: LocalDefaults.clusterName)
        let wasRunning = try cluster.isRunning()
        let info = try cluster.start()
        if !wasRunning && !quiet {
            Console.note("started the local PostgreSQL cluster at \(info.publicURL) (stop it with: throughcare db stop)")
        }
        return try info.conninfo()
    }

    func connect() throws -> PostgresConnection {
        let connection = try PostgresConnection(try conninfo())
        relayNotices(connection)
        if logger.logLevel <= .info {
            let origin = ConnectionTarget.resolve(database: database, environment: ProcessInfo.processInfo.environment).origin
            logger.info("database: \(connection.target) (from \(origin))")
        }
        return connection
    }

    /// A pipeline's `database:` comes after --database (the command line wins) and before the
    /// environment and the embedded cluster.
    func connect(pipelineDatabase: String?) throws -> PostgresConnection {
        if database == nil || database?.isEmpty == true, let pipelineDatabase, !pipelineDatabase.isEmpty {
            let connection = try PostgresConnection(pipelineDatabase)
            relayNotices(connection)
            logger.info("database: \(connection.target) (from the pipeline's database:)")
            return connection
        }
        return try connect()
    }
}

extension DatabaseOptions {
    /// Server messages go to stderr as they arrive: warnings always (they used to be dropped),
    /// the stages' own step reports ("aggregate: rates, … in 2.1 s") unless -q, and every other
    /// notice (DDL's "already exists, skipping") only at -v.
    func relayNotices(_ connection: PostgresConnection) {
        let quiet = self.quiet, logger = self.logger
        connection.noticeHandler = { message in
            let text = message.replacingOccurrences(of: #"^[A-Z]+:\s+"#, with: "", options: .regularExpression)
            if message.hasPrefix("WARNING") {
                logger.warning("server warning: \(text)")
            } else if !quiet && (text.hasPrefix("aggregate: ") || text.hasPrefix("transform: ")) {
                Console.note("  \(text)")
            } else {
                logger.debug("server: \(text)")
            }
        }
    }

    /// Transform reports each model file with its time, live, unless -q.
    func transformRunner(_ connection: PostgresConnection) -> TransformRunner {
        var runner = TransformRunner(connection: connection, waiting: Console.note)
        if !quiet {
            runner.step = { file, seconds in Console.note(String(format: "  transform: %@ in %.1f s", file, seconds)) }
        }
        return runner
    }
}

enum LocalDefaults {
    static let clusterName = "default"
}

/// Writes to stdout/stderr without the non-Sendable C globals.
enum Console {
    static func print(_ text: String) {
        Swift.print(text)
    }

    /// A message for a person, on stderr so piped stdout stays clean.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static var stdoutIsTerminal: Bool { isatty(1) == 1 }
    static var stderrIsTerminal: Bool { isatty(2) == 1 }
}

/// Parses `name=value` run parameter overrides.
func parseParameters(_ pairs: [String], asOf: String?) throws -> RunParameters {
    var overrides: [String: String] = [:]
    for pair in pairs {
        guard let equals = pair.firstIndex(of: "=") else {
            throw ValidationError("--param takes name=value, e.g. --param keywork_max_gap_days=21 (got \"\(pair)\")")
        }
        overrides[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
    }
    var date: CivilDate?
    if let asOf {
        guard let parsed = CivilDate(asOf) else { throw ValidationError("--as-of must be a date YYYY-MM-DD (got \"\(asOf)\")") }
        date = parsed
    }
    do {
        return try RunParameters(overrides: overrides, asOf: date)
    } catch {
        throw ValidationError("\(error)")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

extension CivilDate: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}
