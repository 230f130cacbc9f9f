import Foundation
import PostgresClient

extension PostgresConnection {
    /// Writes the rows of `select` to `url` as CSV with a header, streamed through COPY and
    /// flushed a megabyte at a time, so a national case_metrics file never sits whole in memory.
    func copyCSV(_ select: SQLQuery, to url: URL) throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var pending: [UInt8] = []
        try copyOut(select: select, format: .csv(header: true)) { chunk in
            pending.append(contentsOf: chunk)
            if pending.count > 1 << 20 {
                try handle.write(contentsOf: pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: pending)
    }
}
