import Foundation
import Ingest
import PostgresClient
import XCTest

/// Loading twice changes nothing; full mode mirrors the extract; incremental upserts.
final class IdempotencyTests: IngestTestCase {
    let tables = ["staging.establishments", "staging.staff", "staging.cases", "staging.allocations",
                  "staging.contacts", "staging.assessments", "staging.release_outcomes"]

    func snapshot() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in tables { counts[table] = try count(table) }
        counts["ingest.rejects"] = try count("ingest.rejects")
        return counts
    }

    func testLoadingTheSameFilesTwiceChangesNothing() throws {
        let directory = try makeExtract(replacing: ["contacts.csv": "contacts-unknown-code.csv"])
        let first = try ingest(directory)
        XCTAssertEqual(first.files.map(\.status), Array(repeating: .loaded, count: 7))
        let before = try snapshot()
        XCTAssertEqual(before["staging.contacts"], 6)
        XCTAssertEqual(before["ingest.rejects"], 1)

        let second = try ingest(directory)
        XCTAssertEqual(second.files.map(\.status), Array(repeating: .skippedUnchanged, count: 7))
        XCTAssertEqual(try snapshot(), before)

        // Even a forced reload of the same content (another copy, same bytes) leaves the same rows.
        try connection.execute(script: "update ingest.batch_files set sha256 = 'forgotten'")
        _ = try ingest(directory)
        var after = try snapshot()
        XCTAssertEqual(after["ingest.rejects"], 2, "the reload reports its reject again, in its own batch")
        after["ingest.rejects"] = before["ingest.rejects"]
        XCTAssertEqual(after, before)
    }

    /// "Unchanged" is trusted only while its rows are still there: an UNLOGGED staging table is
    /// emptied by a server crash, and the same file must then load again.
    func testUnchangedFileReloadsWhenStagingLostItsRows() throws {
        let directory = try makeExtract()
        try ingest(directory)
        XCTAssertEqual(try self.report(try ingest(directory, mode: .incremental), "contacts.csv").status, .skippedUnchanged)
        try connection.execute(script: "truncate staging.contacts")
        let report = try ingest(directory)
        XCTAssertEqual(try self.report(report, "contacts.csv").status, .loaded)
        XCTAssertEqual(try self.report(report, "cases.csv").status, .skippedUnchanged)
        XCTAssertEqual(try count("staging.contacts"), 6)
    }

    /// A file last loaded incrementally is loaded again by a full run (which must remove rows
    /// the file does not hold).
    func testFullRunDoesNotTrustAnIncrementalLoad() throws {
        try ingest(try makeExtract())
        let extra = try makeExtract(replacing: ["contacts.csv": "contacts-unknown-code.csv"])
        try connection.execute(script: "update ingest.batch_files set sha256 = 'forgotten'")
        try ingest(extra, mode: .incremental)
        let directory = try makeExtract(replacing: ["contacts.csv": "contacts-header-only.csv"])
        try ingest(directory, mode: .incremental)
        XCTAssertEqual(try count("staging.contacts"), 6, "incremental deletes nothing")
        let report = try ingest(directory)
        XCTAssertEqual(try self.report(report, "contacts.csv").status, .loaded)
        XCTAssertEqual(try count("staging.contacts"), 0)
    }

    func testFullModeRemovesRowsAbsentFromTheFile() throws {
        try ingest(try makeExtract())
        XCTAssertEqual(try count("staging.contacts"), 6)
        try ingest(try makeExtract(replacing: ["contacts.csv": "contacts-header-only.csv"]))
        XCTAssertEqual(try count("staging.contacts"), 0)
    }

    func testIncrementalUpsertsAndDeletesNothing() throws {
        try ingest(try makeExtract())
        let directory = try makeExtract()
        let contacts = directory.appendingPathComponent("contacts.csv")
        try Data("""
            contact_id,case_id,staff_id,contact_type,contact_at,channel,outcome,duration_minutes
            C1,K1,KW1,keywork_session,2024-01-03T10:00:00Z,face_to_face,refused,30
            C9,K1,KW1,keywork_session,2024-02-03T10:00:00Z,video,completed,15

            """.utf8).write(to: contacts)
        let report = try ingest(directory, mode: .incremental)
        XCTAssertEqual(try self.report(report, "contacts.csv").rowsLoaded, 2)
        XCTAssertEqual(try count("staging.contacts"), 7)
        XCTAssertEqual(try connection.query("select outcome from staging.contacts where contact_id = 'C1'").scalar(String.self), "refused")
        // And again: nothing twice.
        try connection.execute(script: "update ingest.batch_files set sha256 = 'forgotten'")
        try ingest(directory, mode: .incremental)
        XCTAssertEqual(try count("staging.contacts"), 7)
    }

    /// The connection dies mid-COPY: the file's transaction rolls back, the earlier state stays,
    /// and the next ingest marks the dead batch failed.
    func testConnectionLostMidFileLeavesNothingPartial() throws {
        try ingest(try makeExtract())
        XCTAssertEqual(try count("staging.contacts"), 6)

        let directory = try makeExtractWithLargeContacts()

        let victim = try database.connect()
        let pid = victim.backendPID
        let killed = DispatchSemaphore(value: 0)
        let conninfo = database.conninfo
        Thread.detachNewThread {
            // Wait until the victim is inside COPY, then cut its connection.
            if let watcher = try? PostgresConnection(conninfo) {
                for _ in 0..<600 {
                    let query = (try? watcher.query("select query from pg_stat_activity where pid = \(pid)").scalar(String?.self)) ?? nil
                    if query?.hasPrefix("copy staging.contacts") == true { break }
                    usleep(20_000)
                }
            }
            if let killer = try? PostgresConnection(conninfo) {
                _ = try? killer.query("select pg_terminate_backend(\(pid))")
            }
            killed.signal()
        }
        XCTAssertThrowsError(try IngestRunner(connection: victim, options: IngestOptions(maxRejectRate: 1)).run(directory: directory.path))
        killed.wait()

        try assertInterruptedLoadKeptNothing()
    }
}
