import Pipeline
import TestSupport
import ThroughcareCore
import XCTest

/// Pipeline files: the shipped ones are valid, and every kind of bad file fails before any work
/// with the line and column of the fault and a message saying how to fix it.
final class PipelineFileTests: XCTestCase {
    static let valid = """
        name: t
        extract:
          directory: extract
        range:
          from: 2024-01-01
          to: 2024-04-01
        """

    func testShippedPipelinesAreValid() throws {
        let folder = repositoryRoot().appendingPathComponent("pipelines")
        for name in ["demo", "quarterly-inspection", "monthly-board", "annual-national"] {
            let pipeline = try PipelineLoader.load(path: folder.appendingPathComponent("\(name).yml").path)
            XCTAssertEqual(pipeline.definition.name, name)
            XCTAssertEqual(pipeline.sha256.count, 64)
        }
        let quarterly = try PipelineLoader.load(path: folder.appendingPathComponent("quarterly-inspection.yml").path).definition
        XCTAssertEqual(quarterly.period, .quarter)
        XCTAssertEqual(quarterly.scopes, .only([Scope(type: "probation_region", id: "South Central")]))
        XCTAssertEqual(quarterly.sample?.size, 60)
        XCTAssertFalse(quarterly.publish)
        let board = try PipelineLoader.load(path: folder.appendingPathComponent("monthly-board.yml").path).definition
        XCTAssertTrue(board.publish)
        XCTAssertEqual(board.scopes, .all)
        XCTAssertEqual(board.period, .month)
    }

    func testDefaultsApplyWhereAbsent() throws {
        let definition = try PipelineLoader.parse(Self.valid, path: "t.yml")
        XCTAssertEqual(definition.period, .month)
        XCTAssertEqual(definition.scopes, .all)
        XCTAssertEqual(definition.extract.mode, .full)
        XCTAssertFalse(definition.publish)
        XCTAssertEqual(try definition.runParameters(), try RunParameters())
    }

    /// (file text, expected "line:column: " prefix, a fragment the message must hold)
    func testEveryKindOfBadFileFailsAtItsLineAndColumn() {
        let cases: [(String, String, String)] = [
            // unknown key at top level (points at the key)
            (Self.valid + "\npublsh: true\n", "7:1", "did you mean publish"),
            // unknown nested key
            ("name: t\nextract:\n  directory: x\n  moed: full\nrange: {from: 2024-01-01, to: 2024-04-01}\n", "4:3", "unknown key \"moed\""),
            // wrong type: a list where text is expected
            ("name: [a, b]\nextract: {directory: x}\nrange: {from: 2024-01-01, to: 2024-04-01}\n", "1:7", "name must be"),
            // wrong type: publish not a boolean
            (Self.valid + "\npublish: maybe\n", "7:10", "publish must be true or false"),
            // bad date value
            ("name: t\nextract: {directory: x}\nrange:\n  from: 2024-13-01\n  to: 2024-04-01\n", "4:9", "from is a date YYYY-MM-DD"),
            // range in the wrong order
            ("name: t\nextract: {directory: x}\nrange:\n  from: 2024-04-01\n  to: 2024-01-01\n", "5:7", "must be after"),
            // bad enum value
            (Self.valid + "\nperiod: fortnight\n", "7:9", "period is one of month, quarter, whole"),
            // missing required key (points at the enclosing mapping)
            ("name: t\nextract: {directory: x}\n", "1:1", "missing key range"),
            // unknown parameter, with a suggestion
            (Self.valid + "\nparameters:\n  keywork_max_gap_day: 14\n", "8:3", "did you mean keywork_max_gap_days"),
            // parameter of the wrong kind
            (Self.valid + "\nparameters:\n  pom_max_gap_days: six weeks\n", "8:21", "is a number"),
            (Self.valid + "\nparameters:\n  handover_determinate: 8\n", "8:25", "PostgreSQL interval"),
            // unknown scope type
            (Self.valid + "\nscopes:\n  - county: Kent\n", "8:5", "unknown scope type \"county\""),
            // threshold out of range
            (Self.valid + "\nquality:\n  reject_rate_per_file: 5\n", "8:25", "share between 0 and 1"),
            // unknown threshold
            (Self.valid + "\nquality:\n  rejects: 0.1\n", "8:3", "unknown quality threshold"),
            // sample size not a number / below 1
            (Self.valid + "\nsample:\n  size: lots\n  seed: s\n", "8:9", "size must be a whole number"),
            (Self.valid + "\nsample:\n  size: 0\n  seed: s\n", "8:9", "at least 1"),
            (Self.valid + "\nsample:\n  size: 5\n  seed: s\n  population: everyone\n", "10:15", "population is one of released, in_custody"),
            // a password in the file (it is stored with every run)
            (Self.valid + "\ndatabase: postgresql://u:hunter2@db/throughcare\n", "7:11", "must not hold a password"),
            // unknown export output
            (Self.valid + "\nexports:\n  outputs: [report, pdf]\n", "8:21", "unknown export output \"pdf\""),
            // YAML syntax error
            ("name: t\nextract: {directory: x\nrange: {}\n", "3:", "YAML syntax"),
            // duplicate key
            (Self.valid + "\nname: again\n", "", "given twice"),
            // not a mapping at all
            ("- a\n- b\n", "1:1", "expected a mapping"),
        ]
        for (text, place, fragment) in cases {
            XCTAssertThrowsError(try PipelineLoader.parse(text, path: "bad.yml"), "expected an error for:\n\(text)") { error in
                guard let error = error as? PipelineFileError else { return XCTFail("not a PipelineFileError: \(error)") }
                XCTAssertTrue(error.description.hasPrefix("bad.yml:\(place)"), "\(error.description) should start at bad.yml:\(place), for:\n\(text)")
                XCTAssertTrue(error.message.contains(fragment), "\(error.message) should contain \(fragment)")
            }
        }
    }
}
