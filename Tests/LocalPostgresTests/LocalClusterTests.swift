import Foundation
import LocalPostgres
import PostgresClient
import XCTest

final class LocalClusterTests: XCTestCase {
    func testStartConnectStopLeavesNoProcess() throws {
        let cluster = try LocalCluster.throwaway(prefix: "lifecycle")
        defer { try? cluster.destroy() }
        let info = try cluster.start()
        XCTAssertTrue(try cluster.isRunning())
        let pid = try XCTUnwrap(cluster.serverPID())
        XCTAssertEqual(kill(pid, 0), 0, "server process should be alive")

        // Password from the private file; the public URL carries none.
        XCTAssertFalse(info.publicURL.contains(try String(contentsOfFile: info.passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        let attributes = try FileManager.default.attributesOfItem(atPath: info.passwordFile)
        XCTAssertEqual((attributes[.posixPermissions] as? Int).map { $0 & 0o777 }, 0o600)

        let connection = try PostgresConnection(try info.conninfo())
        XCTAssertEqual(try connection.query("select current_database()").scalar(String.self), "throughcare")
        XCTAssertTrue(try connection.query("select current_setting('listen_addresses')").scalar(String.self) == "127.0.0.1")
        // Byte collation for speed; UTF-8 character classes kept (upper() of a non-ASCII letter).
        XCTAssertEqual(try connection.query("select datcollate from pg_database where datname = current_database()").scalar(String.self), "C")
        XCTAssertEqual(try connection.query("select datctype from pg_database where datname = current_database()").scalar(String.self), "C.UTF-8")
        XCTAssertEqual(try connection.query("select upper('é')").scalar(String.self), "É")
        // Byte order is code-point order: the order C.UTF-8 gave, so no listing changes.
        XCTAssertEqual(try connection.query("select string_agg(x, ',' order by x) from (values ('b'), ('é'), ('B'), ('a'), ('Z'), ('É')) as v (x)").scalar(String.self), "B,Z,a,b,É,é")

        // Starting again while running is a no-op that answers the same place.
        XCTAssertEqual(try cluster.start().port, info.port)

        try cluster.stop()
        XCTAssertFalse(try cluster.isRunning())
        // The postmaster and its children are gone.
        var alive = true
        for _ in 0..<50 where alive {
            alive = kill(pid, 0) == 0
            if alive { usleep(100_000) }
        }
        XCTAssertFalse(alive, "server process \(pid) still running after stop")
        XCTAssertThrowsError(try PostgresConnection(try info.conninfo() + " connect_timeout=2"))
    }

    func testRestartKeepsData() throws {
        let cluster = try LocalCluster.throwaway(prefix: "restart")
        defer { try? cluster.destroy() }
        let first = try cluster.start()
        try PostgresConnection(try first.conninfo()).execute(script: "create table kept (id int); insert into kept values (7)")
        try cluster.stop()
        let second = try cluster.start()
        XCTAssertEqual(try PostgresConnection(try second.conninfo()).query("select id from kept").scalar(Int.self), 7)
    }

    func testDestroyRemovesFiles() throws {
        let cluster = try LocalCluster.throwaway(prefix: "destroy")
        try cluster.start()
        try cluster.destroy()
        XCTAssertFalse(FileManager.default.fileExists(atPath: cluster.baseDirectory.path))
    }
}
