import ThroughcareCore

/// PostgreSQL's binary COPY format, for the values the contract allows.
///
/// Why binary: with text COPY the server parses every timestamp, date and integer again
/// although ingest has already read and checked each of them (timestamp parsing alone was ~15% of
/// the server's CPU on the national contacts file, perf). Binary COPY hands the server finished
/// values: its CPU for 9.1 M contacts fell from 9.9 s to 8.3 s (docs/ingest.md).
///
/// The client converts only what it can convert exactly as the server would: an offset-less
/// timestamp is converted only on a local day with no clock change near it (`LondonDayOffsets`),
/// and a fraction finer than a microsecond (which the server rounds) is not converted at all.
/// Such a row goes to the server as text instead, after the binary rows (see `FileLoader`).
enum BinaryCopyFormat {
    /// Signature, flags (no OIDs) and an empty header extension.
    static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]
    /// A field count of -1 ends the data.
    static let trailer: [UInt8] = [0xFF, 0xFF]

    /// 2000-01-01, PostgreSQL's epoch, in days since 1970-01-01.
    static let postgresEpochDay = CivilDate.postgresEpochDaysSince1970

    /// Days from 1970-01-01 to a proleptic Gregorian date (PostgreSQL's calendar): `CivilDate`'s.
    @inline(__always)
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        CivilDate.daysSince1970(year: year, month: month, day: day)
    }

    @inline(__always)
    private static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int, _ count: Int) -> Int {
        var value = 0
        for index in offset..<(offset + count) { value = value * 10 + Int(bytes[index] &- 0x30) }
        return value
    }

    /// `YYYY-MM-DD` (already checked by `FieldValidation.isDate`) as days since 2000-01-01.
    @inline(__always)
    static func dateValue(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        let days = daysSince1970(year: number(bytes, 0, 4), month: number(bytes, 5, 2), day: number(bytes, 8, 2))
        return Int32(days - postgresEpochDay)
    }

    /// A whole number already checked by `FieldValidation.integer` (at most 9 digits).
    @inline(__always)
    static func integerValue(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        let negative = bytes[0] == UInt8(ascii: "-")
        let start = negative ? 1 : 0
        let magnitude = number(bytes, start, bytes.count - start)
        return Int32(negative ? -magnitude : magnitude)
    }

    /// A timestamp already checked by `FieldValidation.isTimestamp`, as microseconds since
    /// 2000-01-01 UTC; nil when only the server should read it (see the type's comment).
    @inline(__always)
    static func timestampValue(_ bytes: UnsafeBufferPointer<UInt8>, localOffsets: LondonDayOffsets?) -> Int64? {
        let day = daysSince1970(year: number(bytes, 0, 4), month: number(bytes, 5, 2), day: number(bytes, 8, 2))
        var seconds = number(bytes, 11, 2) * 3600 + number(bytes, 14, 2) * 60
        var microseconds = 0
        var index = 16
        if index < bytes.count && bytes[index] == UInt8(ascii: ":") {
            seconds += number(bytes, index + 1, 2)
            index += 3
            if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
                index += 1
                let start = index
                while index < bytes.count && FieldValidation.isDigit(bytes[index]) { index += 1 }
                let digits = index - start
                guard digits <= 6 else { return nil }
                microseconds = number(bytes, start, digits)
                for _ in digits..<6 { microseconds *= 10 }
            }
        }
        let offset: Int
        if index == bytes.count {
            guard let local = localOffsets?.offset(forLocalDay: day) else { return nil }
            offset = local
        } else if bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") {
            offset = 0
        } else {
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            let hours = number(bytes, index + 1, 2)
            let minutes: Int
            switch bytes.count - index - 1 {
            case 4: minutes = number(bytes, index + 3, 2)
            case 5: minutes = number(bytes, index + 4, 2)
            default: minutes = 0
            }
            offset = sign * (hours * 3600 + minutes * 60)
        }
        let utcSeconds = (day - postgresEpochDay) * 86_400 + seconds - offset
        return Int64(utcSeconds) * 1_000_000 + Int64(microseconds)
    }
}

/// Writes one binary COPY tuple into scratch memory with plain stores; the finished tuple then
/// joins the send buffer in a single append (an append per field was ~12% of ingest CPU, perf).
struct TupleWriter {
    let base: UnsafeMutableRawPointer
    private(set) var count = 0

    init(into base: UnsafeMutableRawPointer) {
        self.base = base
    }

    @inline(__always)
    mutating func put<Value: FixedWidthInteger>(_ value: Value) {
        base.storeBytes(of: value.bigEndian, toByteOffset: count, as: Value.self)
        count += MemoryLayout<Value>.size
    }

    @inline(__always)
    mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        if let start = bytes.baseAddress { (base + count).copyMemory(from: start, byteCount: bytes.count) }
        count += bytes.count
    }
}
