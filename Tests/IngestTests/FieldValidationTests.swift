@testable import Ingest
import XCTest

/// The word-at-a-time ASCII test must never let a NUL or a non-ASCII byte through, wherever it
/// sits in the record (inside a word, across words, in the tail).
final class FieldValidationTests: XCTestCase {
    func testEveryNulAndHighBytePositionIsFound() {
        for length in 1...27 {
            for position in 0..<length {
                for bad: UInt8 in [0x00, 0x80, 0xC3, 0xFF] {
                    var record = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    record[position] = bad
                    let problem = record.withUnsafeBufferPointer { FieldValidation.encodingProblem($0) }
                    XCTAssertNotNil(problem, "byte \(bad) at \(position) of \(length)")
                    if bad == 0 { XCTAssertEqual(problem, "the line holds a NUL byte") }
                }
            }
            let plain = [UInt8](repeating: 0x7F, count: length)
            XCTAssertNil(plain.withUnsafeBufferPointer { FieldValidation.encodingProblem($0) })
        }
        let utf8 = Array("Ó Briain, 12 Rue d’Été".utf8)
        XCTAssertNil(utf8.withUnsafeBufferPointer { FieldValidation.encodingProblem($0) })
    }
}
