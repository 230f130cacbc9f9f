// Transform: turns staging into the typed core model and the quality views by running the SQL
// of sql/100_core and sql/200_quality. Swift decides when they run and writes the run's
// parameters (bound) into core.parameters; the SQL decides what is computed.

import PostgresClient
import ThroughcareCore

public struct TransformRunner {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Rebuilds core and quality from staging with the given handover parameters.
    public func run(parameters: RunParameters) throws {
        let files = try ProjectResources.sqlFiles(in: ["000_ingest", "010_staging", "100_core", "200_quality"])
        guard let schemaIndex = files.firstIndex(where: { $0.lastPathComponent == "100_schema.sql" }) else {
            throw ThroughcareError.installation("sql/100_core/100_schema.sql is missing")
        }
        // Everything up to the core schema file creates tables; then the run's values go in, then the rules run.
        try connection.runScripts(Array(files[...schemaIndex]))
        try connection.transaction {
            for (name, value) in parameters.ordered where RunParameters.transformNames.contains(name) {
                try connection.query("""
                    insert into core.parameters (name, value) values (\(name), \(value))
                    on conflict (name) do update set value = excluded.value
                    """)
            }
        }
        try connection.runScripts(Array(files[(schemaIndex + 1)...]))
    }
}
