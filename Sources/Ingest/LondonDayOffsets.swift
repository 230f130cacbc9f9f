import Foundation
import PostgresClient
import ThroughcareCore
import Warehouse

/// The UTC offset of each Europe/London local day, taken from the server's own time zone data,
/// so a client-side conversion of an offset-less timestamp agrees with what the server would
/// have read. Days next to a clock change have no entry: a time there may not exist or may
/// exist twice, and the contract says such a time is read as PostgreSQL reads it, so those rows
/// are left to the server's parser (they are about 1 in 60 of offset-less timestamps).
struct LondonDayOffsets: Sendable {
    /// Days since 1970-01-01 of `offsets[0]`.
    let firstDay: Int
    /// Seconds east of UTC for the whole local day, or `Int32.min` near a clock change.
    let offsets: [Int32]

    private static let unsafeDay = Int32.min

    /// The offset for every local time on `day` (days since 1970-01-01), or nil when the server
    /// must decide (near a clock change, or outside the table).
    @inline(__always)
    func offset(forLocalDay day: Int) -> Int? {
        let index = day - firstDay
        guard index >= 0 && index < offsets.count else { return nil }
        let offset = offsets[index]
        return offset == Self.unsafeDay ? nil : Int(offset)
    }

    /// `midnightOffsets` holds, for each day from `firstDay` on, the offset at its local midnight.
    /// A day keeps its offset only when the midnights from the day before to two days after all
    /// agree, so no clock change falls on it or next to it (the server resolves a local time
    /// against the change nearest it, looking a day back); this is stricter than needed, and
    /// cheap: the other days' rows just go as text.
    init(firstDay: Int, midnightOffsets: [Int32]) {
        self.firstDay = firstDay
        var offsets = midnightOffsets
        for index in midnightOffsets.indices {
            let neighbours = (index - 1)...(index + 2)
            let agree = neighbours.allSatisfy { neighbour in
                midnightOffsets.indices.contains(neighbour) && midnightOffsets[neighbour] == midnightOffsets[index]
            }
            if !agree { offsets[index] = Self.unsafeDay }
        }
        self.offsets = offsets
    }

    /// Reads the offsets for `years` from the server: one row per change, so the answer stays
    /// small (about two rows a year) while the server evaluates every day.
    static func load(years: ClosedRange<Int>, connection: PostgresConnection) throws -> LondonDayOffsets {
        guard let first = CivilDate(year: years.lowerBound, month: 1, day: 1),
              let last = CivilDate(year: years.upperBound, month: 12, day: 31) else {
            throw PostgresError(kind: .decoding, message: "years \(years) are outside the calendar")
        }
        let rows = try connection.call("ingest.london_offset_changes", first, last).rows
        let firstDay = BinaryCopyFormat.daysSince1970(year: years.lowerBound, month: 1, day: 1)
        let lastDay = BinaryCopyFormat.daysSince1970(year: years.upperBound, month: 12, day: 31)
        // Unknown until a row says otherwise, so a day the answer missed is never taken for GMT.
        var midnightOffsets = [Int32](repeating: unsafeDay, count: lastDay - firstDay + 1)
        for (position, row) in rows.enumerated() {
            let start = try row["day_number", as: Int.self] - firstDay
            let end = position + 1 < rows.count ? try rows[position + 1]["day_number", as: Int.self] - firstDay : midnightOffsets.count
            let offset = try row["offset_seconds", as: Int32.self]
            for index in start..<end { midnightOffsets[index] = offset }
        }
        return LondonDayOffsets(firstDay: firstDay, midnightOffsets: midnightOffsets)
    }

    /// The years an extract's timestamps fall in, generously: older and future-dated rows still
    /// load, through the server's parser.
    static func defaultYears(now: Date = Date()) -> ClosedRange<Int> {
        let year = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: now).year!
        return (year - 30)...(year + 5)
    }
}
