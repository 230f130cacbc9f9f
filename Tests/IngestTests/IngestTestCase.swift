import Foundation
import Ingest
import PostgresClient
import TestSupport
import XCTest

/// Builds extracts from Fixtures/base with chosen files swapped for ones from Fixtures/broken.
class IngestTestCase: XCTestCase {
    var database: TestDatabase!
    var connection: PostgresConnection!
    var workDirectory: URL!

    static var fixtures: URL { repositoryRoot().appendingPathComponent("Tests/IngestTests/Fixtures") }

    override func setUpWithError() throws {
        database = try TestDatabase()
        connection = try database.connect()
        workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("throughcare-ingest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        connection = nil
        database?.drop()
        try? FileManager.default.removeItem(at: workDirectory)
    }

    /// A fresh extract directory: the base files, with `replacing` (target name → broken fixture).
    func makeExtract(replacing: [String: String] = [:], without: [String] = []) throws -> URL {
        let directory = workDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let base = Self.fixtures.appendingPathComponent("base")
        for name in try FileManager.default.contentsOfDirectory(atPath: base.path) where !without.contains(name) {
            try FileManager.default.copyItem(at: base.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        for (target, fixture) in replacing {
            let destination = directory.appendingPathComponent(target)
            let plain = destination.path.hasSuffix(".gz") ? String(destination.path.dropLast(3)) : destination.path
            try? FileManager.default.removeItem(atPath: plain)
            try? FileManager.default.removeItem(at: destination)
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("broken/\(fixture)"), to: destination)
        }
        return directory
    }

    @discardableResult
    func ingest(_ directory: URL, mode: IngestMode = .full, maxRejectRate: Double = 1.0, allowReplay: Bool = false) throws -> IngestReport {
        try IngestRunner(connection: connection, options: IngestOptions(mode: mode, maxRejectRate: maxRejectRate, allowReplay: allowReplay))
            .run(directory: directory.path)
    }

    struct Reject: Equatable {
        var file: String
        var line: Int
        var column: String?
        var reason: String
    }

    func rejects(batch: Int64? = nil) throws -> [Reject] {
        try connection.query("""
            select file, line_number, column_name, reason from ingest.rejects
            where \(batch)::bigint is null or batch_id = \(batch)
            order by reject_id
            """).rows.map { row in
            Reject(file: row.values[0]!, line: Int(row.values[1]!)!, column: row.values[2], reason: row.values[3]!)
        }
    }

    func count(_ table: String) throws -> Int {
        try connection.query("select count(*) from \(SQLQuery(unsafeSQL: table))").scalar(Int.self)
    }

    func report(_ report: IngestReport, _ file: String) throws -> FileReport {
        try XCTUnwrap(report.files.first { $0.file == file }, "no report for \(file)")
    }

    /// Loads the base extract with `file` replaced, expects exactly one reject and every other row loaded.
    func assertSingleReject(file: String, fixture: String, line: Int, column: String?, reason: String,
                            table: String, goodRows: Int, line callLine: UInt = #line) throws {
        let report = try ingest(try makeExtract(replacing: [file: fixture]))
        XCTAssertEqual(try rejects(), [Reject(file: file, line: line, column: column, reason: reason)], line: callLine)
        let fileReport = try self.report(report, file)
        XCTAssertEqual(fileReport.status, .loaded, line: callLine)
        XCTAssertEqual(fileReport.rowsRejected, 1, line: callLine)
        XCTAssertEqual(fileReport.rowsLoaded, goodRows, line: callLine)
        XCTAssertEqual(try count(table), goodRows, line: callLine)
    }

    /// The base extract with a contacts file large enough (600,000 rows of `X…` ids) that a
    /// test can interrupt its load mid-COPY.
    func makeExtractWithLargeContacts() throws -> URL {
        let directory = try makeExtract()
        var text = "contact_id,case_id,staff_id,contact_type,contact_at,channel,outcome,duration_minutes\n"
        text.reserveCapacity(50_000_000)
        for index in 0..<600_000 {
            text += "X\(index),K1,KW1,keywork_session,2024-01-03T10:00:00Z,face_to_face,completed,30\n"
        }
        try Data(text.utf8).write(to: directory.appendingPathComponent("contacts.csv"))
        return directory
    }

    /// After an interrupted load of `makeExtractWithLargeContacts()` over the base extract:
    /// staging still holds the base contacts only, the dead batch is still `running`, and the
    /// next ingest marks it `failed`.
    func assertInterruptedLoadKeptNothing(line: UInt = #line) throws {
        XCTAssertEqual(try count("staging.contacts"), 6, "nothing of the interrupted file may remain", line: line)
        XCTAssertEqual(try count("staging.contacts where contact_id like 'X%'"), 0, line: line)
        XCTAssertEqual(try connection.query("select status from ingest.batches order by batch_id desc limit 1").scalar(String.self), "running", line: line)
        try ingest(try makeExtract())
        XCTAssertEqual(try connection.query("select string_agg(status, ',' order by batch_id) from ingest.batches").scalar(String.self),
                       "succeeded,failed,succeeded", line: line)
    }
}
