import Foundation
import LocalPostgres
import PostgresClient
import XCTest

/// The pipeline connects as `throughcare`, which owns its database but is not a superuser; the
/// cluster lives in a private, marked folder under the default root.
final class ClusterRolesTests: XCTestCase {
    func testPipelineRoleIsNotSuperuserAndRolesExist() throws {
        let cluster = try LocalCluster.throwaway(prefix: "roles")
        defer { try? cluster.destroy() }
        let info = try cluster.start()

        let connection = try PostgresConnection(try info.conninfo())
        let row = try connection.query("""
            select current_user::text, r.rolsuper, r.rolcreatedb, r.rolcreaterole,
                   (select pg_get_userbyid(d.datdba)::text from pg_database as d where d.datname = current_database())
            from pg_roles as r where r.rolname = current_user
            """).rows[0]
        XCTAssertEqual(row.values[0], "throughcare")
        XCTAssertEqual(row.values[1], "f", "the pipeline's role must not be a superuser")
        XCTAssertEqual(row.values[2], "t", "CREATEDB: tests make throwaway databases")
        XCTAssertEqual(row.values[3], "f")
        XCTAssertEqual(row.values[4], "throughcare", "the database is owned by the pipeline's role")
        XCTAssertFalse(info.publicURL.contains("admin"))

        let groups = try connection.query("""
            select r.rolname::text, r.rolcanlogin, pg_has_role(current_user, r.oid, 'member')
            from pg_roles as r where r.rolname in ('throughcare_reader', 'throughcare_public') order by 1
            """).rows.map(\.values)
        XCTAssertEqual(groups, [["throughcare_public", "f", "t"], ["throughcare_reader", "f", "t"]])
        try connection.execute(script: "set role throughcare_public; reset role")
        XCTAssertThrowsError(try connection.execute(script: "create role intruder"), "no CREATEROLE")

        let admin = try PostgresConnection(try info.adminConninfo(database: "postgres"))
        XCTAssertEqual(try admin.query("select current_user::text").scalar(String.self), "throughcare_admin")
        XCTAssertEqual(try admin.query("select rolsuper::text from pg_roles where rolname = current_user").scalar(String.self), "true")

        // A role dropped by hand is back after a restart: start() sets the roles up each time.
        try admin.execute(script: "drop role throughcare_public")
        try cluster.stop()
        let again = try PostgresConnection(try cluster.start().conninfo())
        XCTAssertEqual(try again.query("select count(*) from pg_roles where rolname = 'throughcare_public'").scalar(Int.self), 1)
    }

    func testDefaultRootAndClusterFolderArePrivateAndMarked() throws {
        try XCTSkipIf(ProcessInfo.processInfo.environment["THROUGHCARE_PG_ROOT"] != nil, "THROUGHCARE_PG_ROOT overrides the default root")
        let root = LocalCluster.defaultRoot
        if getuid() == 0 {
            XCTAssertEqual(root.path, "/var/lib/throughcare")
        } else {
            XCTAssertTrue(root.path.hasSuffix("/throughcare") && !root.path.hasPrefix("/var/tmp") && !root.path.hasPrefix("/tmp"), root.path)
        }
        let cluster = try LocalCluster.throwaway(prefix: "private")
        defer { try? cluster.destroy() }
        try cluster.start()

        var status = stat()
        XCTAssertEqual(lstat(root.path, &status), 0)
        XCTAssertEqual(status.st_mode & S_IFMT, S_IFDIR)
        XCTAssertEqual(status.st_uid, getuid())
        XCTAssertEqual(status.st_mode & 0o777, getuid() == 0 ? 0o711 : 0o700)

        XCTAssertEqual(lstat(cluster.baseDirectory.path, &status), 0)
        XCTAssertEqual(status.st_mode & 0o777, 0o700)
        let serverUID = getuid() == 0 ? try XCTUnwrap(getpwnam("postgres")).pointee.pw_uid : getuid()
        XCTAssertEqual(status.st_uid, serverUID)
        XCTAssertTrue(cluster.isCreatedByThroughcare)
    }
}
