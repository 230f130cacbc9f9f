import Foundation
import Ingest
import XCTest

/// Files that cannot be read as the contract's CSV fail whole; odd-but-valid encodings load.
final class FileFailureTests: IngestTestCase {
    func testByteOrderMarkIsIgnored() throws {
        let report = try ingest(try makeExtract(replacing: ["establishments.csv": "establishments-bom.csv"]))
        XCTAssertEqual(try self.report(report, "establishments.csv").rowsLoaded, 2)
        XCTAssertEqual(try rejects(), [])
        XCTAssertEqual(try count("staging.establishments where establishment_code = 'LEI'"), 1)
    }

    func testCRLFLineEnds() throws {
        let report = try ingest(try makeExtract(replacing: ["contacts.csv": "contacts-crlf.csv"]))
        XCTAssertEqual(try self.report(report, "contacts.csv").rowsLoaded, 6)
        XCTAssertEqual(try rejects(), [])
        XCTAssertEqual(try count("staging.contacts where outcome like '%\r%' or duration_minutes is null and contact_id in ('C1')"), 0)
    }

    func testGzipLoads() throws {
        let report = try ingest(try makeExtract(replacing: ["contacts.csv.gz": "contacts-good.csv.gz"]))
        XCTAssertEqual(try self.report(report, "contacts.csv.gz").rowsLoaded, 6)
    }

    func testEmptyFileFails() throws {
        let report = try ingest(try makeExtract(replacing: ["contacts.csv": "contacts-empty.csv"]))
        let file = try self.report(report, "contacts.csv")
        XCTAssertEqual(file.status, .failed)
        XCTAssertEqual(file.message, "contacts.csv, line 1: the file is empty: expected a header row naming the columns")
        XCTAssertTrue(report.anyFailed)
    }

    func testHeaderOnlyFileLoadsNothingAndEmptiesTheEntity() throws {
        try ingest(try makeExtract())
        XCTAssertEqual(try count("staging.contacts"), 6)
        let report = try ingest(try makeExtract(replacing: ["contacts.csv": "contacts-header-only.csv"]))
        XCTAssertEqual(try self.report(report, "contacts.csv").status, .loaded)
        XCTAssertEqual(try count("staging.contacts"), 0)
    }

    func testMissingRequiredColumnFailsTheFile() throws {
        let report = try ingest(try makeExtract(replacing: ["contacts.csv": "contacts-missing-column.csv"]))
        let file = try self.report(report, "contacts.csv")
        XCTAssertEqual(file.status, .failed)
        XCTAssertEqual(file.message, "contacts.csv, line 1: missing required column outcome in the header (found contract columns contact_id, case_id, staff_id, contact_type, contact_at, channel, duration_minutes)")
        XCTAssertEqual(try count("staging.contacts"), 0)
        XCTAssertEqual(try count("ingest.batch_files where file = 'contacts.csv' and status = 'failed'"), 1)
    }

    func testExtraColumnWarnsAndLoads() throws {
        let report = try ingest(try makeExtract(replacing: ["contacts.csv": "contacts-extra-column.csv"]))
        let file = try self.report(report, "contacts.csv")
        XCTAssertEqual(file.status, .loaded)
        XCTAssertEqual(file.rowsLoaded, 6)
        // The unknown cell is given by position, never quoted (see FileSafetyTests).
        XCTAssertEqual(file.warnings, ["header column 9 is not a contract column: ignored"])
    }

    func testUnterminatedQuoteFailsNamingTheLine() throws {
        try ingest(try makeExtract())
        let report = try ingest(try makeExtract(replacing: ["contacts.csv": "contacts-unterminated-quote.csv"]))
        let file = try self.report(report, "contacts.csv")
        XCTAssertEqual(file.status, .failed)
        XCTAssertEqual(file.message, "contacts.csv, line 8: a quote opened on line 8 (field 5 of the record starting on line 8) is never closed: the file ends inside quotes")
        // The earlier load of contacts is untouched.
        XCTAssertEqual(try count("staging.contacts"), 6)
    }

    func testTruncatedGzipFails() throws {
        try ingest(try makeExtract())
        let report = try ingest(try makeExtract(replacing: ["contacts.csv.gz": "contacts-truncated.csv.gz"]))
        let file = try self.report(report, "contacts.csv.gz")
        XCTAssertEqual(file.status, .failed)
        XCTAssertEqual(file.message, "contacts.csv.gz: the gzip stream is truncated (the file ends before the compressed data does)")
        XCTAssertEqual(try count("staging.contacts"), 6)
    }

    func testPlainBesideGzipIsAnError() throws {
        let directory = try makeExtract()
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("broken/contacts-good.csv.gz"),
                                         to: directory.appendingPathComponent("contacts.csv.gz"))
        let report = try ingest(directory)
        let file = try self.report(report, "contacts.csv")
        XCTAssertEqual(file.status, .failed)
        XCTAssertEqual(file.message, "both contacts.csv and contacts.csv.gz are in the extract; keep one")
    }

    func testTooManyRejectsFailsTheFileAndSkipsDependants() throws {
        // 1 of 4 cases rejected is 25%, over the default 5%.
        let report = try ingest(try makeExtract(replacing: ["cases.csv": "cases-mappa-range.csv"]), maxRejectRate: 0.05)
        let cases = try self.report(report, "cases.csv")
        XCTAssertEqual(cases.status, .failed)
        XCTAssertTrue(cases.message?.hasPrefix("1 of 4 rows rejected (25.0%), more than max_reject_rate 5%: this looks like a wrong file, so none of it was loaded. First rejected: line 5 (mappa_level)") ?? false, cases.message ?? "")
        XCTAssertFalse(cases.message?.contains("outside 0–3") ?? true, "a file-level message quotes no value of the file")
        XCTAssertEqual(try count("staging.cases"), 0)
        XCTAssertEqual(try rejects(), [], "a refused file keeps nothing, rejects included")
        for dependant in ["allocations.csv", "contacts.csv", "assessments.csv", "release_outcomes.csv"] {
            let skipped = try self.report(report, dependant)
            XCTAssertEqual(skipped.status, .skippedDependency, dependant)
            XCTAssertEqual(skipped.message, "skipped: cases.csv failed in this batch, so its rows could not be checked against it")
        }
        XCTAssertEqual(try count("staging.contacts"), 0)
        XCTAssertEqual(try connection.query("select status from ingest.batches").scalar(String.self), "partial")
    }
}
