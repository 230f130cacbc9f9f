import Foundation
import Ingest
import XCTest

/// Composite keys compare column by column; ids and free text have documented maximum lengths.
final class KeyAndLengthTests: IngestTestCase {
    private func append(_ lines: [String], to name: String, in directory: URL) throws {
        let url = directory.appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8) + lines.map { $0 + "\n" }.joined()
        try Data(text.utf8).write(to: url)
    }

    private func replace(_ name: String, in directory: URL, with lines: [String]) throws {
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: directory.appendingPathComponent(name))
    }

    /// ("K|X", "S1") and ("K", "X|S1") were one key once joined with `|`: the second, valid row
    /// was rejected as a duplicate of the first. A real repeat is still caught.
    func testCompositeKeysDoNotCollideWhenJoined() throws {
        let directory = try makeExtract()
        try append(["K|X,A7777BC,LEI,determinate,2023-06-01,2024-06-01,,,b,medium,0,North East",
                    "K,A8888BC,LEI,determinate,2023-06-01,2024-06-01,,,b,medium,0,North East"], to: "cases.csv", in: directory)
        try append(["S1,keyworker,LEI,,1,2020-01-01,", "X|S1,keyworker,LEI,,1,2020-01-01,"], to: "staff.csv", in: directory)
        try replace("allocations.csv", in: directory, with: [
            "case_id,staff_id,role,start_date,end_date",
            "K|X,S1,keyworker,2023-06-05,",
            "K,X|S1,keyworker,2023-06-05,",
            "K|X,S1,keyworker,2023-06-05,2023-07-01",
        ])
        let report = try ingest(directory)
        XCTAssertEqual(try rejects(), [Reject(file: "allocations.csv", line: 4, column: nil,
                                              reason: "duplicate case_id, staff_id, role, start_date K|X, S1, keyworker, 2023-06-05: first seen at line 2, which was kept")])
        XCTAssertEqual(try self.report(report, "allocations.csv").rowsLoaded, 2)
        XCTAssertEqual(try connection.query("select case_id, staff_id, line_number from staging.allocations order by line_number").rows.map(\.values),
                       [["K|X", "S1", "2"], ["K", "X|S1", "3"]])
    }

    /// Incremental merge matches rows column by column too: the second key does not replace the first.
    func testIncrementalMergeComparesColumnsNotAJoinedString() throws {
        let directory = try makeExtract()
        try append(["K|X,A7777BC,LEI,determinate,2023-06-01,2024-06-01,,,b,medium,0,North East",
                    "K,A8888BC,LEI,determinate,2023-06-01,2024-06-01,,,b,medium,0,North East"], to: "cases.csv", in: directory)
        try append(["S1,keyworker,LEI,,1,2020-01-01,", "X|S1,keyworker,LEI,,1,2020-01-01,"], to: "staff.csv", in: directory)
        try replace("allocations.csv", in: directory, with: ["case_id,staff_id,role,start_date,end_date", "K|X,S1,keyworker,2023-06-05,"])
        try ingest(directory)
        try replace("allocations.csv", in: directory, with: ["case_id,staff_id,role,start_date,end_date", "K,X|S1,keyworker,2023-06-05,"])
        try ingest(directory, mode: .incremental)
        XCTAssertEqual(try connection.query("select case_id, staff_id from staging.allocations order by case_id desc").rows.map(\.values),
                       [["K|X", "S1"], ["K", "X|S1"]])
    }

    /// A 9,000-character case_id loaded, and then transform failed on the btree row size.
    func testOverlongIdentifierAndFreeTextAreRejected() throws {
        let directory = try makeExtract()
        let longID = String(repeating: "K", count: 9_000)
        let maximalID = String(repeating: "M", count: 64)
        // 64 characters of two bytes each: the limit counts characters, not bytes.
        let accentedID = String(repeating: "é", count: 64)
        try append(["\(longID),A7777BC,LEI,determinate,2023-06-01,2024-06-01,,,b,medium,0,North East",
                    "\(maximalID),A8888BC,LEI,determinate,2023-06-01,2024-06-01,,,b,medium,0,North East",
                    "\(accentedID),A9999BC,LEI,determinate,2023-06-01,2024-06-01,,,b,medium,0,North East",
                    "K65,A9999BC,LEI,determinate,2023-06-01,2024-06-01,,,b,medium,0,\(String(repeating: "r", count: 501))"],
                   to: "cases.csv", in: directory)
        try append(["ZZZ,\(String(repeating: "n", count: 500)),local,public,Yorkshire,North East,"], to: "establishments.csv", in: directory)
        let report = try ingest(directory)
        XCTAssertEqual(try rejects(), [
            Reject(file: "cases.csv", line: 5, column: "case_id", reason: "case_id has 9000 characters, more than the 64 allowed for an identifier"),
            Reject(file: "cases.csv", line: 8, column: "release_region", reason: "release_region has 501 characters, more than the 500 allowed for free text"),
        ])
        XCTAssertEqual(try self.report(report, "cases.csv").rowsLoaded, 5)
        XCTAssertEqual(try count("staging.cases where case_id in ('\(maximalID)', '\(accentedID)')"), 2)
        XCTAssertEqual(try count("staging.establishments where establishment_code = 'ZZZ'"), 1, "500 characters of free text load")
        XCTAssertEqual(try connection.query("select key_value is null from ingest.rejects where line_number = 5").scalar(String.self), "t",
                       "an over-long id is not kept as a key")
    }

    func testOverlongReferenceIsRejectedByLengthNotQuoted() throws {
        let directory = try makeExtract()
        try append(["C99,\(String(repeating: "X", count: 65)),KW1,keywork_session,2024-01-03T10:00:00Z,face_to_face,completed,30"],
                   to: "contacts.csv", in: directory)
        try ingest(directory)
        XCTAssertEqual(try rejects(), [Reject(file: "contacts.csv", line: 8, column: "case_id",
                                              reason: "case_id has 65 characters, more than the 64 allowed for an identifier")])
    }
}
