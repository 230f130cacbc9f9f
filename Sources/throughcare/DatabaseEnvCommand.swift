import ArgumentParser
import LocalPostgres

struct DatabaseEnvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "Print export PG…= lines for the local cluster and write its pg_service.conf entry.",
        discussion: """
            eval "$(throughcare db env)" and then psql, Jupyter (psycopg) and dbt connect with no arguments; \
            or use service=throughcare anywhere libpq reads a connection string. The port stays the same \
            across restarts while it is free, so both keep working.
            """)

    @Option(name: .customLong("service-file"), help: "pg_service.conf to write the entry into (default: $PGSERVICEFILE, else ~/.pg_service.conf).")
    var serviceFile: String?
    @Option(help: "Service name of the entry.")
    var service = "throughcare"
    @Flag(name: .customLong("no-service-file"), help: "Only print the exports.")
    var noServiceFile = false

    func run() throws {
        let cluster = try LocalCluster(name: LocalDefaults.clusterName)
        let info = try cluster.start()
        Console.print("""
            export PGHOST=127.0.0.1
            export PGPORT=\(info.port)
            export PGDATABASE=\(info.database)
            export PGUSER=\(info.user)
            export PGPASSFILE=\(info.passFile)
            """)
        if !noServiceFile {
            let path = serviceFile ?? ServiceFile.defaultPath
            try ServiceFile.write(name: service, info: info, to: path)
            Console.note("wrote service [\(service)] to \(path): psql service=\(service)")
        }
    }
}
