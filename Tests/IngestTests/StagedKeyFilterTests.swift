import Foundation
@testable import Ingest
import PostgresClient
import XCTest

/// The saved filter of the staged keys (ingest.staged_key_filters): an incremental load looks up
/// in staging only the keys it could not rule out, and a filter it cannot trust is not used.
final class StagedKeyFilterTests: IngestTestCase {
    /// An incremental contacts file: C1 re-sent (a new outcome) when `resend`, and `newRows` new contacts.
    func incrementalExtract(resend: Bool, newRows: Int = 3) throws -> URL {
        let directory = try makeExtract()
        var text = "contact_id,case_id,staff_id,contact_type,contact_at,channel,outcome,duration_minutes\n"
        if resend { text += "C1,K1,KW1,keywork_session,2024-01-03T10:00:00Z,face_to_face,refused,30\n" }
        for row in 0..<newRows {
            text += "N\(row),K1,KW1,keywork_session,2024-03-\(String(format: "%02d", row % 28 + 1))T10:00:00Z,video,completed,15\n"
        }
        try Data(text.utf8).write(to: directory.appendingPathComponent("contacts.csv"))
        return directory
    }

    func bitCount(_ entity: String = "contacts") throws -> Int64? {
        try connection.call("ingest.staged_key_filter_bit_count", entity, Int32(DuplicateKeyFilter.layoutVersion)).scalar(Int64?.self)
    }

    func savedFilterBatch() throws -> Int64? {
        try connection.query("select max(batch_id) from ingest.staged_key_filters where entity = 'contacts'").scalar(Int64?.self)
    }

    func testAFileOfNewKeysLooksUpNoneOfThem() throws {
        try ingest(try makeExtract())
        XCTAssertNotNil(try bitCount(), "the full load saved the filter of the keys it staged")
        let report = try self.report(try ingest(try incrementalExtract(resend: false), mode: .incremental), "contacts.csv")
        XCTAssertEqual(report.rowsLoaded, 3)
        XCTAssertEqual(report.keysLookedUp, 0)
        XCTAssertEqual(report.rowsReplaced, 0)
        XCTAssertEqual(try count("staging.contacts"), 9)
    }

    func testAReSentKeyIsFoundAndReplaced() throws {
        try ingest(try makeExtract())
        let first = try self.report(try ingest(try incrementalExtract(resend: false), mode: .incremental), "contacts.csv")
        XCTAssertEqual(first.keysLookedUp, 0)
        // C1 from the full load, N1 from the incremental one: both in the filter each load
        // saved; ten new keys besides, which it rules out
        let directory = try makeExtract()
        try Data(("""
            contact_id,case_id,staff_id,contact_type,contact_at,channel,outcome,duration_minutes
            C1,K1,KW1,keywork_session,2024-01-03T10:00:00Z,face_to_face,refused,30
            N1,K1,KW1,keywork_session,2024-03-02T10:00:00Z,video,cancelled,15

            """ + (10..<20).map { "N\($0),K1,KW1,keywork_session,2024-04-0\($0 % 9 + 1)T10:00:00Z,video,completed,15\n" }.joined())
            .utf8).write(to: directory.appendingPathComponent("contacts.csv"))
        let report = try self.report(try ingest(directory, mode: .incremental), "contacts.csv")
        XCTAssertEqual(report.rowsLoaded, 12)
        XCTAssertEqual(report.keysLookedUp, 2, "only the two keys the filter holds")
        XCTAssertEqual(report.rowsReplaced, 2)
        XCTAssertEqual(try count("staging.contacts"), 19)
        XCTAssertEqual(try connection.query("select string_agg(contact_id || ':' || outcome, ',' order by contact_id) from staging.contacts where contact_id in ('C1', 'N1')")
            .scalar(String.self), "C1:refused,N1:cancelled")
    }

