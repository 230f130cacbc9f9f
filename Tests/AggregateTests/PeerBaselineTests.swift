import Aggregate
import Foundation
import Ingest
import PostgresClient
import TestSupport
import ThroughcareCore
import Transform
import XCTest

/// Issue #10, item 4: the peer baseline (benchmarks/peer/throughcare_peer.py, DuckDB over the
/// same CSV files, written from shared/spec/metrics.md and not from Throughcare's SQL) agrees with
/// Throughcare row for row: every numerator and denominator of metrics.rates and every volume of
/// metrics.volumes, on a generated extract with a few rows ingest must reject or normalise added.
final class PeerBaselineTests: AggregateTestCase {
    var workDirectory: URL!

    override func setUpWithError() throws {
        try super.setUpWithError()
        workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("throughcare-peer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        if let workDirectory { try? FileManager.default.removeItem(at: workDirectory) }
        super.tearDown()
    }

    static var peerPython: String { repositoryRoot().appendingPathComponent(".build/peer-venv/bin/python").path }
    static var peerScript: String { repositoryRoot().appendingPathComponent("benchmarks/peer/throughcare_peer.py").path }

    /// The venv with DuckDB (`make peer-venv`); under CI a missing one fails the test, elsewhere it skips.
    func requirePeerPython(file: StaticString = #filePath, line: UInt = #line) throws {
        let check = FileManager.default.isExecutableFile(atPath: Self.peerPython)
            ? try runProcess([Self.peerPython, "-c", "import duckdb"]) : (status: Int32(127), output: "no \(Self.peerPython)")
        guard check.status != 0 else { return }
        let message = "the peer baseline needs DuckDB in .build/peer-venv (make peer-venv): \(check.output)"
        if ProcessInfo.processInfo.environment["CI"] != nil {
            XCTFail(message, file: file, line: line)
            throw XCTSkip("failed above")
        }
        throw XCTSkip(message)
    }

    /// `throughcare generate --scale small`, then rows the contract makes ingest reject or
    /// normalise: a duplicate contact id, a reference to no case, an impossible timestamp, codes in
    /// another case with spaces, contacts either side of midnight in British Summer Time
    /// (offset-less = London time, `Z` = UTC), cases breaking the cross-field rules.
    func generateExtract(file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        let extract = workDirectory.appendingPathComponent("extract")
        let binary = throughcareBinary().path
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: binary), "build the CLI first (swift build): \(binary)", file: file, line: line)
        let generated = try runProcess([binary, "generate", "--scale", "small", "--seed", "11", "--out", extract.path])
        XCTAssertEqual(generated.status, 0, "generate: \(generated.output)", file: file, line: line)

        let contactsURL = extract.appendingPathComponent("contacts.csv")
        let contacts = try String(contentsOf: contactsURL, encoding: .utf8)
        let lines = contacts.split(separator: "\n", omittingEmptySubsequences: true)
        XCTAssertEqual(lines.first, "contact_id,case_id,staff_id,contact_type,contact_at,channel,outcome,duration_minutes",
                       "the generator's contacts header", file: file, line: line)
        let first = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let (contactID, caseID, staffID) = (first[0], first[1], first[2])
        let dirty = [
            "\(contactID),\(caseID),\(staffID),pom_contact,2024-05-01T10:00:00Z,video,completed,30",   // duplicate: rejected
            "CNPEER0001,NO-SUCH-CASE,\(staffID),keywork_session,2024-05-02T10:00:00Z,face_to_face,completed,",
            "CNPEER0002,\(caseID),\(staffID),keywork_session,2024-13-01T10:00:00Z,face_to_face,completed,",
            "CNPEER0003,\(caseID),\(staffID), Keywork_Session ,2024-06-30 23:30,FACE_TO_FACE, Completed ,  ",
            "CNPEER0004,\(caseID),\(staffID),keywork_session,2024-06-30T23:30:00Z,video,completed,20",
            "CNPEER0005,\(caseID),\(staffID),keywork_session,2024-03-31T00:30:00+01:00,video,completed,20",
            "CNPEER0006,\(caseID),\(staffID),pom_contact,2024-07-01T09:00:00+0100,written,completed,1441",
        ]
        try (contacts + dirty.joined(separator: "\n") + "\n").write(to: contactsURL, atomically: true, encoding: .utf8)

