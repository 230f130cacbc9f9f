import ThroughcareCore

/// A calendar date as a day number (days since 1970-01-01), so that the generator's date
/// arithmetic is plain integer arithmetic and never touches Foundation's time-zone machinery.
/// A thin wrapper: the calendar itself is ThroughcareCore's `CivilDate`.
struct CivilDay: Hashable, Comparable, Sendable {
    var ordinal: Int

    init(ordinal: Int) {
        self.ordinal = ordinal
    }

    init(year: Int, month: Int, day: Int) {
        ordinal = CivilDate.daysSince1970(year: year, month: month, day: day)
    }

    var components: (year: Int, month: Int, day: Int) {
        CivilDate.civil(fromDaysSince1970: ordinal)
    }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    var isoWeekday: Int { CivilDate.isoWeekday(daysSince1970: ordinal) }

    var isWeekend: Bool { isoWeekday >= 6 }

    static func daysInMonth(year: Int, month: Int) -> Int {
        CivilDate.daysIn(month: month, year: year)
    }

    /// Whole calendar months later (or earlier when negative), the day clamped to the end of a
    /// shorter month — PostgreSQL's rule, which the handover computation in metrics.md follows.
    func addingMonths(_ months: Int) -> CivilDay {
        let (y, m, d) = components
        let moved = CivilDate.adding(months: months, year: y, month: m, day: d)
        return CivilDay(year: moved.year, month: moved.month, day: moved.day)
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
