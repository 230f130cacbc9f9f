import Foundation
import Ingest
import PostgresClient
import TestSupport
import XCTest

/// `kill -9` of the throughcare process in the middle of a file: PostgreSQL rolls the file's
/// transaction back, and the next ingest marks the dead batch failed.
final class ProcessKillTests: IngestTestCase {
    func testKilledIngestLeavesNothingPartial() throws {
        let binary = throughcareBinary()
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: binary.path), "build the CLI first (make test does)")
        try ingest(try makeExtract())
        XCTAssertEqual(try count("staging.contacts"), 6)

        let directory = try makeExtractWithLargeContacts()

        let pid = try spawnProcess([binary.path, "ingest", directory.path, "--database", database.conninfo, "--quiet"])
        // Wait until that process is inside the COPY of contacts, then kill it outright.
        var sawCopy = false
        for _ in 0..<1_000 where !sawCopy {
            sawCopy = try connection.query("""
                select count(*) from pg_stat_activity where query like 'copy staging.contacts%' and state = 'active'
                """).scalar(Int.self) > 0
            if !sawCopy { usleep(10_000) }
        }
        XCTAssertTrue(sawCopy, "the ingest never reached the contacts COPY")
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)

        // The server notices the dead client and rolls back; wait for its session to go.
        for _ in 0..<500 {
            let open = try connection.query("select count(*) from pg_stat_activity where query like 'copy staging.contacts%'").scalar(Int.self)
            if open == 0 { break }
            usleep(10_000)
        }
        try assertInterruptedLoadKeptNothing()
    }
}
