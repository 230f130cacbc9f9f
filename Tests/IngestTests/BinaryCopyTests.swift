import Foundation
@testable import Ingest
import PostgresClient
import TestSupport
import XCTest

/// Ingest converts dates and timestamps itself for binary COPY. Whatever the path a value takes,
/// the stored value must be the one PostgreSQL reads from the extract's text.
final class BinaryCopyTests: IngestTestCase {
    /// Offset-less times across clock changes (gaps and repeated hours), explicit offsets, every
    /// accepted form, fractions finer than a microsecond and years outside the offset table.
    func testTimestampsAreStoredAsPostgresReadsTheText() throws {
        var texts: [String] = []
        let currentYear = Calendar(identifier: .gregorian).component(.year, from: Date())
        for year in [1971, 1990, 2011, currentYear - 2, currentYear - 1, currentYear, currentYear + 1, currentYear + 12] {
            for (month, days) in [(3, 22...31), (4, 1...3), (10, 20...31), (11, 1...3)] {
                for day in days {
                    for minutes in stride(from: 0, to: 4 * 60, by: 15) {
                        texts.append(String(format: "%04d-%02d-%02dT%02d:%02d:00", year, month, day, minutes / 60, minutes % 60))
                    }
                    texts.append(String(format: "%04d-%02d-%02d 12:34:56.5", year, month, day))
                    texts.append(String(format: "%04d-%02d-%02dT23:59:59.999999", year, month, day))
                }
            }
            for month in 1...12 {
                texts.append(String(format: "%04d-%02d-15T09:30", year, month))
            }
        }
        texts += [
            "2024-03-05T14:30:00Z", "2024-03-05t14:30:00z", "2024-07-05 14:30:00+01:00", "2024-07-05T14:30:00-0530",
            "2024-07-05T14:30:00+05", "2024-07-05T14:30:00+15:59", "2024-07-05T14:30:00.1", "2024-07-05T14:30:00.123456Z",
            "2024-07-05T14:30:00.1234565Z", "2024-07-05T14:30:00.1234575", "2024-07-05T14:30:00.999999999",
            "2024-02-29T00:00:00", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00", "0999-12-31T10:00:00",
            "1847-12-01T00:00:30", "1900-06-01T12:00:00", "2150-07-01T12:00:00", "9999-12-31T23:59:59.999999Z",
        ]

        let extract = try makeExtract()
        // Durations too travel in binary: empty (NULL), 0, and up to 1440.
        func duration(_ index: Int) -> String? { index % 3 == 0 ? nil : String(index % 1441) }
        var csv = "contact_id,case_id,staff_id,contact_type,contact_at,channel,outcome,duration_minutes\n"
        for (index, text) in texts.enumerated() {
            csv += "T\(index),K1,KW1,keywork_session,\(text),face_to_face,completed,\(duration(index) ?? "")\n"
        }
        try Data(csv.utf8).write(to: extract.appendingPathComponent("contacts.csv"))
        let report = try ingest(extract)
        let contacts = try self.report(report, "contacts.csv")
        XCTAssertEqual(contacts.rowsLoaded, texts.count)
        XCTAssertEqual(try rejects(), [])
        // Both paths were taken: clock-change nights and far years as text, the rest binary.
        XCTAssertGreaterThan(contacts.rowsSentAsText, 100)
        XCTAssertLessThan(contacts.rowsSentAsText, texts.count - 1000)

        try connection.execute(script: "create temporary table expected (contact_id text, contact_at text, line_number bigint, duration_minutes integer)")
        try connection.copyIn("copy pg_temp.expected from stdin") { stream in
            for (index, text) in texts.enumerated() { try stream.write("T\(index)\t\(text)\t\(index + 2)\t\(duration(index) ?? "\\N")\n") }
        }
        try connection.execute(script: "set timezone = 'Europe/London'")
        let mismatches = try connection.query("""
            select e.contact_at, s.contact_at::text from pg_temp.expected e
            left join staging.contacts s using (contact_id)
            where s.contact_at is distinct from e.contact_at::timestamptz or s.line_number <> e.line_number
               or s.duration_minutes is distinct from e.duration_minutes
            """).rows
        XCTAssertEqual(mismatches.map { "\($0.values[0]!) stored as \($0.values[1] ?? "nothing")" }, [])
    }

