import Foundation
@testable import Ingest
import PropertyBased
import ThroughcareCore
import XCTest

/// Seeded property tests of the tokenizer (CSVRecordReader) and the row validator
/// (RowValidator), run in CI under XCTest. PropertyBased's `propertyCheck` needs Swift Testing,
/// which `make test` disables, so its generators are driven here directly with a fixed seed:
/// every run sees the same inputs, a failure names its iteration, and the whole class takes
/// well under a second. No database: these are pure functions of bytes.
final class PropertyTests: XCTestCase {
    static let seed: (UInt64, UInt64, UInt64, UInt64) = (0x7468_726F_7567_6863, 0x6172_6521, 12, 2026)
    static let iterations = 400

    // MARK: Tokenizer

    /// Any records, written with RFC 4180 quoting, read back to the same fields, each at the
    /// physical line it starts on, whatever the chunking of the input and the buffer size.
    func testQuotedRecordsReadBackWithTheirLineNumbers() throws {
        var random = Xoshiro(seed: Self.seed)
        let alphabet: [Character] = ["a", "b", "Z", "0", " ", "\t", ",", "\"", "\n", "\r", "é", "|"]
        let field = Gen<Character?>.element(of: alphabet).map { $0! }.string(of: 0...6)
        let records = field.array(of: 1...5).array(of: 1...8)
        let lineEnds = Gen<String?>.element(of: ["\n", "\r\n"]).map { $0! }
        for iteration in 0..<Self.iterations {
            let input = records.run(using: &random)
            var text = ""
            var expectedLines: [Int] = []
            for (index, record) in input.enumerated() {
                expectedLines.append(1 + text.utf8.filter { $0 == 0x0A }.count)
                text += record.map { value in
                    // A lone empty field would be a blank line, which is not a record: quote it.
                    // By bytes: "\r\n" is one Character, which a Character test would miss.
                    let mustQuote = value.utf8.contains { ",\"\n\r".utf8.contains($0) } || (record.count == 1 && value.isEmpty)
                    return mustQuote || Gen.bool.run(using: &random)
                        ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
                }.joined(separator: ",")
                if index < input.count - 1 || Gen.bool.run(using: &random) { text += lineEnds.run(using: &random) }
            }
            let source = MemorySource(Array(text.utf8), maximumChunk: Gen.int(in: 1...64).run(using: &random))
            let reader = CSVRecordReader(source: source, initialCapacity: 16)
            var output: [[String]] = []
            var lines: [Int] = []
            while try reader.next() {
                XCTAssertNil(reader.malformedField, "iteration \(iteration)")
                output.append((0..<reader.fields.count).map { Self.unescaped(reader, $0) })
                lines.append(reader.lineNumber)
            }
            XCTAssertEqual(output, input, "iteration \(iteration): \(text.debugDescription)")
            XCTAssertEqual(lines, expectedLines, "iteration \(iteration): \(text.debugDescription)")
            if output != input || lines != expectedLines { return }
        }
    }

    /// Any bytes at all: the tokenizer ends (records or a clear IngestFileError), never traps,
    /// and the validator accepts or names a reason for every record it yields.
    func testArbitraryBytesNeverCrashTheTokenizerOrValidator() throws {
        var random = Xoshiro(seed: Self.seed)
        let interesting: [UInt8] = Array("ab,\"\n\r K1C9".utf8) + [0x00, 0x80, 0xC3, 0xA9, 0xFF, 0x09, 0x5C]
        let bytes = Gen<UInt8?>.element(of: interesting).map { $0! }.array(of: 0...300)
        let validator = Self.contactsValidator()
        for iteration in 0..<Self.iterations {
            let input = bytes.run(using: &random)
            let reader = CSVRecordReader(source: MemorySource(input, maximumChunk: 7), initialCapacity: 16)
            do {
                while try reader.next() {
                    if let rejection = validator.validate(reader) {
                        Self.assertWellFormed(rejection, iteration: iteration)
                    } else {
                        var line: [UInt8] = []
                        validator.encodeCopyLine(lineNumber: reader.lineNumber, into: &line)
                        XCTAssertEqual(line.filter { $0 == 0x09 }.count, 9, "iteration \(iteration)")
                    }
                }
            } catch let error as IngestFileError {
                XCTAssertFalse(error.message.isEmpty)
            }
        }
    }

