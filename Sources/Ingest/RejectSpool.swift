import Foundation

/// Holds a file's rejected rows on disk until its COPY is done (one connection can run one COPY
/// at a time), so memory stays flat however many rows are refused.
final class RejectSpool {
    private let url: URL
    private let handle: FileHandle
    private var pending: [UInt8] = []
    private(set) var count = 0
    let batchID: Int64
    let file: String

    init(batchID: Int64, file: String) throws {
        self.batchID = batchID
        self.file = file
        url = FileManager.default.temporaryDirectory.appendingPathComponent("throughcare-rejects-\(getpid())-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw IngestFileError(file: file, line: nil, message: "cannot create a temporary file in \(url.deletingLastPathComponent().path)")
        }
        handle = try FileHandle(forUpdating: url)
        pending.reserveCapacity(1 << 16)
    }

    deinit {
        try? handle.close()
        try? FileManager.default.removeItem(at: url)
    }

    /// Records a reject as a COPY text line for ingest.rejects.
    func add(line: Int, column: String?, key: String?, reason: String, raw: UnsafeBufferPointer<UInt8>) throws {
        var rawText = String(decoding: raw, as: UTF8.self)
        if rawText.utf8.contains(0) { rawText.removeAll { $0 == "\0" } }
        let fields: [String?] = [String(batchID), file, String(line), column, key, reason, rawText]
        for (index, field) in fields.enumerated() {
            if index > 0 { pending.append(0x09) }
            Self.appendCopyText(field, to: &pending)
        }
        pending.append(0x0A)
        count += 1
        if pending.count > 1 << 16 { try flush() }
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

    private func flush() throws {
        try handle.write(contentsOf: pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// Streams every spooled line to `write`, in chunks.
    func replay(_ write: ([UInt8]) throws -> Void) throws {
        try flush()
        try handle.seek(toOffset: 0)
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            try write([UInt8](chunk))
        }
    }

    /// The first few reasons, for a message when the whole file is refused.
    func sampleReasons(limit: Int) throws -> [String] {
        try flush()
        try handle.seek(toOffset: 0)
        guard let chunk = try handle.read(upToCount: 1 << 16) else { return [] }
        return String(decoding: chunk, as: UTF8.self).split(separator: "\n").prefix(limit).map { line in
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            return parts.count > 5 ? "line \(parts[2]): \(parts[5])" : String(line)
        }
    }
}
