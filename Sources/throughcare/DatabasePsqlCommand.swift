import ArgumentParser
import Foundation
import LocalPostgres

struct DatabasePsqlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psql",
        abstract: "Open psql on the local cluster (started if needed); extra arguments go to psql.")

    @Argument(parsing: .captureForPassthrough, help: "Arguments for psql, e.g. -c 'select * from metrics.latest_rates'.")
    var arguments: [String] = []

    func run() throws {
        let info = try LocalCluster(name: LocalDefaults.clusterName).start()
        // exec, so psql owns the terminal (line editing, Ctrl-C) and its exit status is ours.
        setenv("PGPASSFILE", info.passFile, 1)
        let argv = ["psql", "-h", "127.0.0.1", "-p", "\(info.port)", "-U", info.user, "-d", info.database] + arguments
        var cArguments = argv.map { strdup($0) } + [nil]
        execvp("psql", &cArguments)
        throw ValidationError("could not run psql (\(String(cString: strerror(errno)))); install the postgresql-client package")
    }
}