    // MARK: Validator

    /// Rows built from valid values (codes in any case, padding, optional columns empty) are all
    /// accepted, and what would be sent is the normalised value: trimmed, codes lower-case.
    func testValidRowsAreAcceptedAndNormalised() throws {
        var random = Xoshiro(seed: Self.seed)
        let validator = Self.contactsValidator()
        for iteration in 0..<Self.iterations {
            let row = Self.validContact(&random)
            let reader = CSVRecordReader(source: MemorySource(Array((row.fields.joined(separator: ",") + "\n").utf8), maximumChunk: 1 << 20))
            XCTAssertTrue(try reader.next())
            let rejection = validator.validate(reader)
            XCTAssertNil(rejection, "iteration \(iteration): \(row.fields) → \(rejection?.reason ?? "")")
            guard rejection == nil else { return }
            XCTAssertEqual((0..<row.expected.count).map { validator.text($0) }, row.expected, "iteration \(iteration)")
        }
    }

    /// Rows with one field spoiled (garbage, empty, too long, an unknown reference) are rejected
    /// with a reason; a too-long value names its column and the limit, and never quotes itself.
    func testSpoiledRowsAreRejectedWithAReason() throws {
        var random = Xoshiro(seed: Self.seed)
        let validator = Self.contactsValidator()
        let schema = EntitySchema.forEntity(.contacts)
        let spoil = Gen<String?>.element(of: ["", "garbage", "K404", "2024-13-01T10:00:00Z", "-1", "1441", "long", "longtext"]).map { $0! }
        let requiredOrChecked = Gen.int(in: 0...6)
        for iteration in 0..<Self.iterations {
            var row = Self.validContact(&random)
            let column = requiredOrChecked.run(using: &random)
            var value = spoil.run(using: &random)
            if value == "long" { value = String(repeating: "X", count: Gen.int(in: 65...9_000).run(using: &random)) }
            if value == "longtext" { value = String(repeating: "é", count: 65) }
            // "garbage" is a fine contact_id, "-1"/"1441" only wrong for duration: keep the spoil spoiling.
            if column == 0 && !(value.isEmpty || value.count > 64) { value = "" }
            row.fields[column] = value
            let reader = CSVRecordReader(source: MemorySource(Array((row.fields.joined(separator: ",") + "\n").utf8), maximumChunk: 5))
            XCTAssertTrue(try reader.next())
            guard let rejection = validator.validate(reader) else {
                XCTFail("iteration \(iteration): \(schema.columns[column].name) = \(value.prefix(20)) was accepted")
                return
            }
            Self.assertWellFormed(rejection, iteration: iteration)
            if value.count > 64 {
                XCTAssertEqual(rejection.column, schema.columns[column].name, "iteration \(iteration)")
                XCTAssertTrue(rejection.reason.hasSuffix("more than the 64 allowed for an identifier") || column >= 3, "iteration \(iteration): \(rejection.reason)")
                XCTAssertFalse(rejection.reason.contains("XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"), "iteration \(iteration)")
            }
        }
    }

    // MARK: Helpers

    static func assertWellFormed(_ rejection: RowRejection, iteration: Int, line: UInt = #line) {
        XCTAssertFalse(rejection.reason.isEmpty, "iteration \(iteration)", line: line)
        if let column = rejection.column {
            XCTAssertTrue(EntitySchema.forEntity(.contacts).columns.contains { $0.name == column },
                          "iteration \(iteration): \(column) is not a contract column", line: line)
        }
    }

