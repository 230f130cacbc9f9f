import Foundation

/// Lines parked in a temporary file until the connection is free: one connection runs one COPY
/// at a time, and memory must stay flat however many lines there are.
final class SpoolFile {
    private let url: URL
    private let handle: FileHandle
    private var pending: [UInt8] = []
    private(set) var lineCount = 0

    init(file: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("throughcare-spool-\(getpid())-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw IngestFileError(file: file, line: nil, message: "cannot create a temporary file in \(url.deletingLastPathComponent().path)")
        }
        do {
            handle = try FileHandle(forUpdating: url)
        } catch {
            try? FileManager.default.removeItem(at: url)
            throw error
        }
        pending.reserveCapacity(1 << 16)
    }

    deinit {
        try? handle.close()
        try? FileManager.default.removeItem(at: url)
    }

    /// Adds one line; `body` appends its bytes, newline included.
    func appendLine(_ body: (inout [UInt8]) -> Void) throws {
        body(&pending)
        lineCount += 1
        if pending.count > 1 << 16 { try flush() }
    }

    private func flush() throws {
        try handle.write(contentsOf: pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// Streams every line to `write`, in chunks of up to 1 MiB.
    func replay(_ write: ([UInt8]) throws -> Void) throws {
        try flush()
        try handle.seek(toOffset: 0)
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            try write([UInt8](chunk))
        }
    }

    /// The first bytes written, for messages.
    func prefix(_ maximum: Int) throws -> [UInt8] {
        try flush()
        try handle.seek(toOffset: 0)
        defer { _ = try? handle.seekToEnd() }
        return [UInt8](try handle.read(upToCount: maximum) ?? Data())
    }
}
