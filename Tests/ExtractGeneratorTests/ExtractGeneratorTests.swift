@testable import ExtractGenerator
import Foundation
import Ingest
import TestSupport
import XCTest

final class ExtractGeneratorTests: XCTestCase {
    var directories: [URL] = []

    override func tearDown() {
        for directory in directories { try? FileManager.default.removeItem(at: directory) }
    }

    func generate(seed: UInt64, scaleFactor: Int? = nil) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("throughcare-gen-\(UUID().uuidString)")
        directories.append(directory)
        if let scaleFactor {
            _ = try ExtractGenerator(scale: .small, scaleFactor: scaleFactor, seed: seed).write(to: directory)
        } else {
            _ = try ExtractGenerator(scale: .small, seed: seed).write(to: directory)
        }
        return directory
    }

    func dataRows(_ data: Data?) -> [Substring] {
        String(decoding: data ?? Data(), as: UTF8.self).split(separator: "\n").dropFirst().map { $0 }
    }

    func contents(_ directory: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            files[name] = try Data(contentsOf: directory.appendingPathComponent(name))
        }
        return files
    }

    func testSameSeedWritesIdenticalFiles() throws {
        let first = try contents(try generate(seed: 7))
        let second = try contents(try generate(seed: 7))
        XCTAssertEqual(Set(first.keys), ["establishments.csv", "staff.csv", "cases.csv", "allocations.csv",
                                         "contacts.csv", "assessments.csv", "release_outcomes.csv"])
        XCTAssertEqual(first, second)
    }

    func testDifferentSeedsDiffer() throws {
        let first = try contents(try generate(seed: 7))
        let second = try contents(try generate(seed: 8))
        XCTAssertNotEqual(first["contacts.csv"], second["contacts.csv"])
        XCTAssertNotEqual(first["cases.csv"], second["cases.csv"])
    }

    /// Every generated row passes every rule of the contract: ingest rejects none.
    func testEveryFileIsValidAgainstTheContract() throws {
        let directory = try generate(seed: 11)
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        let report = try IngestRunner(connection: connection, options: IngestOptions(maxRejectRate: 0)).run(directory: directory.path)
        XCTAssertEqual(report.files.count, 7)
        for file in report.files {
            XCTAssertEqual(file.status, .loaded, "\(file.file): \(file.message ?? "")")
            XCTAssertEqual(file.rowsRejected, 0, file.file)
            XCTAssertGreaterThan(file.rowsLoaded, 0, file.file)
            XCTAssertEqual(file.warnings, [], file.file)
        }
        let reasons = try connection.query("select file, line_number, reason from ingest.rejects limit 5").rows.map(\.values)
        XCTAssertEqual(reasons, [])
        // Realistic, not uniform: several establishment types and more than one region.
        XCTAssertGreaterThan(try connection.query("select count(distinct establishment_type) from staging.establishments").scalar(Int.self), 1)
        XCTAssertGreaterThan(try connection.query("select count(distinct probation_region) from staging.establishments").scalar(Int.self), 1)
        XCTAssertGreaterThan(try connection.query("select count(*) from staging.contacts").scalar(Int.self), 2_000)
        XCTAssertEqual(try connection.query("select count(distinct contact_type) from staging.contacts").scalar(Int.self), 5)
    }

    /// --scale-factor N: N times the prisons and about N times the cases and contacts, the same
    /// files for the same seed, every key unique and every row valid; 1 is the scale itself.
    func testScaleFactorMultipliesTheExtract() throws {
        let base = try contents(try generate(seed: 7))
        XCTAssertEqual(try contents(try generate(seed: 7, scaleFactor: 1)), base, "factor 1 writes the scale itself")
        let tripledDirectory = try generate(seed: 7, scaleFactor: 3)
        let tripled = try contents(tripledDirectory)
        XCTAssertEqual(try contents(try generate(seed: 7, scaleFactor: 3)), tripled, "deterministic for a seed")

        XCTAssertEqual(dataRows(tripled["establishments.csv"]).count, 3 * dataRows(base["establishments.csv"]).count)
        // Each new prison draws its own size and habits, so with four prisons to a copy the
        // totals move around 3× rather than sit on it (contacts most: they follow the habits).
        for (file, range) in [("cases.csv", 2.2...3.8), ("staff.csv", 2.2...3.8), ("contacts.csv", 2.0...4.5)] {
            let ratio = Double(dataRows(tripled[file]).count) / Double(dataRows(base[file]).count)
            XCTAssertTrue(range.contains(ratio), "\(file): \(ratio) times the scale's rows")
        }
        // Keys stay unique: the first field of every keyed file (names too, for the prisons).
        for file in ["establishments.csv", "staff.csv", "cases.csv", "contacts.csv", "assessments.csv"] {
            let keys = dataRows(tripled[file]).map { $0.prefix { $0 != "," } }
            XCTAssertEqual(Set(keys).count, keys.count, "\(file): a key written twice")
        }

        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        let report = try IngestRunner(connection: connection, options: IngestOptions(maxRejectRate: 0)).run(directory: tripledDirectory.path)
        for file in report.files {
            XCTAssertEqual(file.status, .loaded, "\(file.file): \(file.message ?? "")")
            XCTAssertEqual(file.rowsRejected, 0, file.file)
        }
        XCTAssertEqual(try connection.query("select count(distinct name) from staging.establishments").scalar(Int.self),
                       dataRows(tripled["establishments.csv"]).count)
    }

    /// Past the two-syllable names (a large scale factor), names go on with a number, unique.
    func testPlaceNamesGoOnPastTheirCapacity() {
        var rng = SeededGenerator(seed: 3, stream: .establishments)
        var used = Set<String>()
        let names = (0..<(PlaceNames.capacity + 30)).map { _ in PlaceNames.draw(&rng, avoiding: &used) }
        XCTAssertEqual(Set(names).count, names.count)
        XCTAssertTrue(names.prefix(PlaceNames.capacity).allSatisfy { !$0.contains(" ") })
        XCTAssertTrue(names.suffix(30).allSatisfy { $0.hasSuffix(" 2") })
    }
}
