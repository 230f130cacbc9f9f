import ExtractGenerator
import Foundation
import Ingest
import TestSupport
import XCTest

final class ExtractGeneratorTests: XCTestCase {
    var directories: [URL] = []

    override func tearDown() {
        for directory in directories { try? FileManager.default.removeItem(at: directory) }
    }

    func generate(seed: UInt64) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("throughcare-gen-\(UUID().uuidString)")
        directories.append(directory)
        _ = try ExtractGenerator(scale: .small, seed: seed).write(to: directory)
        return directory
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
}