        let casesURL = extract.appendingPathComponent("cases.csv")
        let cases = try String(contentsOf: casesURL, encoding: .utf8)
        let caseLine = cases.split(separator: "\n")[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let establishment = caseLine[2]
        let badCases = [
            "KPEER01,P9999ZZ,\(establishment),determinate,2024-01-10,,,,,high,0,",                     // no expected_release_date
            "KPEER02,P9999ZZ,\(establishment),determinate,2024-01-10,2024-09-01,,2023-12-01,,high,0,",   // released before it started
            "KPEER03,P9999ZY,\(establishment), RECALL ,2024-02-10,2024-08-01,,2024-03-01, C ,VERY_HIGH,1,  ",
        ]
        try (cases + badCases.joined(separator: "\n") + "\n").write(to: casesURL, atomically: true, encoding: .utf8)
        return extract
    }

    /// Full ingest (ingest's default reject limit) and transform with the default parameters.
    func ingestAndTransform(_ extract: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let report = try IngestRunner(connection: connection, options: IngestOptions(mode: .full)).run(directory: extract.path)
        XCTAssertFalse(report.anyFailed, "files not loaded: \(report.files.filter { $0.status != .loaded }.map(\.file))", file: file, line: line)
        let rejected = report.files.map(\.rowsRejected).reduce(0, +)
        XCTAssertEqual(rejected, 6, "the rows added to break the contract are rejected (and only those)", file: file, line: line)
        try TransformRunner(connection: connection).run(parameters: RunParameters())
    }

    func runPeer(_ extract: URL, from: String, to: String, period: String, scope: String? = nil,
                 file: StaticString = #filePath, line: UInt = #line) throws -> [Figure: String] {
        let out = workDirectory.appendingPathComponent("peer-\(period)-\(UUID().uuidString).csv")
        var argv = [Self.peerPython, Self.peerScript, extract.path, "--from", from, "--to", to, "--period", period, "--out", out.path]
        if let scope { argv += ["--scope", scope] }
        let result = try runProcess(argv)
        XCTAssertEqual(result.status, 0, "peer: \(result.output)", file: file, line: line)
        XCTAssertTrue(result.output.contains("6 row(s) rejected"), "the peer rejects the same rows: \(result.output)", file: file, line: line)
        let rows = try Self.parseCSV(String(contentsOf: out, encoding: .utf8))
        XCTAssertEqual(rows.first, ["kind", "scope_type", "scope_id", "period_start", "metric", "numerator", "denominator"], file: file, line: line)
        var figures: [Figure: String] = [:]
        for row in rows.dropFirst() {
            let key = Figure(kind: row[0], scopeType: row[1], scopeID: row[2], periodStart: row[3], name: row[4])
            XCTAssertNil(figures[key], "peer wrote \(key) twice", file: file, line: line)
            figures[key] = row[5] + "/" + row[6]
        }
        return figures
    }

    /// One figure: a rate (numerator/denominator) or a volume measure, by scope and period.
    struct Figure: Hashable, CustomStringConvertible {
        var kind, scopeType, scopeID, periodStart, name: String
        var description: String { "\(kind) \(name) \(scopeType)/\(scopeID) \(periodStart)" }
    }

    /// Every rate and volume of a run, as the peer writes them: rates "numerator/denominator",
    /// volumes their stored value.
    func throughcareFigures(run: Int64) throws -> (rates: [Figure: String], volumes: [Figure: String?]) {
        var rates: [Figure: String] = [:]
        for row in try rows("""
            select scope_type, scope_id, period_start::text, metric, numerator::text, denominator::text
            from metrics.rates where run_id = \(run)
            """) {
            rates[Figure(kind: "rate", scopeType: row[0]!, scopeID: row[1]!, periodStart: row[2]!, name: row[3]!)] = row[4]! + "/" + row[5]!
        }
        var volumes: [Figure: String?] = [:]
        for row in try rows("""
            select scope_type, scope_id, period_start::text, measure, value::text
            from metrics.volumes where run_id = \(run)
            """) {
            volumes[Figure(kind: "volume", scopeType: row[0]!, scopeID: row[1]!, periodStart: row[2]!, name: row[3]!)] = row[4]
        }
        return (rates, volumes)
    }

