import Aggregate
import Export
import Foundation
import TestSupport
import XCTest

/// Issue #12 part 3: the official run's CSV pack validates against its own datapackage.json
/// (header = fields, every cell of its type or a declared marker), carries GSS markers for
/// suppressed cells, and every cell is safe to open in a spreadsheet.
final class CSVPackTests: AggregateTestCase {
    /// RFC 4180 records (the pack's cells may hold quoted commas).
    func records(_ text: String) -> [[String]] {
        var records: [[String]] = [], record: [String] = [], field = ""
        var quoted = false, iterator = Array(text).makeIterator(), pending: Character?
        while let c = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true
            } else if c == "," { record.append(field); field = ""
            } else if c == "\n" { record.append(field); records.append(record); record = []; field = ""
            } else { field.append(c) }
        }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }

    func testPackValidatesAgainstItsDataPackageWithMarkers() throws {
        try load(fixture: "suppression")
        let run = try aggregate(from: "2024-01-01", to: "2024-04-01", official: true)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("throughcare-pack-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try ExportRunner(connection: connection).export(runID: run, to: root).appendingPathComponent("csv")

        let package = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("datapackage.json"))) as? [String: Any])
        let resources = try XCTUnwrap(package["resources"] as? [[String: Any]])
        XCTAssertEqual(resources.compactMap { $0["name"] as? String }, ["rates", "volumes", "revisions"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("notes.csv").path))
        for resource in resources {
            let schema = try XCTUnwrap(resource["schema"] as? [String: Any])
            let missing = Set(try XCTUnwrap(schema["missingValues"] as? [String]))
            let fields = try XCTUnwrap(schema["fields"] as? [[String: Any]])
            for field in fields {
                XCTAssertFalse((field["description"] as? String ?? "").isEmpty, "\(field["name"] ?? "?") has a description from COMMENT ON")
            }
            let text = try String(contentsOf: folder.appendingPathComponent(try XCTUnwrap(resource["path"] as? String)), encoding: .utf8)
            let table = records(text)
            XCTAssertEqual(table.first, fields.compactMap { $0["name"] as? String }, "header of \(resource["name"]!)")
            // the first official run of a range has nothing to revise: revisions.csv is its header
            XCTAssertGreaterThan(table.count, resource["name"] as? String == "revisions" ? 0 : 1)
            for (index, row) in table.dropFirst().enumerated() {
                XCTAssertEqual(row.count, fields.count, "row \(index + 2) width")
                for (cell, field) in zip(row, fields) {
                    XCTAssertNil(cell.first.flatMap { "=+-@\t\r".contains($0) ? $0 : nil }, "\(cell) is spreadsheet-safe")
                    if missing.contains(cell) { continue }
                    let ok: Bool
                    switch field["type"] as? String {
                    case "integer": ok = Int64(cell) != nil
                    case "number": ok = Double(cell) != nil
                    case "date": ok = cell.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil
                    case "boolean": ok = ["true", "false"].contains(cell)
                    default: ok = true
                    }
                    XCTAssertTrue(ok, "\(resource["name"]!) row \(index + 2) \(field["name"]!): \(cell) is not \(field["type"]!)")
                }
            }
        }
        let rates = try String(contentsOf: folder.appendingPathComponent("rates.csv"), encoding: .utf8)
        XCTAssertTrue(rates.contains(",establishment,SAA,2024-01-01,2024-04-01,id_on_release,[c],[c],[c],[c],[c],[c],primary"), "SAA suppressed as [c]")
        XCTAssertTrue(rates.contains(",establishment,SCC,2024-01-01,2024-04-01,id_on_release,7,10,0.700000,0.396778,0.892209,good,,\n"), "SCC shown")
        XCTAssertTrue(rates.contains(",\(run),2024-04-30,true,") || rates.contains("\(run),2024-04-30,true,"), "run_id, as_of, official on every row")
        XCTAssertFalse(rates.contains(",recalled_within_28_days,") && rates.range(of: #"recalled_within_28_days,\d+,\d+,[0-9.]+,[0-9.]+,[0-9.]+,(good|outstanding|inadequate|requires_improvement)"#, options: .regularExpression) != nil,
                       "recall is never banded")
    }

    func testExploratoryRunHasNoStatisticsPack() throws {
        try load(fixture: "suppression")
        let run = try aggregate(from: "2024-01-01", to: "2024-04-01", official: false)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("throughcare-pack-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = try ExportRunner(connection: connection).export(runID: run, to: root)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("csv").path))
    }
}
