/// Splits a byte stream into RFC 4180 records without copying: each record's fields are byte
/// ranges into an internal buffer, valid until the next call to `next()`. Tracks physical line
/// numbers (a quoted field holding a newline spans lines) and keeps each record's raw bytes for
/// the rejects table.
final class CSVRecordReader {
    struct FieldRange {
        var start: Int
        var end: Int
        /// The field was quoted and holds `""` pairs that must be collapsed.
        var hasEscapedQuotes: Bool
    }

    private let source: ByteSource
    private var storage: UnsafeMutableRawBufferPointer
    private var bytes: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var filled = 0
    private var position = 0
    private var endOfInput = false
    private var nextLine = 1

    /// Fields of the current record.
    private(set) var fields: [FieldRange] = []
    /// Physical line on which the current record starts.
    private(set) var lineNumber = 0
    /// Offsets of the current record's raw bytes (without the line ending).
    private(set) var recordStart = 0
    private(set) var recordEnd = 0
    /// A quoting error inside the record (text after a closing quote), if any: column index.
    private(set) var malformedField: Int?
    /// Bytes consumed from the decoded stream so far.
    private(set) var decodedBytesConsumed = 0
    private var discardedBefore = 0

    static let maximumRecordBytes = 64 << 20

    init(source: ByteSource, initialCapacity: Int = 4 << 20) {
        self.source = source
        capacity = initialCapacity
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        bytes = storage.baseAddress!.assumingMemoryBound(to: UInt8.self)
        fields.reserveCapacity(32)
    }

    deinit { storage.deallocate() }

    var buffer: UnsafePointer<UInt8> { UnsafePointer(bytes) }

