import ArgumentParser
import LocalPostgres

struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage the embedded local PostgreSQL cluster used when no --database is given.",
        subcommands: [Start.self, Stop.self, Status.self, URLCommand.self, DatabaseEnvCommand.self, DatabasePsqlCommand.self])

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create (first time) and start the local cluster.")
        func run() throws {
            let info = try LocalCluster(name: LocalDefaults.clusterName).start()
            Console.print("running: \(info.publicURL)\nexplore with: \(info.psqlCommand)")
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the local cluster (its data is kept).")
        func run() throws {
            try LocalCluster(name: LocalDefaults.clusterName).stop()
            Console.print("stopped")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say whether the local cluster is running, and where.")
        func run() throws {
            let cluster = try LocalCluster(name: LocalDefaults.clusterName)
            if try cluster.isRunning(), let info = try? cluster.info() {
                Console.print("running: \(info.publicURL) (data in \(cluster.baseDirectory.path))")
            } else {
                Console.print(cluster.isInitialised ? "stopped (start with: throughcare db start)" : "not created yet (throughcare db start creates it)")
            }
        }
    }

    struct URLCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "url", abstract: "Print the local cluster's URL (the password stays in its pgpass file).")
        func run() throws {
            let cluster = try LocalCluster(name: LocalDefaults.clusterName)
            guard try cluster.isRunning() else { throw LocalPostgresError.notRunning(LocalDefaults.clusterName) }
            let info = try cluster.info()
            Console.print(info.publicURL)
            Console.note("password file: PGPASSFILE=\(info.passFile)")
        }
    }
}
