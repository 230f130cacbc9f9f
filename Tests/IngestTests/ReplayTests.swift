import Foundation
import Ingest
import XCTest

/// Incremental mode: re-sending an older file would upsert its rows over a later file's
/// corrections, so it is refused unless the caller asks for it.
final class ReplayTests: IngestTestCase {
    private let header = "contact_id,case_id,staff_id,contact_type,contact_at,channel,outcome,duration_minutes\n"

    /// The base extract with contacts C1 (outcome `outcome`) and C9 (duration `minutes`).
    private func extract(outcome: String, minutes: Int) throws -> URL {
        let directory = try makeExtract()
        try Data((header + """
            C1,K1,KW1,keywork_session,2024-01-03T10:00:00Z,face_to_face,\(outcome),30
            C9,K1,KW1,keywork_session,2024-02-03T10:00:00Z,face_to_face,completed,\(minutes)

            """).utf8).write(to: directory.appendingPathComponent("contacts.csv"))
        return directory
    }

    private func stagedContacts() throws -> [[String?]] {
        try connection.query("select contact_id, outcome, duration_minutes::text, batch_id::text from staging.contacts where contact_id in ('C1', 'C9') order by contact_id")
            .rows.map(\.values)
    }

    func testOlderFileSentAgainIsRefusedUnlessAllowed() throws {
        try ingest(try makeExtract())
        let fileA = try extract(outcome: "refused", minutes: 30)
        let fileB = try extract(outcome: "did_not_attend", minutes: 45)
        let batchA = try ingest(fileA, mode: .incremental).batchID
        let batchB = try ingest(fileB, mode: .incremental).batchID
        let corrected = try stagedContacts()
        XCTAssertEqual(corrected, [["C1", "did_not_attend", "30", "\(batchB)"], ["C9", "completed", "45", "\(batchB)"]])
        let rejectsBefore = try count("ingest.rejects")

        let replay = try ingest(fileA, mode: .incremental)
        let contacts = try self.report(replay, "contacts.csv")
        XCTAssertEqual(contacts.status, .failed)
        let message = try XCTUnwrap(contacts.message)
        XCTAssertTrue(message.hasPrefix("contacts.csv is identical to the file loaded in batch \(batchA) ("), message)
        XCTAssertTrue(message.contains("; batch \(batchB) ("), message)
        XCTAssertTrue(message.hasSuffix(" UTC) loaded a later contacts.csv since; loading this one again would revert those corrections, so nothing of it was loaded — pass --allow-replay to load it anyway"), message)
        XCTAssertEqual(try connection.query("select status, message from ingest.batch_files where batch_id = \(replay.batchID) and file = 'contacts.csv'").rows.map(\.values),
                       [["failed", message]])
        XCTAssertEqual(try stagedContacts(), corrected, "staging keeps batch \(batchB)'s corrections")
        XCTAssertEqual(try count("ingest.rejects"), rejectsBefore)
        XCTAssertEqual(try self.report(replay, "cases.csv").status, .skippedUnchanged, "other files are unaffected")

        let forced = try ingest(fileA, mode: .incremental, allowReplay: true)
        XCTAssertEqual(try self.report(forced, "contacts.csv").status, .loaded)
        XCTAssertEqual(try stagedContacts(), [["C1", "refused", "30", "\(forced.batchID)"], ["C9", "completed", "30", "\(forced.batchID)"]])
        // Now A is the latest load: sending it again is "unchanged", not a replay.
        XCTAssertEqual(try self.report(try ingest(fileA, mode: .incremental), "contacts.csv").status, .skippedUnchanged)
    }

    /// A full load replaces the entity, so the rule is an incremental one.
    func testFullModeLoadsAnOlderFile() throws {
        let fileA = try extract(outcome: "refused", minutes: 30)
        let fileB = try extract(outcome: "did_not_attend", minutes: 45)
        try ingest(fileA)
        try ingest(fileB)
        XCTAssertEqual(try self.report(try ingest(fileA), "contacts.csv").status, .loaded)
    }
}