    /// The raw record as stored (line ending removed).
    var rawRecord: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: bytes + recordStart, count: recordEnd - recordStart)
    }

    func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let range = fields[index]
        return UnsafeBufferPointer(start: bytes + range.start, count: range.end - range.start)
    }

    /// Skips a UTF-8 byte-order mark at the very start of the data.
    func skipByteOrderMark() throws {
        while filled - position < 3 && !endOfInput { try refill() }
        if filled - position >= 3, bytes[position] == 0xEF, bytes[position + 1] == 0xBB, bytes[position + 2] == 0xBF {
            position += 3
        }
    }

    /// Advances to the next record; false at the end of the data. Blank lines are not records.
    func next() throws -> Bool {
        while true {
            if position >= filled {
                if endOfInput { return false }
                try refill()
                continue
            }
            switch try scanRecord() {
            case .record:
                if fields.count == 1 && recordEnd == recordStart { continue } // blank line
                return true
            case .needMoreData:
                if endOfInput {
                    // Last record without a line ending.
                    if try scanRecord(atEndOfInput: true) == .record { 
                        if fields.count == 1 && recordEnd == recordStart { return false }
                        return true
                    }
                    return false
                }
                try refill()
            }
        }
    }

    private enum ScanResult { case record, needMoreData }

    /// Parses one record starting at `position`. On `.needMoreData` nothing is consumed.
    private func scanRecord(atEndOfInput: Bool = false) throws -> ScanResult {
        fields.removeAll(keepingCapacity: true)
        malformedField = nil
        var index = position
        var newlinesInside = 0
        var fieldStart = index
        let end = filled
        while true {
            // Start of a field.
            fieldStart = index
            let fieldLine = nextLine + newlinesInside
            if index < end && bytes[index] == UInt8(ascii: "\"") {
                // Quoted field: runs to the closing quote; "" is an escaped quote.
                var escaped = false
                index += 1
                let contentStart = index
                var closed = false
                while index < end {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\"") {
                        if index + 1 < end {
                            if bytes[index + 1] == UInt8(ascii: "\"") {
                                escaped = true
                                index += 2
                                continue
                            }
                            closed = true
                            break
                        }
                        if atEndOfInput { closed = true; break }
                        return .needMoreData
                    }
                    if byte == UInt8(ascii: "\n") { newlinesInside += 1 }
                    index += 1
                }
                if !closed {
                    if atEndOfInput {
                        throw IngestFileError(file: "", line: fieldLine, message: "a quote opened on line \(fieldLine) (field \(fields.count + 1) of the record starting on line \(nextLine)) is never closed: the file ends inside quotes")
                    }
                    return .needMoreData
                }
                var range = FieldRange(start: contentStart, end: index, hasEscapedQuotes: escaped)
                index += 1 // closing quote
                // `"..."\r\n`: step over the \r so the line end is seen next.
                if index < end && bytes[index] == UInt8(ascii: "\r") {
                    if index + 1 < end {
                        if bytes[index + 1] == UInt8(ascii: "\n") { index += 1 }
                    } else if !atEndOfInput {
                        return .needMoreData
                    } else {
                        index += 1
                    }
                }
                // After the closing quote only a separator or line end may follow.
                if index < end && bytes[index] != UInt8(ascii: ",") && bytes[index] != UInt8(ascii: "\n") {
                    if malformedField == nil { malformedField = fields.count }
                    while index < end && bytes[index] != UInt8(ascii: ",") && bytes[index] != UInt8(ascii: "\n") { index += 1 }
                    range.end = index
                    range.start = fieldStart
                    range.hasEscapedQuotes = false
                }
                fields.append(range)
            } else {
                while index < end {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\n") { break }
                    index += 1
                }
                var fieldEnd = index
                // A \r right before the line end belongs to the line end, not the field.
                if fieldEnd > fieldStart, bytes[fieldEnd - 1] == UInt8(ascii: "\r"),
                   index >= end || bytes[index] == UInt8(ascii: "\n") {
                    fieldEnd -= 1
                }
                fields.append(FieldRange(start: fieldStart, end: fieldEnd, hasEscapedQuotes: false))
            }
            if index >= end {
                if !atEndOfInput { return .needMoreData }
                // End of data closes the record.
                recordStart = position
                recordEnd = index
                if recordEnd > recordStart && bytes[recordEnd - 1] == UInt8(ascii: "\r") { recordEnd -= 1 }
                lineNumber = nextLine
                nextLine += 1 + newlinesInside
                consume(upTo: index)
                return .record
            }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                if index >= end && !atEndOfInput { return .needMoreData }
                if index >= end {
                    fields.append(FieldRange(start: index, end: index, hasEscapedQuotes: false))
                    recordStart = position
                    recordEnd = index
                    lineNumber = nextLine
                    nextLine += 1 + newlinesInside
                    consume(upTo: index)
                    return .record
                }
                continue
            }
            // Newline: the record ends.
            recordStart = position
            recordEnd = index
            if recordEnd > recordStart && bytes[recordEnd - 1] == UInt8(ascii: "\r") { recordEnd -= 1 }
            lineNumber = nextLine
            nextLine += 1 + newlinesInside
            consume(upTo: index + 1)
            return .record
        }
    }

    private func consume(upTo index: Int) {
        decodedBytesConsumed = discardedBefore + index
        position = index
    }

    /// Moves the unread tail to the front and reads more; grows the buffer for huge records.
    private func refill() throws {
        if position > 0 {
            let remaining = filled - position
            if remaining > 0 { (bytes).update(from: bytes + position, count: remaining) }
            discardedBefore += position
            filled = remaining
            position = 0
        }
        if filled == capacity {
            // Only an unclosed quote makes a record this long; fail clearly rather than eat memory.
            guard capacity < Self.maximumRecordBytes else {
                throw IngestFileError(file: "", line: nextLine, message: "the record starting on line \(nextLine) is longer than \(Self.maximumRecordBytes >> 20) MiB: most likely a quote that is never closed")
            }
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity * 2, alignment: 16)
            bigger.baseAddress!.copyMemory(from: storage.baseAddress!, byteCount: filled)
            storage.deallocate()
            storage = bigger
            capacity *= 2
            bytes = storage.baseAddress!.assumingMemoryBound(to: UInt8.self)
        }
        let count = try source.read(into: UnsafeMutableRawBufferPointer(start: bytes + filled, count: capacity - filled))
        if count == 0 { endOfInput = true }
        filled += count
    }
}
