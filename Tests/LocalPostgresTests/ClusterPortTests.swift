import Foundation
import LocalPostgres
import PostgresClient
import XCTest

/// The embedded cluster keeps its port across restarts (so exported PG* settings and service
/// entries keep working), moving only when something else took it; its service entry is written
/// without disturbing other services.
final class ClusterPortTests: XCTestCase {
    func testRestartKeepsThePortUnlessItIsTaken() throws {
        let cluster = try LocalCluster.throwaway(prefix: "port")
        defer { try? cluster.destroy() }
        let first = try cluster.start()
        try cluster.stop()
        let second = try cluster.start()
        XCTAssertEqual(second.port, first.port, "a restart keeps the port")
        try cluster.stop()

        // Something else listens on the port now: the cluster moves rather than fail.
        let squatter = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(squatter) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(first.port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(squatter, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(bound, 0)
        listen(squatter, 1)
        let third = try cluster.start()
        XCTAssertNotEqual(third.port, first.port)
        let connection = try PostgresConnection(try third.conninfo())
        XCTAssertEqual(try connection.query("select 1").scalar(Int.self), 1)
    }

    func testServiceEntryReplacesOnlyItsSection() throws {
        let cluster = try LocalCluster.throwaway(prefix: "service")
        defer { try? cluster.destroy() }
        let info = try cluster.start()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pg_service-\(UUID().uuidString).conf")
        defer { try? FileManager.default.removeItem(at: file) }
        try "[warehouse]\nhost=db.example\n\n[throughcare]\nport=1\n".write(to: file, atomically: true, encoding: .utf8)
        try ServiceFile.write(name: "throughcare", info: info, to: file.path)
        let text = try String(contentsOf: file, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("[warehouse]\nhost=db.example\n"), text)
        XCTAssertFalse(text.contains("port=1\n"), text)
        XCTAssertTrue(text.contains("[throughcare]\nhost=127.0.0.1\nport=\(info.port)\n"), text)

        // libpq itself reads the entry: service=throughcare is enough.
        setenv("PGSERVICEFILE", file.path, 1)
        defer { unsetenv("PGSERVICEFILE") }
        let connection = try PostgresConnection("service=throughcare")
        XCTAssertEqual(try connection.query("select current_database()").scalar(String.self), info.database)
    }
}
