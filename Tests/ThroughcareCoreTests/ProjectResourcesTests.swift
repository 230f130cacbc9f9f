import Foundation
@testable import ThroughcareCore
import TestSupport
import XCTest

/// SQL comes only from the tool's own install or checkout, never from the working directory.
final class ProjectResourcesTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("throughcare-resources-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// A folder that looks like a checkout: Package.swift beside sql/000_ingest/<file>.
    @discardableResult
    func makeSQLTree(at base: URL, planted: String = "000_planted.sql") throws -> URL {
        let sql = base.appendingPathComponent("sql")
        try FileManager.default.createDirectory(at: sql.appendingPathComponent("000_ingest"), withIntermediateDirectories: true)
        try Data("select 'planted';\n".utf8).write(to: sql.appendingPathComponent("000_ingest/\(planted)"))
        try Data("// not ours\n".utf8).write(to: base.appendingPathComponent("Package.swift"))
        return sql
    }

    func testPlantedSQLAboveWorkingDirectoryIsNotUsed() throws {
        try XCTSkipIf(ProcessInfo.processInfo.environment["THROUGHCARE_SQL_DIR"] != nil, "THROUGHCARE_SQL_DIR overrides the search")
        try makeSQLTree(at: scratch)
        let extract = scratch.appendingPathComponent("extract")
        try FileManager.default.createDirectory(at: extract, withIntermediateDirectories: true)
        let previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(extract.path))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }

        let found = try ProjectResources.sqlDirectory()
        XCTAssertFalse(found.path.hasPrefix(scratch.path), "used the planted \(found.path)")
        XCTAssertEqual(found.standardizedFileURL.path, repositoryRoot().appendingPathComponent("sql").standardizedFileURL.path)
        let files = try ProjectResources.sqlFiles(in: ["000_ingest"]).map(\.lastPathComponent)
        XCTAssertFalse(files.contains("000_planted.sql"))
        XCTAssertFalse(files.isEmpty)
    }

    func testTestExecutableFindsTheCheckoutByWalkingUp() throws {
        // swift test runs .build/<triple>/debug/<Package>PackageTests.xctest itself (an ELF file on
        // Linux), so /proc/self/exe names it and the checkout is four levels up.
        let executable = try XCTUnwrap(ProjectResources.executableURL())
        XCTAssertTrue(executable.path.contains("/.build/"), executable.path)
        let found = try ProjectResources.sqlDirectory(environment: [:], executable: executable)
        XCTAssertEqual(found.path, repositoryRoot().appendingPathComponent("sql").standardizedFileURL.path)
    }

    func testInstalledLayoutAndBoundedWalk() throws {
        let prefix = scratch.appendingPathComponent("usr")
        let installed = prefix.appendingPathComponent("share/throughcare/sql/000_ingest")
        try FileManager.default.createDirectory(at: installed, withIntermediateDirectories: true)
        let executable = prefix.appendingPathComponent("bin/throughcare")
        XCTAssertEqual(try ProjectResources.sqlDirectory(environment: [:], executable: executable).path,
                       installed.deletingLastPathComponent().path)

        // A sql/ without Package.swift beside it is not a checkout.
        let loose = scratch.appendingPathComponent("loose")
        try makeSQLTree(at: loose)
        try FileManager.default.removeItem(at: loose.appendingPathComponent("Package.swift"))
        XCTAssertThrowsError(try ProjectResources.sqlDirectory(environment: [:], executable: loose.appendingPathComponent("bin/throughcare")))
        // A checkout far above the executable is not searched for: the walk is bounded.
        try makeSQLTree(at: scratch)
        let deep = scratch.appendingPathComponent("a/b/c/d/e/f/g/throughcare")
        XCTAssertThrowsError(try ProjectResources.sqlDirectory(environment: [:], executable: deep), "found \((try? ProjectResources.sqlDirectory(environment: [:], executable: deep))?.path ?? "")")
    }

    func testRefusesWritableForeignOrSymlinkedSQL() throws {
        let sql = try makeSQLTree(at: scratch)
        let environment = ["THROUGHCARE_SQL_DIR": sql.path]
        XCTAssertNoThrow(try ProjectResources.sqlDirectory(environment: environment, executable: nil))

        chmod(sql.path, 0o777)
        XCTAssertThrowsError(try ProjectResources.sqlDirectory(environment: environment, executable: nil)) { error in
            XCTAssertTrue("\(error)".contains("chmod go-w"), "\(error)")
        }
        chmod(sql.path, 0o775)
        XCTAssertThrowsError(try ProjectResources.sqlDirectory(environment: environment, executable: nil), "group-writable")
        chmod(sql.path, 0o755)

        let file = sql.appendingPathComponent("000_ingest/000_planted.sql")
        chmod(file.path, 0o666)
        XCTAssertThrowsError(try ProjectResources.checkTrusted(file), "world-writable file")
        chmod(file.path, 0o644)
        XCTAssertNoThrow(try ProjectResources.checkTrusted(file))

        let link = scratch.appendingPathComponent("linked-sql")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: sql)
        XCTAssertThrowsError(try ProjectResources.sqlDirectory(environment: ["THROUGHCARE_SQL_DIR": link.path], executable: nil)) { error in
            XCTAssertTrue("\(error)".contains("symbolic link"), "\(error)")
        }

        if getuid() == 0 {
            XCTAssertEqual(chown(sql.path, 65534, 65534), 0)   // nobody
            XCTAssertThrowsError(try ProjectResources.sqlDirectory(environment: environment, executable: nil)) { error in
                XCTAssertTrue("\(error)".contains("owned by uid 65534"), "\(error)")
            }
        }
    }

    func testGitCommitOfTheCheckout() throws {
        let root = repositoryRoot()
        try XCTSkipUnless(FileManager.default.fileExists(atPath: root.appendingPathComponent(".git").path), "not a git checkout")
        let commit = try XCTUnwrap(ThroughcareVersion.gitCommit(), "a checkout (or worktree) has a commit")
        XCTAssertEqual(commit.count, 40)
        XCTAssertTrue(commit.allSatisfy(\.isHexDigit), commit)
    }
}
