import ThroughcareCore

/// Byte-level checks for the contract's field types. They accept a strict subset of what
/// PostgreSQL parses, so a row that passes here can never make COPY fail.
enum FieldValidation {
    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    static func trimmed(_ field: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = field.count
        while start < end && isSpace(field[start]) { start += 1 }
        while end > start && isSpace(field[end - 1]) { end -= 1 }
        return UnsafeBufferPointer(rebasing: field[start..<end])
    }

    @inline(__always)
    static func digits(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int, _ count: Int) -> Int? {
        var value = 0
        for index in offset..<(offset + count) {
            let byte = bytes[index]
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// `YYYY-MM-DD`, a real calendar day.
    static func isDate(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count == 10 else { return false }
        return isDatePrefix(bytes)
    }

    static func isDatePrefix(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = digits(bytes, 0, 4), let month = digits(bytes, 5, 2), let day = digits(bytes, 8, 2),
              year >= 1 else { return false }
        return CivilDate.isValid(year: year, month: month, day: day)
    }

    /// `YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z|±HH[:MM]|±HHMM]`.
    static func isTimestamp(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count >= 16, isDatePrefix(bytes) else { return false }
        let separator = bytes[10]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: " ") || separator == UInt8(ascii: "t") else { return false }
        guard let hour = digits(bytes, 11, 2), bytes[13] == UInt8(ascii: ":"), let minute = digits(bytes, 14, 2),
              hour < 24, minute < 60 else { return false }
        var index = 16
        if index < bytes.count && bytes[index] == UInt8(ascii: ":") {
            guard index + 3 <= bytes.count, let second = digits(bytes, index + 1, 2), second < 60 else { return false }
            index += 3
            if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
                index += 1
                let fractionStart = index
                while index < bytes.count && isDigit(bytes[index]) { index += 1 }
                guard index > fractionStart, index - fractionStart <= 9 else { return false }
            }
        }
        if index == bytes.count { return true }
        let zone = bytes[index]
        if zone == UInt8(ascii: "Z") || zone == UInt8(ascii: "z") { return index + 1 == bytes.count }
        guard zone == UInt8(ascii: "+") || zone == UInt8(ascii: "-") else { return false }
        let rest = bytes.count - index - 1
        switch rest {
        case 2:
            guard let hours = digits(bytes, index + 1, 2) else { return false }
            return hours <= 15
        case 4:
            guard let hours = digits(bytes, index + 1, 2), let minutes = digits(bytes, index + 3, 2) else { return false }
            return hours <= 15 && minutes < 60
        case 5:
            guard let hours = digits(bytes, index + 1, 2), bytes[index + 3] == UInt8(ascii: ":"),
                  let minutes = digits(bytes, index + 4, 2) else { return false }
            return hours <= 15 && minutes < 60
        default:
            return false
        }
    }

    /// Digits only (an optional leading minus), at most 9 of them.
    static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 10 else { return nil }
        let negative = bytes[0] == UInt8(ascii: "-")
        let start = negative ? 1 : 0
        guard bytes.count > start, let value = digits(bytes, start, bytes.count - start) else { return nil }
        return negative ? -value : value
    }

    /// A plain decimal (`1`, `0.5`, `.75`), value in (0, 1].
    static func isFTE(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 12 else { return false }
        var sawDigit = false
        var sawPoint = false
        for byte in bytes {
            if isDigit(byte) { sawDigit = true } else if byte == UInt8(ascii: "."), !sawPoint { sawPoint = true } else { return false }
        }
        guard sawDigit, let value = Double(String(decoding: bytes, as: UTF8.self)) else { return false }
        return value > 0 && value <= 1
    }

    /// true/false, t/f, 1/0, yes/no, any case.
    static func boolean(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        switch String(decoding: bytes, as: UTF8.self).lowercased() {
        case "true", "t", "1", "yes": return true
        case "false", "f", "0", "no": return false
        default: return nil
        }
    }

    static func isEstablishmentCode(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard (2...5).contains(bytes.count) else { return false }
        return bytes.allSatisfy { isDigit($0) || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) }
    }

    /// Unicode scalars in valid UTF-8 (what PostgreSQL's char_length counts): every byte that
    /// is not a continuation byte starts one.
    static func characterCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 0
        for byte in bytes where byte & 0xC0 != 0x80 { count += 1 }
        return count
    }

    /// Checks the whole record once: no NUL byte, valid UTF-8. Returns the reason if not.
    static func encodingProblem(_ record: UnsafeBufferPointer<UInt8>) -> String? {
        if isPlainASCII(record) { return nil }
        var hasHighBytes = false
        for byte in record {
            if byte == 0 { return "the line holds a NUL byte" }
            if byte >= 0x80 { hasHighBytes = true }
        }
        guard hasHighBytes else { return nil }
        var iterator = record.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return nil
            case .error: return "the line is not valid UTF-8 (perhaps Latin-1 or Windows-1252 text; re-export the file as UTF-8)"
            }
        }
    }

    /// True when no byte is NUL or above 0x7F, tested eight bytes at a time (almost every row of
    /// an extract is plain ASCII, and this check runs on every row). A word that might hold such
    /// a byte answers false and gets the exact byte-by-byte check.
    @inline(__always)
    static func isPlainASCII(_ record: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = record.baseAddress else { return true }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        var index = 0
        while index + 8 <= record.count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            if ((word &- ones) & ~word | word) & highBits != 0 { return false }
            index += 8
        }
        while index < record.count {
            if record[index] == 0 || record[index] >= 0x80 { return false }
            index += 1
        }
        return true
    }
}
