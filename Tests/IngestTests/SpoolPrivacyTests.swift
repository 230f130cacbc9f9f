import Foundation
@testable import Ingest
import XCTest

/// Reject and text spools hold extract rows: private to us, and never left on disk.
final class SpoolPrivacyTests: IngestTestCase {
    /// Looks at the temporary directories and at this process's open files while a file loads
    /// (fileProgress is called after its COPY, with its reject spool still open).
    final class SpoolWatcher: IngestProgress {
        var visible: [String] = []
        var openSpools: [String] = []
        func fileStarted(_ file: String, bytes: Int) {}
        func fileFinished(_ report: FileReport) {}
        func fileProgress(rows: Int, storedBytes: Int) {
            visible += SpoolPrivacyTests.spoolNamesOnDisk()
            #if os(Linux)
            let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            for descriptor in descriptors {
                if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)"),
                   target.contains("/\(SpoolFile.directoryName())/") {
                    var status = stat()
                    if stat("/proc/self/fd/\(descriptor)", &status) == 0, status.st_mode & 0o777 != 0o600 {
                        openSpools.append("\(target) has mode \(String(status.st_mode & 0o777, radix: 8))")
                    } else {
                        openSpools.append(target)
                    }
                }
            }
            #endif
        }
    }

    /// Spool files this process could have left: the old `throughcare-spool-<pid>-…` names in
    /// the temporary directory, and anything in our private directory.
    static func spoolNamesOnDisk() -> [String] {
        let root = SpoolFile.defaultRoot()
        let old = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .filter { $0.hasPrefix("throughcare-spool-\(getpid())-") }
        let mine = ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + SpoolFile.directoryName())) ?? [])
            .filter { $0.hasPrefix("spool-") }
        return old + mine
    }

    func testSpoolsAreUnlinkedWhileInUse() throws {
        let watcher = SpoolWatcher()
        let directory = try makeExtract(replacing: ["contacts.csv": "contacts-unknown-code.csv"])
        let report = try IngestRunner(connection: connection, options: IngestOptions(maxRejectRate: 1), progress: watcher).run(directory: directory.path)
        XCTAssertEqual(try self.report(report, "contacts.csv").rowsRejected, 1, "the reject went through a spool")
        XCTAssertEqual(watcher.visible, [], "a spool file was visible on disk during the load")
        XCTAssertEqual(Self.spoolNamesOnDisk(), [], "a spool file was left behind")
        #if os(Linux)
        XCTAssertFalse(watcher.openSpools.isEmpty, "no spool was open in the private directory")
        for target in watcher.openSpools {
            XCTAssertTrue(target.hasSuffix(" (deleted)"), "open spool still linked or not 0600: \(target)")
        }
        #endif
        var status = stat()
        XCTAssertEqual(lstat(SpoolFile.defaultRoot() + "/" + SpoolFile.directoryName(), &status), 0)
        XCTAssertEqual(status.st_mode & 0o777, 0o700)
    }

    func testPrivateDirectoryIsCreatedPrivate() throws {
        let root = workDirectory.appendingPathComponent("fresh-root").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        let directory = try SpoolFile.privateDirectory(in: root)
        var status = stat()
        XCTAssertEqual(lstat(directory, &status), 0)
        XCTAssertEqual(status.st_mode & 0o777, 0o700)
        XCTAssertEqual(status.st_uid, geteuid())
        let spool = try SpoolFile(file: "contacts.csv", temporaryRoot: root)
        try spool.appendLine { $0.append(contentsOf: Array("line\n".utf8)) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [], "the spool is unlinked at once")
        var replayed: [UInt8] = []
        try spool.replay { replayed += $0 }
        XCTAssertEqual(replayed, Array("line\n".utf8), "and still readable through its descriptor")
    }

    /// Someone else planted the directory name in a shared /tmp, as a link to a place they read.
    func testPlantedLinkIsRefused() throws {
        let root = workDirectory.appendingPathComponent("shared-root").path
        let elsewhere = workDirectory.appendingPathComponent("attacker").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: false)
        XCTAssertEqual(chmod(elsewhere, 0o700), 0)
        let planted = root + "/" + SpoolFile.directoryName()
        try FileManager.default.createSymbolicLink(atPath: planted, withDestinationPath: elsewhere)
        XCTAssertThrowsError(try SpoolFile(file: "contacts.csv", temporaryRoot: root)) { error in
            XCTAssertEqual("\(error)", "contacts.csv: refusing the temporary directory \(planted): it is a symbolic link; remove it, or set TMPDIR to a private directory")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: elsewhere), [], "nothing was written through the link")
    }

    func testDirectoryOpenToOthersIsRefused() throws {
        let root = workDirectory.appendingPathComponent("open-root").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        let directory = root + "/" + SpoolFile.directoryName()
        XCTAssertEqual(mkdir(directory, 0o700), 0)
        XCTAssertEqual(chmod(directory, 0o777), 0)
        XCTAssertThrowsError(try SpoolFile.privateDirectory(in: root)) { error in
            XCTAssertEqual("\(error)", "refusing the temporary directory \(directory): its mode 777 lets other users in (it must be 700); remove it, or set TMPDIR to a private directory")
        }
    }
}