    /// A load by a tool that keeps no filter (or a filter lost in a crash) leaves the saved one
    /// behind its staging table: the next load must look up every key, and still replace.
    func testAFilterOlderThanTheLatestLoadIsNotUsed() throws {
        try ingest(try makeExtract())
        let saved = try savedFilterBatch()
        XCTAssertNotNil(saved)
        // a later load that saved no filter of its own
        try connection.execute(script: "update ingest.batch_files set sha256 = 'forgotten'")
        try ingest(try makeExtract())
        try connection.execute(script: SQLQuery(unsafeSQL: "update ingest.staged_key_filters set batch_id = \(saved!)"))
        XCTAssertNil(try bitCount())

        // with a valid filter this file's one known key would be looked up alone
        let report = try self.report(try ingest(try incrementalExtract(resend: true, newRows: 20), mode: .incremental), "contacts.csv")
        XCTAssertEqual(report.keysLookedUp, 21, "every key of the file")
        XCTAssertEqual(report.rowsReplaced, 1)
        XCTAssertEqual(try count("staging.contacts"), 26)
        XCTAssertNil(try savedFilterBatch(), "a load without the staged keys' filter cannot make one")

        // and so the load after it looks up every key too
        let next = try self.report(try ingest(try incrementalExtract(resend: true, newRows: 25), mode: .incremental), "contacts.csv")
        XCTAssertEqual(next.keysLookedUp, 26)
        XCTAssertEqual(next.rowsReplaced, 21, "C1 and N0–N19 again")

        // until a full load saves a filter again
        try connection.execute(script: "update ingest.batch_files set sha256 = 'forgotten'")
        try ingest(try makeExtract())
        let after = try self.report(try ingest(try incrementalExtract(resend: true, newRows: 22), mode: .incremental), "contacts.csv")
        XCTAssertEqual(after.keysLookedUp, 1)
        XCTAssertEqual(after.rowsReplaced, 1)
    }

    func testAFilterMissingAChunkOrOfAnotherLayoutIsNotUsed() throws {
        try ingest(try makeExtract())
        try connection.execute(script: "update ingest.staged_key_filters set layout = layout + 1")
        XCTAssertNil(try bitCount(), "another version's hashing")
        try connection.execute(script: "update ingest.staged_key_filters set layout = layout - 1, chunk = chunk + 1")
        XCTAssertNil(try bitCount(), "chunk 0 missing")
        let report = try self.report(try ingest(try incrementalExtract(resend: true, newRows: 20), mode: .incremental), "contacts.csv")
        XCTAssertEqual(report.keysLookedUp, 21)
        XCTAssertEqual(report.rowsReplaced, 1)
    }

    /// A database whose filters were saved before they carried their layout (an earlier build of
    /// this table) is upgraded by the next run, and those filters are never trusted.
    func testAFilterSavedWithoutALayoutIsUpgradedAndNotUsed() throws {
        try ingest(try makeExtract())
        // the table as that build made it, and the ingest DDL as that build recorded it
        try connection.execute(script: """
            alter table ingest.staged_key_filters drop column layout;
            update throughcare.schema_version set checksum = 'an earlier build' where unit = 'ingest' and step = 0;
            """)
        let report = try self.report(try ingest(try incrementalExtract(resend: true, newRows: 20), mode: .incremental), "contacts.csv")
        XCTAssertEqual(report.status, .loaded)
        XCTAssertEqual(report.keysLookedUp, 21, "the unversioned filter was not used")
        XCTAssertEqual(report.rowsReplaced, 1)
        XCTAssertNil(try savedFilterBatch())
        try connection.execute(script: "update ingest.batch_files set sha256 = 'forgotten'")
        try ingest(try makeExtract())
        XCTAssertNotNil(try bitCount(), "a full load saves a filter of this layout again")
    }

    /// A failed file keeps nothing of itself, its filter included: the saved one still matches
    /// staging. The failure comes after the filter is saved (its ledger row cannot be written).
    func testAFailedIncrementalFileKeepsTheEarlierFilter() throws {
        try ingest(try makeExtract())
        let saved = try savedFilterBatch()
        try connection.execute(script: """
            create function public.refuse_contacts_ledger_row() returns trigger language plpgsql
            as $$ begin raise exception 'refused by the test'; end $$;
            create trigger refuse_contacts_ledger_row before insert on ingest.batch_files
            for each row when (new.entity = 'contacts' and new.status = 'loaded')
            execute function public.refuse_contacts_ledger_row();
            """)
        let report = try self.report(try ingest(try incrementalExtract(resend: false), mode: .incremental), "contacts.csv")
        XCTAssertEqual(report.status, .failed)
        try connection.execute(script: "drop trigger refuse_contacts_ledger_row on ingest.batch_files")
        XCTAssertEqual(try savedFilterBatch(), saved)
        XCTAssertNotNil(try bitCount())
        XCTAssertEqual(try count("staging.contacts"), 6)
    }