    /// A contacts validator over a fixed reference index: cases K1, K2; staff KW1, POM1.
    static func contactsValidator() -> RowValidator {
        let schema = EntitySchema.forEntity(.contacts)
        var references = ReferenceIndex()
        references.caseReleased = ["K1": true, "K2": false]
        references.staffRoles = ["KW1": "keyworker", "POM1": "prison_pom"]
        references.caseIDs = ByteKeySet(references.caseReleased.keys)
        references.staffIDs = ByteKeySet(references.staffRoles.keys)
        return RowValidator(schema: schema, header: schema.columns.map(\.name), references: references, batchID: 1)
    }

    /// A valid contacts row as written (padded, codes in any case) and as normalised.
    static func validContact(_ random: inout Xoshiro) -> (fields: [String], expected: [String?]) {
        let idCharacters = Array("ABCDEFXYZ0123456789-_|/")
        let id = Gen<Character?>.element(of: idCharacters).map { $0! }.string(of: 1...64).run(using: &random)
        let caseID = Gen<String?>.element(of: ["K1", "K2"]).run(using: &random)!
        let staffID = Gen<String?>.element(of: ["KW1", "POM1"]).run(using: &random)!
        func code(_ list: [String], _ random: inout Xoshiro) -> (String, String) {
            let chosen = Gen<String?>.element(of: list).run(using: &random)!
            let written = String(chosen.map { Gen.bool.run(using: &random) ? Character($0.uppercased()) : $0 })
            return (written, chosen)
        }
        let type = code(ContractCodes.contactTypes, &random)
        let channel = code(ContractCodes.channels, &random)
        let outcome = code(ContractCodes.outcomes, &random)
        let day = String(format: "%04d-%02d-%02d", Gen.int(in: 2000...2030).run(using: &random),
                         Gen.int(in: 1...12).run(using: &random), Gen.int(in: 1...28).run(using: &random))
        let time = String(format: "%02d:%02d", Gen.int(in: 0...23).run(using: &random), Gen.int(in: 0...59).run(using: &random))
        let seconds = Gen.bool.run(using: &random) ? String(format: ":%02d", Gen.int(in: 0...59).run(using: &random)) : ""
        let zone = Gen<String?>.element(of: ["", "Z", "+01:00", "-0500", "+00"]).run(using: &random)!
        let timestamp = day + (Gen.bool.run(using: &random) ? "T" : " ") + time + seconds + zone
        let duration: String? = Gen.bool.run(using: &random) ? String(Gen.int(in: 0...1440).run(using: &random)) : nil
        let pad = { (value: String, random: inout Xoshiro) -> String in Gen.bool(0.2).run(using: &random) ? " \(value) " : value }
        let written = [pad(id, &random), caseID, staffID, pad(type.0, &random), timestamp, channel.0, outcome.0, duration ?? ""]
        let expected: [String?] = [id, caseID, staffID, type.1, timestamp, channel.1, outcome.1, duration]
        return (written, expected)
    }

    /// A field as the validator reads it: `""` collapsed when the field was quoted.
    static func unescaped(_ reader: CSVRecordReader, _ index: Int) -> String {
        let text = String(decoding: reader.field(index), as: UTF8.self)
        return reader.fields[index].hasEscapedQuotes ? text.replacingOccurrences(of: "\"\"", with: "\"") : text
    }
}

/// Bytes from memory, handed out in chunks of at most `maximumChunk` so record boundaries fall
/// at every position of the reader's buffer.
final class MemorySource: ByteSource {
    private let bytes: [UInt8]
    private let maximumChunk: Int
    private(set) var storedBytesRead = 0
    var digest: StreamingSHA256?

    init(_ bytes: [UInt8], maximumChunk: Int) {
        self.bytes = bytes
        self.maximumChunk = maximumChunk
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, maximumChunk, bytes.count - storedBytesRead)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + storedBytesRead, byteCount: count)
        }
        storedBytesRead += count
        return count
    }
}
