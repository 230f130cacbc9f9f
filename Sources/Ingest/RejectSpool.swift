import Foundation

/// Holds a file's rejected rows, as COPY text lines for ingest.rejects, until its COPY is done.
final class RejectSpool {
    private let lines: SpoolFile
    var count: Int { lines.lineCount }
    let batchID: Int64
    let file: String

    init(batchID: Int64, file: String) throws {
        self.batchID = batchID
        self.file = file
        lines = try SpoolFile(file: file)
    }

    /// Records a reject as a COPY text line for ingest.rejects.
    func add(line: Int, column: String?, key: String?, reason: String, raw: UnsafeBufferPointer<UInt8>) throws {
        var rawText = String(decoding: raw, as: UTF8.self)
        if rawText.utf8.contains(0) { rawText.removeAll { $0 == "\0" } }
        let fields: [String?] = [String(batchID), file, String(line), column, key, reason, rawText]
        try lines.appendLine { buffer in
            for (index, field) in fields.enumerated() {
                if index > 0 { buffer.append(0x09) }
                Self.appendCopyText(field, to: &buffer)
            }
            buffer.append(0x0A)
        }
    }

    static func appendCopyText(_ value: String?, to buffer: inout [UInt8]) {
        guard let value else {
            buffer.append(UInt8(ascii: "\\"))
            buffer.append(UInt8(ascii: "N"))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x09: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x0A: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            default: buffer.append(byte)
            }
        }
    }

    /// Streams every spooled line to `write`, in chunks.
    func replay(_ write: ([UInt8]) throws -> Void) throws {
        try lines.replay(write)
    }

    /// Where the first rejected rows are ("line 5 (mappa_level)"), without their reasons: a
    /// file-level message is printed and stored in the ledger, and reasons quote the file's values.
    func sampleLocations(limit: Int) throws -> [String] {
        let chunk = try lines.prefix(1 << 16)
        return String(decoding: chunk, as: UTF8.self).split(separator: "\n").prefix(limit).compactMap { line in
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count > 3 else { return nil }
            let column = parts[3] == "\\N" || parts[3].isEmpty ? "the whole row" : String(parts[3])
            return "line \(parts[2]) (\(column))"
        }
    }
}
