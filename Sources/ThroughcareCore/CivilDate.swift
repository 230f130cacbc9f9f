/// A calendar date without time or zone (ISO `YYYY-MM-DD`), as the contract and the CLI use, and
/// the project's one calendar: the proleptic Gregorian calendar, as PostgreSQL's. Ingest's date
/// checks and binary COPY, and the generator's `CivilDay`, use the arithmetic below; the hot
/// functions are `@inlinable`, so other modules compile them into their per-row loops.
public struct CivilDate: Comparable, Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Years the contract (and PostgreSQL's `YYYY` form) can write.
    public static let years = 1...9999

    public init?(year: Int, month: Int, day: Int) {
        guard Self.years.contains(year), Self.isValid(year: year, month: month, day: day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// The date `days` after 1970-01-01 (nil outside years 1–9999).
    public init?(daysSince1970 days: Int) {
        let (year, month, day) = Self.civil(fromDaysSince1970: days)
        self.init(year: year, month: month, day: day)
    }

    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Days since 1970-01-01 (negative before).
    public var daysSince1970: Int { Self.daysSince1970(year: year, month: month, day: day) }

    /// Days since 2000-01-01, PostgreSQL's date epoch (its binary `date`).
    public var postgresDay: Int { daysSince1970 - Self.postgresEpochDaysSince1970 }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    public var isoWeekday: Int { Self.isoWeekday(daysSince1970: daysSince1970) }

    /// `days` later (earlier when negative); nil outside years 1–9999.
    public func adding(days: Int) -> CivilDate? { CivilDate(daysSince1970: daysSince1970 + days) }

    /// Whole calendar months later (earlier when negative), the day clamped to the end of a
    /// shorter month (PostgreSQL's `date + interval 'n months'`); nil outside years 1–9999.
    public func adding(months: Int) -> CivilDate? {
        let (y, m, d) = Self.adding(months: months, year: year, month: month, day: day)
        return CivilDate(year: y, month: m, day: d)
    }

    // MARK: The arithmetic, on plain integers

    /// 2000-01-01 in days since 1970-01-01.
    public static let postgresEpochDaysSince1970 = 10_957

    @inlinable
    public static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    @inlinable
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Whether month and day name a real day of the year (any year; see `years` for the range).
    @inlinable
    public static func isValid(year: Int, month: Int, day: Int) -> Bool {
        month >= 1 && month <= 12 && day >= 1 && day <= daysIn(month: month, year: year)
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date, any year (Howard Hinnant's
    /// `days_from_civil`).
    @inlinable
    public static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date `days` after 1970-01-01 (`civil_from_days`).
    @inlinable
    public static func civil(fromDaysSince1970 days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let marchMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * marchMonth + 2) / 5 + 1
        let month = marchMonth < 10 ? marchMonth + 3 : marchMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// ISO weekday of a day number: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday).
    @inlinable
    public static func isoWeekday(daysSince1970 days: Int) -> Int {
        let r = (days + 3) % 7
        return (r < 0 ? r + 7 : r) + 1
    }

    /// Whole calendar months later (or earlier), the day clamped to the end of a shorter month.
    @inlinable
    public static func adding(months: Int, year: Int, month: Int, day: Int) -> (year: Int, month: Int, day: Int) {
        let total = year * 12 + (month - 1) + months
        let newYear = total >= 0 ? total / 12 : (total - 11) / 12
        let newMonth = total - newYear * 12 + 1
        return (newYear, newMonth, min(day, daysIn(month: newMonth, year: newYear)))
    }
}
