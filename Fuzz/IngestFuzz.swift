// libFuzzer entry for the tokenizer (CSVRecordReader) and the row validator (RowValidator).
// Not part of the package build or of CI: it needs -sanitize=fuzzer. Fuzz/run.sh compiles it
// together with Sources/Ingest as one module (see docs/ingest.md, "Testing beyond examples").
// Any input must end in records or a clean IngestFileError, never a trap, a sanitizer report
// or a hang.

import ThroughcareCore

/// Bytes handed out in small chunks, so record boundaries fall everywhere in the reader's buffer.
final class FuzzSource: ByteSource {
    let bytes: UnsafeRawBufferPointer
    var storedBytesRead = 0
    var digest: StreamingSHA256?

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, 61, bytes.count - storedBytesRead)
        guard count > 0 else { return 0 }
        buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + storedBytesRead, byteCount: count)
        storedBytesRead += count
        return count
    }
}

/// The first input byte picks the entity; the rest is the file body under that entity's header.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let entities = ContractEntity.allCases
    let entity = entities[Int(data[0]) % entities.count]
    let schema = EntitySchema.forEntity(entity)
    var references = ReferenceIndex()
    references.establishments = ["LEI", "WKI"]
    references.caseReleased = ["K1": true, "K2": false]
    references.staffRoles = ["KW1": "keyworker", "POM1": "prison_pom", "COM1": "com"]
    references.caseIDs = ByteKeySet(references.caseReleased.keys)
    references.staffIDs = ByteKeySet(references.staffRoles.keys)
    let validator = RowValidator(schema: schema, header: schema.columns.map(\.name), references: references, batchID: 1)
    let reader = CSVRecordReader(source: FuzzSource(UnsafeRawBufferPointer(start: data + 1, count: size - 1)), initialCapacity: 64)
    let keys = DuplicateKeyFilter(dataBytes: size)
    var line: [UInt8] = []
    do {
        while try reader.next() {
            if let rejection = validator.validate(reader) {
                precondition(!rejection.reason.isEmpty, "a rejection without a reason")
                _ = validator.keyValue(reader: reader)
            } else {
                validator.withKeyBytes(keys.insert)
                line.removeAll(keepingCapacity: true)
                validator.encodeCopyLine(lineNumber: reader.lineNumber, into: &line)
                line.removeAll(keepingCapacity: true)
                // As FileLoader does: files with a column lacking a binary form (staff's fte) go as text only.
                if schema.supportsBinaryCopy {
                    _ = validator.encodeBinaryRow(lineNumber: reader.lineNumber, localOffsets: nil, into: &line)
                }
            }
        }
    } catch is IngestFileError {
        // A clean refusal of the whole file (an unclosed quote): fine.
    } catch {
        preconditionFailure("unexpected error \(error)")
    }
    _ = keys.candidates
    return 0
}