    /// Every calendar date the contract accepts, years 1–9999, including leap days.
    func testDatesAreStoredAsPostgresReadsTheText() throws {
        var dates: [String] = ["0001-01-01", "1600-02-29", "1900-02-28", "2000-02-29", "2024-02-29", "9999-12-31"]
        var day = BinaryCopyFormat.daysSince1970(year: 1, month: 1, day: 1)
        let last = BinaryCopyFormat.daysSince1970(year: 9999, month: 12, day: 31)
        let formatter = DateFormatter()
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd"
        // From 1583 on, Foundation's Gregorian calendar agrees with PostgreSQL's proleptic one.
        let gregorianStart = BinaryCopyFormat.daysSince1970(year: 1583, month: 1, day: 1)
        while day <= last {
            if day >= gregorianStart {
                dates.append(formatter.string(from: Date(timeIntervalSince1970: Double(day) * 86_400)))
            }
            day += 97
        }

        let extract = try makeExtract()
        var cases = try String(contentsOf: extract.appendingPathComponent("cases.csv"), encoding: .utf8)
        for (index, date) in dates.enumerated() {
            cases += "D\(index),A\(index),LEI,indeterminate,\(date),,,,,low,0,\n"
        }
        try Data(cases.utf8).write(to: extract.appendingPathComponent("cases.csv"))
        try ingest(extract)
        XCTAssertEqual(try rejects(), [])

        try connection.execute(script: "create temporary table expected (case_id text, sentence_start_date text)")
        try connection.copyIn("copy pg_temp.expected from stdin") { stream in
            for (index, date) in dates.enumerated() { try stream.write("D\(index)\t\(date)\n") }
        }
        let mismatches = try connection.query("""
            select e.sentence_start_date, s.sentence_start_date::text from pg_temp.expected e
            left join staging.cases s using (case_id)
            where s.sentence_start_date is distinct from e.sentence_start_date::date
            """).rows
        XCTAssertEqual(mismatches.map { "\($0.values[0]!) stored as \($0.values[1] ?? "nothing")" }, [])
        XCTAssertGreaterThan(dates.count, 30_000)
    }

    /// A key's first occurrence wins whichever way each copy travels, and an incremental load
    /// (through a temporary table) takes rows sent as text too.
    func testFirstOccurrenceWinsAcrossBinaryAndTextRowsIncrementally() throws {
        try ingest(try makeExtract())
        let baseContacts = try count("staging.contacts")
        let extract = try makeExtract()
        try Data("""
            contact_id,case_id,staff_id,contact_type,contact_at,channel,outcome,duration_minutes
            N1,K1,KW1,keywork_session,2024-03-31T01:30:00,face_to_face,completed,30
            N1,K1,KW1,keywork_session,2024-07-01T12:00:00Z,face_to_face,completed,45
            N2,K1,KW1,keywork_session,2024-07-01T12:00:00Z,face_to_face,completed,20
            N2,K1,KW1,keywork_session,2024-10-27T01:30:00,face_to_face,completed,25

            """.utf8).write(to: extract.appendingPathComponent("contacts.csv"))
        let report = try self.report(try ingest(extract, mode: .incremental), "contacts.csv")
        XCTAssertEqual(report.rowsSentAsText, 2)
        XCTAssertEqual(report.rowsLoaded, 2)
        XCTAssertEqual(try rejects().filter { $0.file == "contacts.csv" }, [
            Reject(file: "contacts.csv", line: 3, column: "contact_id", reason: "duplicate contact_id N1: first seen at line 2, which was kept"),
            Reject(file: "contacts.csv", line: 5, column: "contact_id", reason: "duplicate contact_id N2: first seen at line 4, which was kept"),
        ])
        XCTAssertEqual(try count("staging.contacts"), baseContacts + 2)
        try connection.execute(script: "set timezone = 'Europe/London'")
        XCTAssertEqual(try connection.query("""
            select string_agg(contact_id || ' ' || duration_minutes || ' ' || (contact_at = case contact_id
                when 'N1' then '2024-03-31T01:30:00'::timestamptz else '2024-07-01T12:00:00Z'::timestamptz end), ', ' order by contact_id)
            from staging.contacts where contact_id like 'N%'
            """).scalar(String.self), "N1 30 true, N2 20 true")
    }

    /// Days near a clock change, years outside the table and sub-microsecond fractions are left to
    /// the server; ordinary days convert on the client.
    func testClientConvertsOnlyWhatItCanConvertExactly() throws {
        try IngestRunner.prepareSchema(connection)   // the offsets come from ingest.london_offset_changes
        let offsets = try LondonDayOffsets.load(years: 2024...2024, connection: connection)
        func day(_ year: Int, _ month: Int, _ day: Int) -> Int { BinaryCopyFormat.daysSince1970(year: year, month: month, day: day) }
        XCTAssertEqual(offsets.offset(forLocalDay: day(2024, 1, 15)), 0)
        XCTAssertEqual(offsets.offset(forLocalDay: day(2024, 7, 1)), 3600)
        XCTAssertNil(offsets.offset(forLocalDay: day(2024, 3, 31)), "spring clock change")
        XCTAssertNil(offsets.offset(forLocalDay: day(2024, 10, 27)), "autumn clock change")
        XCTAssertNil(offsets.offset(forLocalDay: day(2023, 12, 31)), "outside the table")

        func value(_ text: String) -> Int64? {
            Array(text.utf8).withUnsafeBufferPointer { BinaryCopyFormat.timestampValue($0, localOffsets: offsets) }
        }
        let summerNoon = try connection.query("""
            select ((extract(epoch from timestamptz '2024-07-01 11:00:00+00') - 946684800) * 1000000)::bigint
            """).scalar(Int64.self)
        XCTAssertEqual(value("2024-07-01T12:00:00"), summerNoon)
        XCTAssertEqual(value("2024-07-01T11:00:00Z"), summerNoon)
        XCTAssertEqual(value("2024-07-01T13:30:00+02:30"), summerNoon)
        XCTAssertEqual(value("2024-07-01T12:00:00.000001"), summerNoon + 1)
        XCTAssertNil(value("2024-03-31T01:30:00"))
        XCTAssertNil(value("2024-07-01T12:00:00.0000005Z"))
        XCTAssertNil(value("2025-07-01T12:00:00"))
    }
}
