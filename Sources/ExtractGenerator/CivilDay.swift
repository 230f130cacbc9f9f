/// A calendar date as a day number (days since 1970-01-01), so that the generator's date
/// arithmetic is plain integer arithmetic and never touches Foundation's time-zone machinery.
struct CivilDay: Hashable, Comparable, Sendable {
    var ordinal: Int

    init(ordinal: Int) {
        self.ordinal = ordinal
    }

    /// Proleptic Gregorian calendar (Howard Hinnant's `days_from_civil`).
    init(year: Int, month: Int, day: Int) {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let marchMonth = (month + 9) % 12
        let dayOfYear = (153 * marchMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        ordinal = era * 146_097 + dayOfEra - 719_468
    }

    var components: (year: Int, month: Int, day: Int) {
        let z = ordinal + 719_468
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

    /// ISO weekday: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday).
    var isoWeekday: Int {
        let r = (ordinal + 3) % 7
        return (r < 0 ? r + 7 : r) + 1
    }

    var isWeekend: Bool { isoWeekday >= 6 }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        case 4, 6, 9, 11:
            return 30
        default:
            return 31
        }
    }

    /// Whole calendar months later (or earlier when negative), the day clamped to the end of a
    /// shorter month — PostgreSQL's rule, which the handover computation in metrics.md follows.
    func addingMonths(_ months: Int) -> CivilDay {
        let (y, m, d) = components
        let total = y * 12 + (m - 1) + months
        let year = total >= 0 ? total / 12 : (total - 11) / 12
        let month = total - year * 12 + 1
        return CivilDay(year: year, month: month, day: min(d, CivilDay.daysInMonth(year: year, month: month)))
    }

    /// PostgreSQL's `date - interval 'm months d days'`: whole months first, then days.
    func subtracting(months: Int, days: Int) -> CivilDay {
        addingMonths(-months) - days
    }

    static func < (lhs: CivilDay, rhs: CivilDay) -> Bool { lhs.ordinal < rhs.ordinal }
    static func + (lhs: CivilDay, days: Int) -> CivilDay { CivilDay(ordinal: lhs.ordinal + days) }
    static func - (lhs: CivilDay, days: Int) -> CivilDay { CivilDay(ordinal: lhs.ordinal - days) }
    static func - (lhs: CivilDay, rhs: CivilDay) -> Int { lhs.ordinal - rhs.ordinal }
}

/// British Summer Time for Europe/London: from the last Sunday of March to the last Sunday of
/// October (the clocks change at 01:00 UTC). Contacts are recorded in office hours, far from the
/// change at night, so a whole day is either summer or winter time for our purposes.
enum LondonSummerTime {
    static func contains(_ day: CivilDay) -> Bool {
        let year = day.components.year
        return day >= lastSunday(year: year, month: 3) && day < lastSunday(year: year, month: 10)
    }

    static func lastSunday(year: Int, month: Int) -> CivilDay {
        let last = CivilDay(year: year, month: month, day: CivilDay.daysInMonth(year: year, month: month))
        return last - (last.isoWeekday % 7)
    }
}

/// The dates that frame one extract.
struct ExtractCalendar: Sendable {
    let year: Int
    /// First day of the extract year.
    let yearStart: CivilDay
    /// Last day covered by the extract (31 December of the year); nothing is dated after it.
    let extractEnd: CivilDay
    /// Bulk contacts (keywork, POM) are generated from here; earlier custody is history we skip
    /// to keep the file to one year plus a little context.
    let contactHistoryStart: CivilDay
    /// Staff rosters describe who was in post from here on; allocations start no earlier.
    let rosterStart: CivilDay

    init(year: Int, contactHistoryMonths: Int) {
        self.year = year
        yearStart = CivilDay(year: year, month: 1, day: 1)
        extractEnd = CivilDay(year: year, month: 12, day: 31)
        contactHistoryStart = yearStart.addingMonths(-contactHistoryMonths)
        rosterStart = CivilDay(year: year - 1, month: 1, day: 1)
    }
}