    /// Row for row: the same keys, equal counts; a volume part equal as a decimal, a ratio NULL
    /// when the peer's denominator is 0, else within 1e-9 of the peer's numerator / denominator.
    func assertAgrees(run: Int64, peer: [Figure: String], _ label: String,
                      file: StaticString = #filePath, line: UInt = #line) throws {
        let (rates, volumes) = try throughcareFigures(run: run)
        XCTAssertGreaterThan(rates.count, 0, "\(label): rates written", file: file, line: line)
        XCTAssertGreaterThan(volumes.count, 0, "\(label): volumes written", file: file, line: line)
        var mismatches: [String] = []
        let peerRates = peer.filter { $0.key.kind == "rate" }
        let peerVolumes = peer.filter { $0.key.kind == "volume" }
        for key in Set(rates.keys).union(peerRates.keys).sorted(by: { $0.description < $1.description }) {
            if rates[key] != peerRates[key] {
                mismatches.append("\(key): throughcare \(rates[key] ?? "no row"), peer \(peerRates[key] ?? "no row")")
            }
        }
        for key in Set(volumes.keys).union(peerVolumes.keys).sorted(by: { $0.description < $1.description }) {
            guard let stored = volumes[key], let parts = peerVolumes[key] else {
                mismatches.append("\(key): throughcare \(volumes[key] == nil ? "no row" : (volumes[key]! ?? "NULL")), peer \(peerVolumes[key] ?? "no row")")
                continue
            }
            let split = parts.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            let numerator = Decimal(string: split[0])
            if split[1].isEmpty {
                if stored.flatMap({ Decimal(string: $0) }) != numerator || numerator == nil {
                    mismatches.append("\(key): throughcare \(stored ?? "NULL"), peer \(split[0])")
                }
            } else if let denominator = Decimal(string: split[1]), let numerator {
                if denominator == 0 {
                    if stored != nil { mismatches.append("\(key): throughcare \(stored!), peer NULL (\(parts))") }
                    continue
                }
                let want = numerator / denominator
                let tolerance = Decimal(string: "0.000000001")! * max(1, abs(want))
                guard let got = stored.flatMap({ Decimal(string: $0) }), abs(got - want) <= tolerance else {
                    mismatches.append("\(key): throughcare \(stored ?? "NULL"), peer \(parts) = \(want)")
                    continue
                }
            } else {
                mismatches.append("\(key): peer wrote \(parts)")
            }
        }
        if !mismatches.isEmpty {
            XCTFail("\(label): \(mismatches.count) figure(s) differ between Throughcare and the peer; the first:\n  "
                    + mismatches.prefix(12).joined(separator: "\n  "), file: file, line: line)
        }
        // Something was measured: not a comparison of empty tables.
        let nonZero = rates.values.filter { !$0.hasPrefix("0/") }.count
        XCTAssertGreaterThan(nonZero, rates.count / 10, "\(label): most cells have cases met", file: file, line: line)
    }

    func testPeerAgreesWithThroughcareRowForRow() throws {
        try requirePeerPython()
        let extract = try generateExtract()
        try ingestAndTransform(extract)

        let monthly = try aggregate(from: "2024-01-01", to: "2025-01-01", period: .month)
        XCTAssertEqual(try periods(run: monthly).count, 12)
        try assertAgrees(run: monthly, peer: runPeer(extract, from: "2024-01-01", to: "2025-01-01", period: "month"), "2024 by month")

        let quarterly = try aggregate(from: "2024-01-01", to: "2025-01-01", period: .quarter)
        try assertAgrees(run: quarterly, peer: runPeer(extract, from: "2024-01-01", to: "2025-01-01", period: "quarter"), "2024 by quarter")

        // A range that does not start on a calendar boundary, as one period.
        let whole = try aggregate(from: "2024-02-15", to: "2024-11-20", period: .whole)
        try assertAgrees(run: whole, peer: runPeer(extract, from: "2024-02-15", to: "2024-11-20", period: "whole"), "whole range")

        // The review question of bench-warehouse.sh: one probation region, Q4 by quarter.
        let region = try XCTUnwrap(value("select min(probation_region) from core.establishments"))
        let parameters = try RunParameters()
        let request = AggregateRequest(from: try XCTUnwrap(CivilDate("2024-10-01")), to: try XCTUnwrap(CivilDate("2025-01-01")),
                                       period: .quarter, parameters: parameters,
                                       scopes: [RunScope(type: "probation_region", id: region)])
        let review = try AggregateRunner(connection: connection).run(request)
        try assertAgrees(run: review, peer: runPeer(extract, from: "2024-10-01", to: "2025-01-01", period: "quarter",
                                                    scope: "probation_region:\(region)"), "review of \(region)")
    }

    /// RFC 4180 (the peer writes with Python's csv module: quotes only where needed).
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text).makeIterator()
        var pending: Character? = nil
        while let c = pending ?? characters.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = characters.next() {
                        if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field); field = ""
            } else if c == "\n" || c == "\r\n" {
                row.append(field); field = ""
                rows.append(row); row = []
            } else {
                field.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
