import Foundation
import ThroughcareCore

/// Writes one CSV file of the extract: RFC 4180 quoting, comma separator, `\n` line ends, UTF-8.
///
/// Rows are formatted straight into a byte buffer and handed to the file in large chunks: the
/// national contacts file is over a gigabyte, and per-field `String` building or small writes
/// would dominate the run time. Memory stays constant whatever the file size.
final class CSVWriter {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var fieldsInRow = 0
    /// Data rows written (the header is not counted).
    private(set) var rowCount = 0

    private static let flushThreshold = 4 << 20

    /// A writer of `entity`'s file, its header the contract's columns in order. Rows must give
    /// every column in that order (`endRow` checks the count).
    convenience init(url: URL, entity: ContractEntity) throws {
        try self.init(url: url, header: entity.contract.columns.map(\.name))
    }

    private let columnCount: Int

    init(url: URL, header: [String]) throws {
        columnCount = header.count
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw ThroughcareError.file("cannot create \(url.path)")
        }
        handle = try FileHandle(forWritingTo: url)
        buffer.reserveCapacity(CSVWriter.flushThreshold + 64 * 1024)
        for column in header { text(column) }
        endRow()
        rowCount = 0
    }

    // MARK: Fields

    /// Free text: quoted when it holds a comma, quote, CR or LF (and quotes doubled), as RFC 4180
    /// requires — establishment and region names do contain commas.
    func text(_ value: String) {
        separate()
        let utf8 = value.utf8
        let needsQuotes = utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
        if !needsQuotes {
            buffer.append(contentsOf: utf8)
            return
        }
        buffer.append(UInt8(ascii: "\""))
        for byte in utf8 {
            if byte == UInt8(ascii: "\"") { buffer.append(byte) }
            buffer.append(byte)
        }
        buffer.append(UInt8(ascii: "\""))
    }

    /// A value already known not to need quoting (codes, identifiers), pre-encoded once.
    func bytes(_ value: [UInt8]) {
        separate()
        buffer.append(contentsOf: value)
    }

    func empty() {
        separate()
    }

    func int(_ value: Int) {
        separate()
        appendInt(value)
    }

    func optionalInt(_ value: Int?) {
        if let value { int(value) } else { empty() }
    }

    func bool(_ value: Bool) {
        separate()
        buffer.append(contentsOf: value ? CSVWriter.trueBytes : CSVWriter.falseBytes)
    }

    /// An identifier: prefix followed by a zero-padded number, e.g. `K0000123`.
    func identifier(_ prefix: [UInt8], _ number: Int, width: Int) {
        separate()
        buffer.append(contentsOf: prefix)
        appendPadded(number, width: width)
    }

    /// ISO `YYYY-MM-DD`.
    func date(_ day: CivilDay) {
        separate()
        appendDate(day)
    }

    func optionalDate(_ day: CivilDay?) {
        if let day { date(day) } else { empty() }
    }

    /// An ISO 8601 timestamp for a Europe/London wall-clock time `minuteOfDay` on `day`, written
    /// in one of the three forms the contract allows.
    func timestamp(_ day: CivilDay, minuteOfDay: Int, style: TimestampStyle) {
        separate()
        let summer = LondonSummerTime.contains(day)
        var minutes = minuteOfDay
        // Office hours only, so converting to UTC never moves the date.
        if style == .utc, summer { minutes -= 60 }
        appendDate(day)
        buffer.append(UInt8(ascii: "T"))
        appendPadded(minutes / 60, width: 2)
        buffer.append(UInt8(ascii: ":"))
        appendPadded(minutes % 60, width: 2)
        buffer.append(contentsOf: CSVWriter.zeroSeconds)
        switch style {
        case .utc:
            buffer.append(UInt8(ascii: "Z"))
        case .offset:
            buffer.append(contentsOf: summer ? CSVWriter.summerOffset : CSVWriter.winterOffset)
        case .londonLocal:
            break
        }
    }

    func endRow() {
        precondition(fieldsInRow == columnCount, "a row of \(fieldsInRow) fields under a header of \(columnCount) columns")
        buffer.append(0x0A)
        fieldsInRow = 0
        rowCount += 1
        if buffer.count >= CSVWriter.flushThreshold {
            flushBuffer()
        }
    }

    func close() throws {
        try flush()
        try handle.close()
    }

    // MARK: Internals

    private var pendingError: Error?

    private func flushBuffer() {
        do {
            try flush()
        } catch {
            // endRow() is called millions of times; keeping it non-throwing keeps the hot path
            // simple. The first write error is kept and rethrown by close().
            if pendingError == nil { pendingError = error }
            buffer.removeAll(keepingCapacity: true)
        }
    }

    private func flush() throws {
        if let pendingError { throw pendingError }
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { raw in
            try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: raw.baseAddress!), count: raw.count, deallocator: .none))
        }
        buffer.removeAll(keepingCapacity: true)
    }

    private func separate() {
        if fieldsInRow > 0 { buffer.append(UInt8(ascii: ",")) }
        fieldsInRow += 1
    }

    private func appendDate(_ day: CivilDay) {
        let (y, m, d) = day.components
        appendPadded(y, width: 4)
        buffer.append(UInt8(ascii: "-"))
        appendPadded(m, width: 2)
        buffer.append(UInt8(ascii: "-"))
        appendPadded(d, width: 2)
    }

    private func appendInt(_ value: Int) {
        if value < 0 {
            buffer.append(UInt8(ascii: "-"))
            appendInt(-value)
            return
        }
        var digits = 1
        var probe = value
        while probe >= 10 { probe /= 10; digits += 1 }
        appendPadded(value, width: digits)
    }

    private func appendPadded(_ value: Int, width: Int) {
        var v = value
        var length = 1
        var probe = v
        while probe >= 10 { probe /= 10; length += 1 }
        let total = max(width, length)
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: total))
        var i = start + total - 1
        repeat {
            buffer[i] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
            i -= 1
        } while v > 0
    }

    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)
    private static let zeroSeconds = Array(":00".utf8)
    private static let summerOffset = Array("+01:00".utf8)
    private static let winterOffset = Array("+00:00".utf8)
}

/// How a contact's timestamp is written. The contract allows all three; real extracts mix them,
/// so the generator does too (mostly UTC).
enum TimestampStyle: UInt8, Sendable {
    /// `2024-06-05T13:30:00Z`
    case utc
    /// `2024-06-05T14:30:00+01:00` (or `+00:00` in winter)
    case offset
    /// `2024-06-05T14:30:00` — no offset, read as Europe/London local time.
    case londonLocal
}