    /// The bits survive the trip through the database: every key inserted before saving is
    /// "maybe seen" in the filter loaded back, over filters of one and of several chunks.
    func testSavedBitsLoadBackWithEveryKey() throws {
        try ingest(try makeExtract())
        let store = StagedKeyFilterStore(connection: connection)
        // a batch for the rows' foreign key
        let batch = try connection.call("ingest.start_batch", "full", "test", "test").scalar(Int64.self)
        for bitCount in [1 << 19, 1 << 24] {
            let filter = DuplicateKeyFilter(bitCount: bitCount)!
            let keys = (0..<5_000).map { "K\($0 &* 7919)" }
            for key in keys { Array(key.utf8).withUnsafeBufferPointer { filter.insert($0) } }
            try store.save(filter, entity: "cases", batchID: batch)
            try connection.call("ingest.record_loaded_file", batch, "cases.csv", "cases", "x", Int64(0), 0, 0, 0, Int64?.none, 0.0, String?.none)
            let loaded = try XCTUnwrap(try store.load(entity: "cases"))
            XCTAssertEqual(loaded.bitCount, bitCount)
            for key in keys { Array(key.utf8).withUnsafeBufferPointer { loaded.insert($0) } }
            XCTAssertEqual(loaded.candidates, Set(keys), "every saved key is maybe seen, bitCount \(bitCount)")
            let other = try XCTUnwrap(try store.load(entity: "cases"))
            for key in (0..<5_000).map({ "other-\($0)" }) { Array(key.utf8).withUnsafeBufferPointer { other.insert($0) } }
            XCTAssertLessThan(other.candidates.count, 50, "and a key never saved is not, bitCount \(bitCount)")
            if bitCount > 1 << 23 {
                // more than one chunk: a missing one makes the filter unusable
                try connection.execute(script: "delete from ingest.staged_key_filters where entity = 'cases' and chunk = 1")
                XCTAssertNil(try self.bitCount("cases"))
            }
            try connection.execute(script: "delete from ingest.batch_files where file = 'cases.csv' and sha256 = 'x'")
        }
    }

    /// autovacuum's rule: a load adding less than autovacuum_analyze_scale_factor (10%) of a
    /// table that has statistics leaves them be; a larger one, or a table just truncated, is analysed.
    func testOnlyALoadOfATenthOfTheTableOrMoreAnalysesIt() throws {
        try ingest(try makeExtract())
        XCTAssertEqual(try connection.query("select reltuples::int from pg_class where oid = 'staging.contacts'::regclass").scalar(Int.self), 6)
        XCTAssertEqual(try connection.call("ingest.analyze_staging", "contacts", Int64(0)).scalar(Bool.self), false)
        XCTAssertEqual(try connection.call("ingest.analyze_staging", "contacts", Int64(1)).scalar(Bool.self), true)
        try connection.execute(script: "truncate staging.contacts")
        XCTAssertEqual(try connection.call("ingest.analyze_staging", "contacts", Int64(0)).scalar(Bool.self), true,
                       "a truncated table has no row count to keep")
    }

    /// A whole file re-sent incrementally makes every key a candidate: past the filter's limit it
    /// keeps none, checks repeats over every key in SQL and looks up every key, so client memory
    /// does not grow with the file.
    func testAFileReSentWholeLooksUpEveryKeyWithoutHoldingThem() throws {
        let directory = try makeExtract()
        let rows = DuplicateKeyFilter.candidateLimit + 1_000
        var text = "contact_id,case_id,staff_id,contact_type,contact_at,channel,outcome,duration_minutes\n"
        for row in 0..<rows { text += "M\(row),K1,KW1,keywork_session,2024-03-01T10:00:00Z,video,completed,15\n" }
        try Data(text.utf8).write(to: directory.appendingPathComponent("contacts.csv"))
        try ingest(directory)
        // the same keys again, one repeated within the file
        try Data((text + "M7,K1,KW1,keywork_session,2024-03-02T10:00:00Z,video,cancelled,15\n").utf8)
            .write(to: directory.appendingPathComponent("contacts.csv"))
        let report = try self.report(try ingest(directory, mode: .incremental), "contacts.csv")
        XCTAssertEqual(report.rowsRejected, 1, "the repeat is still found")
        XCTAssertEqual(report.keysLookedUp, rows)
        XCTAssertEqual(report.rowsReplaced, rows)
        XCTAssertEqual(try count("staging.contacts"), rows)
    }
}
