import PostgresClient
import ThroughcareCore

public enum WarehouseSchema {
    /// A unit of once-only DDL, applied when its files change.
    public enum Unit: String, Sendable {
        case ingest, core, metrics

        var folders: [String] {
            switch self {
            case .ingest: return SQLLayout.ingestUnit
            case .core: return SQLLayout.coreUnit
            case .metrics: return SQLLayout.metricsUnit
            }
        }
    }

    /// Brings the given units (in order) up to this tool's sql/ files; a no-op when they match.
    public static func prepare(_ connection: PostgresConnection, _ units: [Unit]) throws {
        // From here on an error raised inside one of the project's functions names its file and line.
        if connection.sqlSourceFiles.isEmpty {
            connection.sqlSourceFiles = try ProjectResources.sqlFiles(in: SQLLayout.allFolders)
        }
        let migrator = SchemaMigrator(connection: connection, lockTimeoutSeconds: LockTimeout.seconds,
                                      toolVersion: ThroughcareVersion.current)
        for unit in units {
            try migrator.migrate(unit: unit.rawValue, files: try ProjectResources.sqlFiles(in: unit.folders))
        }
    }

    /// Takes the stage lock, waiting for the stage that holds it: exclusive for stages that
    /// rewrite staging or core (ingest, transform), shared for those that only read core.
    public static func stageLock(_ connection: PostgresConnection, exclusive: Bool,
                                 waiting: (String) -> Void) throws -> StageLock {
        try StageLock.acquire(connection, key: StageLockKey.warehouse, mode: exclusive ? .exclusive : .shared, waiting: waiting)
    }
}
