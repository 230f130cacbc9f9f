import Foundation
import PostgresClient
import TestSupport
import XCTest

/// The connection rules: --database, then DATABASE_URL, then libpq's own environment, then the
/// embedded cluster; and libpq's environment (PG* variables, a service file) really is honoured.
final class ConnectionTargetTests: XCTestCase {
    func testOrderOfTheRules() {
        XCTAssertEqual(ConnectionTarget.resolve(database: "service=a", environment: ["DATABASE_URL": "postgresql://b", "PGHOST": "c"]), .explicit("service=a"))
        XCTAssertEqual(ConnectionTarget.resolve(database: nil, environment: ["DATABASE_URL": "postgresql://b", "PGHOST": "c"]), .databaseURL("postgresql://b"))
        XCTAssertEqual(ConnectionTarget.resolve(database: "", environment: ["PGSERVICE": "warehouse"]), .libpqEnvironment(["PGSERVICE"]))
        XCTAssertEqual(ConnectionTarget.resolve(database: nil, environment: ["PGHOST": "db", "PGDATABASE": "x"]), .libpqEnvironment(["PGHOST", "PGDATABASE"]))
        XCTAssertEqual(ConnectionTarget.resolve(database: nil, environment: ["PGHOST": "db"]).conninfo, "")
        // How to log in is not where to go: these alone keep the embedded cluster.
        XCTAssertEqual(ConnectionTarget.resolve(database: nil, environment: ["PGPASSFILE": "/x", "PGSERVICEFILE": "/y", "PGHOST": ""]), .embedded)
        XCTAssertNil(ConnectionTarget.embedded.conninfo)
    }

    /// Runs body with these variables set, restoring the previous values afterwards.
    func withEnvironment(_ variables: [String: String], _ body: () throws -> Void) rethrows {
        let previous = variables.keys.map { ($0, ProcessInfo.processInfo.environment[$0]) }
        for (name, value) in variables { setenv(name, value, 1) }
        defer {
            for (name, value) in previous {
                if let value { setenv(name, value, 1) } else { unsetenv(name) }
            }
        }
        try body()
    }

    func options() throws -> [String: String] {
        let server = try TestCluster.serverConninfo()
        var options: [String: String] = [:]
        for option in try ConnectionString.parse(server) { options[option.keyword] = option.value }
        return options
    }

    func testServiceFileIsHonoured() throws {
        let server = try options()
        let database = try TestDatabase()
        defer { database.drop() }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pg_service-\(UUID().uuidString).conf")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
            [other]
            host=nowhere.invalid

            [review]
            host=\(server["host"]!)
            port=\(server["port"]!)
            dbname=\(database.name)
            user=\(server["user"]!)
            password=\(server["password"]!)
            """.write(to: file, atomically: true, encoding: .utf8)
        try withEnvironment(["PGSERVICEFILE": file.path, "PGSERVICE": "review"]) {
            let target = ConnectionTarget.resolve(database: nil, environment: ProcessInfo.processInfo.environment.filter { $0.key != "DATABASE_URL" })
            XCTAssertEqual(target, .libpqEnvironment(["PGSERVICE"]))
            let connection = try PostgresConnection(try XCTUnwrap(target.conninfo))
            XCTAssertEqual(try connection.query("select current_database()").scalar(String.self), database.name)
            XCTAssertTrue(connection.target.contains("dbname=\(database.name)"), connection.target)
            XCTAssertFalse(connection.target.contains(server["password"]!), "the target never shows the password")
        }
    }

    func testPGVariablesAreHonoured() throws {
        let server = try options()
        let database = try TestDatabase()
        defer { database.drop() }
        try withEnvironment(["PGHOST": server["host"]!, "PGPORT": server["port"]!, "PGDATABASE": database.name,
                             "PGUSER": server["user"]!, "PGPASSWORD": server["password"]!]) {
            let target = ConnectionTarget.resolve(database: nil, environment: ProcessInfo.processInfo.environment.filter { $0.key != "DATABASE_URL" })
            XCTAssertEqual(target, .libpqEnvironment(["PGHOST", "PGPORT", "PGDATABASE", "PGUSER"]))
            let connection = try PostgresConnection(try XCTUnwrap(target.conninfo))
            XCTAssertEqual(try connection.query("select current_database()").scalar(String.self), database.name)
        }
    }
}
