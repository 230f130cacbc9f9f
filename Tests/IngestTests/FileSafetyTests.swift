import Foundation
import Ingest
import XCTest

/// An extract directory is input we do not control: only regular files inside it are read, and
/// no message ever repeats a file's text beyond the contract's own column names.
final class FileSafetyTests: IngestTestCase {
    /// Stands in for /etc/shadow: a file outside the extract whose text must never surface.
    static let secret = "root:SECRET-7f3a9c:19000:0:99999:7:::"

    private func writeSecret() throws -> URL {
        let secretFile = workDirectory.appendingPathComponent("shadow")
        try Data((Self.secret + "\ndaemon:*:19000:0:99999:7:::\n").utf8).write(to: secretFile)
        return secretFile
    }

    /// Everything a person or a table could see of the run.
    private func assertSecretNowhere(_ report: IngestReport, line: UInt = #line) throws {
        let needle = "secret-7f3a9c"
        let texts = report.warnings + report.files.flatMap { [$0.message ?? ""] + $0.warnings }
        for text in texts {
            XCTAssertFalse(text.lowercased().contains(needle), "the report quotes the secret: \(text)", line: line)
        }
        XCTAssertEqual(try count("ingest.batch_files f where f::text ilike '%\(needle)%'"), 0, "batch_files quotes the secret", line: line)
        XCTAssertEqual(try count("ingest.rejects r where r::text ilike '%\(needle)%'"), 0, "rejects quote the secret", line: line)
    }

    func testLinkToAFileOutsideTheExtractIsRefusedUnread() throws {
        let secretFile = try writeSecret()
        let directory = try makeExtract()
        let cases = directory.appendingPathComponent("cases.csv")
        try FileManager.default.removeItem(at: cases)
        try FileManager.default.createSymbolicLink(atPath: cases.path, withDestinationPath: secretFile.path)

        let report = try ingest(directory)
        let file = try self.report(report, "cases.csv")
        XCTAssertEqual(file.status, .failed)
        XCTAssertEqual(file.message, "cases.csv is a symbolic link to a file outside the extract directory: refused, nothing of it was read (copy the file into the extract instead)")
        XCTAssertEqual(try connection.query("select status, message from ingest.batch_files where file = 'cases.csv'").rows.map(\.values),
                       [["failed", file.message]])
        XCTAssertEqual(try count("staging.cases"), 0)
        XCTAssertEqual(try self.report(report, "contacts.csv").status, .skippedDependency)
        try assertSecretNowhere(report)
    }

    /// A regular file that is simply the wrong file (a mis-pointed export) fails on its header,
    /// and the message names what is missing, not what it found.
    func testWrongFileIsNotQuotedInTheHeaderError() throws {
        let secretFile = try writeSecret()
        let directory = try makeExtract()
        let cases = directory.appendingPathComponent("cases.csv")
        try FileManager.default.removeItem(at: cases)
        try FileManager.default.copyItem(at: secretFile, to: cases)

        let report = try ingest(directory)
        let file = try self.report(report, "cases.csv")
        XCTAssertEqual(file.status, .failed)
        XCTAssertEqual(file.message, "cases.csv, line 1: missing required columns case_id, prisoner_id, establishment_code, sentence_type, sentence_start_date, rosh, mappa_level in the header (found no contract columns; header column 1 is not a contract column)")
        try assertSecretNowhere(report)
    }

    /// Header cells that are not contract columns, also repeated ones, are given by position.
    func testUnknownAndRepeatedHeaderCellsAreNotQuoted() throws {
        let directory = try makeExtract()
        let contacts = directory.appendingPathComponent("contacts.csv")
        var text = try String(contentsOf: contacts, encoding: .utf8)
        text = text.replacingOccurrences(of: "duration_minutes\n", with: "duration_minutes,\(Self.secret),\(Self.secret)\n")
        try Data(text.utf8).write(to: contacts)
        let report = try ingest(directory)
        let file = try self.report(report, "contacts.csv")
        XCTAssertEqual(file.status, .failed)
        XCTAssertEqual(file.message, "contacts.csv, line 1: columns 9 and 10 of the header both have a name that is not a contract column")
        try assertSecretNowhere(report)
    }

