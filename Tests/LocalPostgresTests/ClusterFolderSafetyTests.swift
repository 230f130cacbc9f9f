import Foundation
import LocalPostgres
import TestSupport
import XCTest

/// The embedded cluster never follows a planted symlink and never deletes a folder it did not
/// create. Each test works in its own root under a scratch folder; none gets as far as initdb.
final class ClusterFolderSafetyTests: XCTestCase {
    var scratch: URL!
    let fileManager = FileManager.default

    override func setUpWithError() throws {
        scratch = fileManager.temporaryDirectory.appendingPathComponent("throughcare-safety-\(UUID().uuidString.prefix(8))")
        try fileManager.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? fileManager.removeItem(at: scratch)
    }

    /// A folder with files someone cares about.
    func makeVictim(_ name: String) throws -> URL {
        let victim = scratch.appendingPathComponent(name)
        try fileManager.createDirectory(at: victim.appendingPathComponent("default"), withIntermediateDirectories: true)
        try Data("keep me\n".utf8).write(to: victim.appendingPathComponent("precious.txt"))
        try Data("keep me too\n".utf8).write(to: victim.appendingPathComponent("default/precious.txt"))
        return victim
    }

    func assertVictimIntact(_ victim: URL, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(fileManager.fileExists(atPath: victim.appendingPathComponent("precious.txt").path), file: file, line: line)
        XCTAssertTrue(fileManager.fileExists(atPath: victim.appendingPathComponent("default/precious.txt").path), file: file, line: line)
    }

    func assertRefused(_ body: () throws -> Void, mentioning words: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(words), "expected \"\(words)\" in: \(error)", file: file, line: line)
        }
    }

    func testSymlinkedRootIsRefusedAndItsTargetKept() throws {
        let victim = try makeVictim("victim")
        let link = scratch.appendingPathComponent("root-link")
        try fileManager.createSymbolicLink(at: link, withDestinationURL: victim)
        let cluster = try LocalCluster(name: "default", root: link)
        assertRefused({ try cluster.start() }, mentioning: "symbolic link")
        XCTAssertThrowsError(try cluster.destroy())
        assertVictimIntact(victim)
    }

    func testSymlinkedClusterFolderIsRefusedAndItsTargetKept() throws {
        let victim = try makeVictim("victim")
        let root = scratch.appendingPathComponent("root")
        try fileManager.createDirectory(at: root, withIntermediateDirectories: true)
        chmod(root.path, 0o711)
        let cluster = try LocalCluster(name: "planted", root: root)
        try fileManager.createSymbolicLink(at: cluster.baseDirectory, withDestinationURL: victim)
        assertRefused({ try cluster.start() }, mentioning: "symbolic link")
        assertRefused({ try cluster.destroy() }, mentioning: "symbolic link")
        assertVictimIntact(victim)
        XCTAssertFalse(cluster.isCreatedByThroughcare)
    }

    func testFolderNamedLikeAClusterIsNotWiped() throws {
        let root = scratch.appendingPathComponent("root")
        let cluster = try LocalCluster(name: "test-999999-deadbeef", root: root)
        // Make the root the way the tool would, then put a stranger's folder where the cluster goes.
        try fileManager.createDirectory(at: root, withIntermediateDirectories: true)
        chmod(root.path, 0o711)
        try fileManager.createDirectory(at: cluster.baseDirectory, withIntermediateDirectories: true)
        try Data("notes\n".utf8).write(to: cluster.baseDirectory.appendingPathComponent("notes.txt"))
        if getuid() == 0, let postgres = getpwnam("postgres") {
            XCTAssertEqual(chown(cluster.baseDirectory.path, postgres.pointee.pw_uid, postgres.pointee.pw_gid), 0)
        }
        chmod(cluster.baseDirectory.path, 0o700)

        assertRefused({ try cluster.start() }, mentioning: "did not create it")
        assertRefused({ try cluster.destroy() }, mentioning: "did not create it")
        // The stale-test-cluster sweeper (pid 999999 is gone) leaves it alone too.
        TestCluster.removeClustersOfDeadTestProcesses(root: root)
        XCTAssertTrue(fileManager.fileExists(atPath: cluster.baseDirectory.appendingPathComponent("notes.txt").path))
        XCTAssertFalse(cluster.isCreatedByThroughcare)
    }

    func testRootModeOwnerAndParentChecks() throws {
        let root = scratch.appendingPathComponent("root")
        try fileManager.createDirectory(at: root, withIntermediateDirectories: true)
        let cluster = try LocalCluster(name: "default", root: root)

        chmod(root.path, 0o777)
        assertRefused({ try cluster.start() }, mentioning: "chmod")
        chmod(root.path, 0o775)
        assertRefused({ try cluster.start() }, mentioning: "mode 775")
        chmod(root.path, 0o711)

        if getuid() == 0 {
            XCTAssertEqual(chown(root.path, 65534, 65534), 0)   // nobody
            assertRefused({ try cluster.start() }, mentioning: "owned by uid 65534")
            XCTAssertEqual(chown(root.path, 0, 0), 0)
        }

        // A root whose parent anyone may write (and is not sticky) could be swapped under us.
        let open = scratch.appendingPathComponent("open")
        try fileManager.createDirectory(at: open, withIntermediateDirectories: true)
        chmod(open.path, 0o777)
        assertRefused({ try LocalCluster(name: "default", root: open.appendingPathComponent("root")).start() }, mentioning: "not sticky")
    }

    func testClusterFolderModeAndOwnerChecks() throws {
        let root = scratch.appendingPathComponent("root")
        try fileManager.createDirectory(at: root, withIntermediateDirectories: true)
        chmod(root.path, 0o711)
        let cluster = try LocalCluster(name: "default", root: root)
        // A marked folder (as if ours) that is open to others, or owned by the wrong user.
        try fileManager.createDirectory(at: cluster.baseDirectory, withIntermediateDirectories: true)
        try Data("x\n".utf8).write(to: cluster.baseDirectory.appendingPathComponent(".throughcare-cluster"))
        let serverUID: uid_t = getuid() == 0 ? try XCTUnwrap(getpwnam("postgres")).pointee.pw_uid : getuid()
        chown(cluster.baseDirectory.path, serverUID, gid_t.max)   // gid unchanged
        chmod(cluster.baseDirectory.path, 0o755)
        assertRefused({ try cluster.start() }, mentioning: "mode 755")
        assertRefused({ try cluster.destroy() }, mentioning: "mode 755")
        if getuid() == 0 {
            chmod(cluster.baseDirectory.path, 0o700)
            XCTAssertEqual(chown(cluster.baseDirectory.path, 65534, 65534), 0)
            assertRefused({ try cluster.start() }, mentioning: "owned by uid 65534")
        }
        XCTAssertTrue(fileManager.fileExists(atPath: cluster.baseDirectory.path))
    }

    func testNamesCannotLeaveTheRoot() {
        for name in ["../etc", "a/b", ".hidden", ""] {
            XCTAssertThrowsError(try LocalCluster(name: name, root: scratch), name)
        }
    }
}