    func testNamedPipeIsRefusedWithoutBlocking() throws {
        let directory = try makeExtract()
        let contacts = directory.appendingPathComponent("contacts.csv")
        try FileManager.default.removeItem(at: contacts)
        XCTAssertEqual(mkfifo(contacts.path, 0o600), 0)
        // Guard: should ingest block opening the FIFO, a writer that opens and closes it after
        // 20 s ends the read, so the test fails instead of hanging.
        let path = contacts.path
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 20)
            let writer = open(path, O_WRONLY | O_NONBLOCK)
            if writer >= 0 { close(writer) }
        }
        let started = Date()
        let report = try ingest(directory)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "ingest waited on the FIFO")
        let file = try self.report(report, "contacts.csv")
        XCTAssertEqual(file.status, .failed)
        XCTAssertEqual(file.message, "contacts.csv is a named pipe (FIFO), not a regular file: refused, nothing of it was read")
        XCTAssertEqual(try self.report(report, "cases.csv").status, .loaded, "the other files still load")
    }

    func testDirectoryNamedLikeAContractFileIsRefused() throws {
        let directory = try makeExtract()
        let contacts = directory.appendingPathComponent("contacts.csv")
        try FileManager.default.removeItem(at: contacts)
        try FileManager.default.createDirectory(at: contacts, withIntermediateDirectories: false)
        let file = try self.report(try ingest(directory), "contacts.csv")
        XCTAssertEqual(file.status, .failed)
        XCTAssertEqual(file.message, "contacts.csv is a directory, not a regular file: refused, nothing of it was read")
    }

    /// A device reached through a link (here /dev/zero, which would never end) is outside the
    /// extract and refused like any other outside file.
    func testLinkToADeviceIsRefused() throws {
        let directory = try makeExtract()
        let contacts = directory.appendingPathComponent("contacts.csv")
        try FileManager.default.removeItem(at: contacts)
        try FileManager.default.createSymbolicLink(atPath: contacts.path, withDestinationPath: "/dev/zero")
        let file = try self.report(try ingest(directory), "contacts.csv")
        XCTAssertEqual(file.status, .failed)
        XCTAssertEqual(file.message, "contacts.csv is a symbolic link to a file outside the extract directory: refused, nothing of it was read (copy the file into the extract instead)")
    }

    /// A device node in the extract itself (needs CAP_MKNOD to set up; skipped without it).
    func testDeviceNodeIsRefused() throws {
        let directory = try makeExtract()
        let contacts = directory.appendingPathComponent("contacts.csv")
        try FileManager.default.removeItem(at: contacts)
        // Character device 1:5 is /dev/zero on Linux: endless, were it ever read.
        try XCTSkipUnless(mknod(contacts.path, S_IFCHR | 0o600, dev_t((1 << 8) | 5)) == 0, "cannot create a device node here")
        let file = try self.report(try ingest(directory), "contacts.csv")
        XCTAssertEqual(file.status, .failed)
        XCTAssertEqual(file.message, "contacts.csv is a device, not a regular file: refused, nothing of it was read")
    }

    /// Chosen rule: a link that resolves to a regular file inside the extract directory loads
    /// (extracts assembled from links to their own sub-folders keep working).
    func testLinkToARegularFileInsideTheExtractLoads() throws {
        let directory = try makeExtract()
        let folder = directory.appendingPathComponent("2024-06")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        try FileManager.default.moveItem(at: directory.appendingPathComponent("cases.csv"), to: folder.appendingPathComponent("cases.csv"))
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("cases.csv").path, withDestinationPath: "2024-06/cases.csv")
        let report = try ingest(directory)
        let file = try self.report(report, "cases.csv")
        XCTAssertEqual(file.status, .loaded, file.message ?? "")
        XCTAssertEqual(file.rowsLoaded, 3)
        XCTAssertEqual(try count("staging.cases"), 3)
        XCTAssertFalse(report.anyFailed)
    }
}
