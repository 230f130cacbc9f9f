import ThroughcareCore

/// One row of contacts.csv before it is written. Small and flat: a national extract makes about
/// ten million of these, though only one case's worth exists at a time.
struct PlannedContact {
    var day: Int32
    /// Europe/London wall-clock minutes after midnight.
    var minute: Int16
    var type: ContactType
    var channel: ContactChannel
    var outcome: ContactOutcome
    var style: TimestampStyle
    var staff: Int32
    /// Minutes; -1 for an empty field.
    var duration: Int16
    /// Creation order within the case, to make the sort total (and so deterministic).
    var sequence: Int32
}

/// The knobs that, with the establishment propensities (EstablishmentTypeProfile: keywork regime,
/// POM engagement, resettlement focus), set the national level of the four headline metrics. They
/// were tuned together so that a national extract lands near the inspection's findings
/// (metrics.md, default parameters): regular keywork ≈34% of eligible case-months, regular POM
/// contact ≈36% of eligible case-quarters (a month is shorter than `pom_min_window_days`),
/// adequate POM–COM communication ≈13% and sufficient pre-release contact ≈33% of releases.
/// Volumes were tuned too: about 110 contacts per case, ~10 million in a national extract.
/// Changing any of them moves those levels; re-check with a national run.
enum ContactTuning {
    /// Days between recorded keywork sessions while the prison's regime runs, and while it is
    /// curtailed (multiplied by the establishment's keywork frequency in weeks). Curtailed
    /// sessions are still booked and recorded, but most are cancelled.
    static let keyworkGapRunning = RangeMix([(0.6, 1...3), (0.3, 3...6), (0.1, 6...12)])
    static let keyworkGapCurtailed = RangeMix([(0.6, 2...5), (0.4, 5...9)])
    static let keyworkCompletionCurtailed = 0.23
    /// Days between POM contacts for a case its POM is keeping up with, and for one that has
    /// slipped down the caseload.
    static let pomGapEngaged = 7...28
    static let pomGapStretched = 28...80
    /// Days between a POM's phone calls and written updates about the case (not "live").
    static let pomAdminGap = 7...28
    /// Days between a COM's letters and calls before the pre-release period.
    static let comInReachGap = 30...60
    /// Share of releases whose COM plans enough pre-release contact (× resettlement focus).
    static let prereleaseContactPlan = 0.37
    /// Odds of POM–COM liaison near handover and in the twelve weeks before release
    /// (× resettlement focus).
    static let liaisonAroundHandover = 0.32
    static let liaisonBeforeRelease = 0.12
}

/// Builds the contacts of one case: keywork sessions while a keyworker holds the case, POM
/// contacts, COM contact before release, POM–COM liaison and handover meetings — plus the noise
/// real extracts carry (sessions by staff not allocated to the case, a few contacts after release).
struct ContactSchedule {
    let history: CaseHistory
    let plan: EstablishmentPlan
    let roster: StaffRoster
    let calendar: ExtractCalendar
    private var rng: SeededGenerator
    private(set) var contacts: [PlannedContact] = []

    /// Nothing is dated before this: two years of history is more than any metric looks back.
    private let earliest: CivilDay
    private let firstCustodyDay: CivilDay
    private let lastCustodyDay: CivilDay
    /// Bulk contacts (keywork, POM) start here.
    private let bulkFrom: CivilDay

    init(history: CaseHistory, plan: EstablishmentPlan, roster: StaffRoster, calendar: ExtractCalendar, seed: UInt64) {
        self.history = history
        self.plan = plan
        self.roster = roster
        self.calendar = calendar
        rng = SeededGenerator(seed: seed, stream: .contacts, index: history.number)
        earliest = CivilDay(year: calendar.year - 2, month: 1, day: 1)
        firstCustodyDay = history.sentenceStart
        lastCustodyDay = history.lastCustodyDay(calendar)
        bulkFrom = max(history.sentenceStart, calendar.contactHistoryStart)
    }

    /// Plans every contact of the case into `output`, sorted by time. The caller passes the same
    /// array for every case so its storage is reused rather than reallocated ten million times.
    mutating func build(into output: inout [PlannedContact]) {
        output.removeAll(keepingCapacity: true)
        swap(&contacts, &output)
        if firstCustodyDay <= lastCustodyDay {
            keywork()
            pomContact()
        }
        comContact()
        liaison()
        contacts.sort { a, b in
            if a.day != b.day { return a.day < b.day }
            if a.minute != b.minute { return a.minute < b.minute }
            return a.sequence < b.sequence
        }
        swap(&contacts, &output)
    }

    // MARK: Keywork

    private mutating func keywork() {
        let frequency = plan.frequencyWeeks
        // Some prisoners rarely engage with keywork; their sessions are mostly refused.
        let completion = rng.chance(0.12) ? 0.45 : 0.9
        let wing = rng.int(0...(RegimeCalendar.wingCount - 1))
        let allocations = history.allocations.filter { $0.role == .keyworker }
        for allocation in allocations {
            let from = max(allocation.start, bulkFrom)
            let to = min(allocation.end ?? calendar.extractEnd, lastCustodyDay)
            guard from <= to else { continue }
            var day = from + rng.int(0...(4 * frequency))
            while day <= to {
                let running = plan.regime.isRunning(day, wing: wing)
                let session = day.isWeekend ? day + (8 - day.isoWeekday) : day  // Monday
                if session <= to {
                    let staff = rng.chance(0.05) ? coverStaff(.keyworker, on: session, otherwise: allocation.staff) : allocation.staff
                    let outcome = running ? keyworkOutcome(completion: completion)
                        : keyworkOutcome(completion: completion * ContactTuning.keyworkCompletionCurtailed, curtailed: true)
                    emit(.keyworkSession, on: session, staff: staff, channel: keyworkChannel(), outcome: outcome)
                }
                let gap = (running ? ContactTuning.keyworkGapRunning : ContactTuning.keyworkGapCurtailed).draw(&rng)
                day = day + gap * frequency
            }
        }
        // Cases waiting for (or never given) a keyworker sometimes see one anyway, recorded under
        // whoever was on the wing: sessions by staff not allocated to the case.
        let uncoveredUntil = allocations.first.map { $0.start - 1 } ?? lastCustodyDay
        if uncoveredUntil >= bulkFrom, rng.chance(0.25) {
            var day = bulkFrom + rng.int(5...30)
            while day <= min(uncoveredUntil, lastCustodyDay) {
                if let staff = roster.pick(from: roster.pool(.keyworker, at: plan.index), on: day, rng: &rng) {
                    emit(.keyworkSession, on: day, staff: staff.member, channel: keyworkChannel(), outcome: keyworkOutcome(completion: completion))
                }
                day = day + rng.int(20...60)
            }
        }
        // A rare session keyed in after the person had left: outside the custody window.
        if let release = history.release, release > bulkFrom, let last = allocations.last, rng.chance(0.004) {
            emit(.keyworkSession, on: release + rng.int(0...2), staff: last.staff, channel: .faceToFace, outcome: .completed)
        }
    }

    private mutating func keyworkOutcome(completion: Double, curtailed: Bool = false) -> ContactOutcome {
        if rng.chance(completion) { return .completed }
        switch rng.index(weights: curtailed ? [0.1, 0.8, 0.1] : [0.45, 0.4, 0.15]) {
        case 0: return .refused
        case 1: return .cancelled
        default: return .didNotAttend
        }
    }

    private mutating func keyworkChannel() -> ContactChannel {
        ContactChannel.allCases[rng.index(weights: [0.95, 0.01, 0.02, 0.02])]
    }

    // MARK: POM

    private mutating func pomContact() {
        let planned = history.releaseInView
        var engagement = plan.pomEngagement + (history.rosh.isHighOrAbove ? 0.08 : 0)
        // A POM merely supporting a COM-responsible case sees the person less.
        if history.responsibility.comResponsibleThroughout { engagement -= 0.2 }
        engagement = clamp(engagement, 0.03, 0.97)
        for allocation in history.allocations where allocation.role == .pom {
            let from = max(allocation.start, bulkFrom)
            let to = min(allocation.end ?? calendar.extractEnd, lastCustodyDay)
            guard from <= to else { continue }
            var day = from
            // An induction meeting soon after allocation.
            if allocation.start >= bulkFrom, rng.chance(0.8) {
                day = allocation.start + rng.int(1...14)
                if day <= to {
                    emit(.pomContact, on: weekday(day, within: from...to), staff: allocation.staff,
                         channel: rng.chance(0.85) ? .faceToFace : .video, outcome: pomOutcome())
                }
            }
            var engaged = rng.chance(engagement)
            var stateUntil = day + rng.int(30...120)
            day = day + (engaged ? rng.int(ContactTuning.pomGapEngaged) : rng.int(ContactTuning.pomGapStretched))
            while day <= to {
                if day > stateUntil {
                    // Work picks up in the months before release.
                    let nearRelease = planned.map { $0 - day <= 180 } ?? false
                    engaged = rng.chance(min(0.97, engagement + (nearRelease ? 0.1 : 0)))
                    stateUntil = day + rng.int(30...120)
                }
                let staff = rng.chance(0.03) ? coverStaff(.prisonPom, on: day, otherwise: allocation.staff) : allocation.staff
                emit(.pomContact, on: weekday(day, within: from...to), staff: staff, channel: pomChannel(), outcome: pomOutcome())
                day = day + (engaged ? rng.int(ContactTuning.pomGapEngaged) : rng.int(ContactTuning.pomGapStretched))
            }
            // Calls and written updates: most of a POM's recorded contact, none of it "live".
            day = from + rng.int(ContactTuning.pomAdminGap)
            while day <= to {
                emit(.pomContact, on: weekday(day, within: from...to), staff: allocation.staff,
                     channel: rng.chance(0.45) ? .phone : .written, outcome: rng.chance(0.95) ? .completed : .cancelled)
                day = day + rng.int(ContactTuning.pomAdminGap)
            }
        }
    }

    private mutating func pomChannel() -> ContactChannel {
        ContactChannel.allCases[rng.index(weights: [0.58, 0.14, 0.18, 0.10])]
    }

    private mutating func pomOutcome() -> ContactOutcome {
        ContactOutcome.allCases[rng.index(weights: [0.86, 0.04, 0.06, 0.04])]
    }

    // MARK: COM

    private mutating func comContact() {
        let comAllocations = history.allocations.filter { $0.role == .com }
        // A COM responsible from the start keeps in touch throughout custody.
        if history.responsibility.comResponsibleThroughout, let first = comAllocations.first {
            var day = max(first.start, bulkFrom) + rng.int(3...21)
            while day <= lastCustodyDay {
                emit(.comContact, on: weekday(day, within: firstCustodyDay...lastCustodyDay), staff: comStaff(on: day, comAllocations),
                     channel: ContactChannel.allCases[rng.index(weights: [0.15, 0.4, 0.35, 0.1])], outcome: comOutcome())
                day = day + rng.int(25...70)
            }
        }
        // Before the pre-release period, an allocated COM keeps in touch by letter and phone.
        if !history.responsibility.comResponsibleThroughout, let first = comAllocations.first {
            let until = min(lastCustodyDay, (history.releaseInView ?? lastCustodyDay + 85) - 85)
            var day = max(first.start, bulkFrom) + rng.int(ContactTuning.comInReachGap)
            while day <= until {
                emit(.comContact, on: weekday(day, within: firstCustodyDay...until), staff: comStaff(on: day, comAllocations),
                     channel: rng.chance(0.7) ? .written : .phone, outcome: rng.chance(0.9) ? .completed : .didNotAttend)
                day = day + rng.int(ContactTuning.comInReachGap)
            }
        }
        // Pre-release contact in the twelve weeks before release (or the release still to come).
        if let release = history.releaseInView, release - 84 <= calendar.extractEnd, release > firstCustodyDay {
            let windowStart = max(release - 84, firstCustodyDay)
            let windowEnd = min(release - 1, calendar.extractEnd)
            let holder = comAllocations.last { $0.start <= windowEnd }
            if let holder, windowStart <= windowEnd {
                let from = max(windowStart, holder.start)
                let planned = rng.chance(clamp(ContactTuning.prereleaseContactPlan * plan.resettlementFocus, 0.05, 0.95))
                let count = planned ? rng.int(3...6) : (rng.chance(0.5) ? rng.int(1...2) : 0)
                for _ in 0..<count {
                    let day = from + rng.int(0...(windowEnd - from))
                    emit(.comContact, on: weekday(day, within: from...windowEnd), staff: holder.staff,
                         channel: ContactChannel.allCases[rng.index(weights: [0.3, 0.35, 0.25, 0.1])], outcome: comOutcome())
                }
            } else if windowStart <= windowEnd, rng.chance(0.1) {
                // Contact recorded by a COM who is not allocated to the case.
                let region = history.releaseRegion ?? plan.regionIndex
                for _ in 0..<rng.int(1...2) {
                    let day = windowStart + rng.int(0...(windowEnd - windowStart))
                    if let staff = roster.pick(from: roster.comPool(region: region), on: day, rng: &rng) {
                        emit(.comContact, on: weekday(day, within: windowStart...windowEnd), staff: staff.member,
                             channel: .phone, outcome: comOutcome())
                    }
                }
            }
        }
        // The first appointment after release: outside the custody window, as real data has.
        if let release = history.release, release >= bulkFrom, rng.chance(0.35) {
            emit(.comContact, on: weekday(release + rng.int(0...3)), staff: comStaff(on: release, comAllocations),
                 channel: .faceToFace, outcome: rng.chance(0.85) ? .completed : .didNotAttend)
        }
    }

    private mutating func comOutcome() -> ContactOutcome {
        ContactOutcome.allCases[rng.index(weights: [0.88, 0.03, 0.06, 0.03])]
    }

    // MARK: Liaison and handover

    private mutating func liaison() {
        let focus = plan.resettlementFocus
        if let handover = history.responsibility.handoverDate, handover <= calendar.extractEnd, handover >= earliest {
            if rng.chance(clamp(ContactTuning.liaisonAroundHandover * focus, 0.02, 0.9)),
               let day = custodyDay(in: (handover - 56)...(handover + 28)) {
                emit(.pomComLiaison, on: day, staff: liaisonStaff(on: day), channel: liaisonChannel(), outcome: liaisonOutcome())
            }
            if rng.chance(0.12), let day = custodyDay(in: (handover - 7)...(handover + 28)) {
                emit(.handoverMeeting, on: day, staff: liaisonStaff(on: day), channel: rng.chance(0.5) ? .faceToFace : .video,
                     outcome: meetingOutcome())
            }
        }
        if let release = history.releaseInView, release > firstCustodyDay,
           rng.chance(clamp(ContactTuning.liaisonBeforeRelease * focus, 0.02, 0.9)),
           let day = custodyDay(in: (release - 84)...(release - 1)) {
            if rng.chance(0.8) {
                emit(.pomComLiaison, on: day, staff: liaisonStaff(on: day), channel: liaisonChannel(), outcome: liaisonOutcome())
            } else {
                emit(.handoverMeeting, on: day, staff: liaisonStaff(on: day), channel: rng.chance(0.5) ? .faceToFace : .video,
                     outcome: meetingOutcome())
            }
        }
        // Liaison at other times: real, but not what the communication metric looks for.
        if bulkFrom <= lastCustodyDay, rng.chance(0.15), let day = custodyDay(in: bulkFrom...lastCustodyDay) {
            emit(.pomComLiaison, on: day, staff: liaisonStaff(on: day), channel: liaisonChannel(), outcome: liaisonOutcome())
        }
    }

    private mutating func liaisonChannel() -> ContactChannel {
        ContactChannel.allCases[rng.index(weights: [0.1, 0.25, 0.35, 0.3])]
    }

    private mutating func liaisonOutcome() -> ContactOutcome {
        ContactOutcome.allCases[rng.index(weights: [0.9, 0.0, 0.07, 0.03])]
    }

    private mutating func meetingOutcome() -> ContactOutcome {
        ContactOutcome.allCases[rng.index(weights: [0.85, 0.05, 0.07, 0.03])]
    }

    /// A weekday inside both `range` and the visible custody window, or nil if they do not meet.
    private mutating func custodyDay(in range: ClosedRange<CivilDay>) -> CivilDay? {
        let from = max(range.lowerBound, firstCustodyDay, earliest)
        let to = min(range.upperBound, lastCustodyDay)
        guard from <= to else { return nil }
        return weekday(from + rng.int(0...(to - from)), within: from...to)
    }

    // MARK: Staff

    /// Liaison is recorded by either side: the COM if one holds the case, else the POM, else a
    /// COM of the region the person is going to.
    private mutating func liaisonStaff(on day: CivilDay) -> Int {
        let active = history.allocations.filter { $0.role != .keyworker && $0.isActive(on: day) }
        if !active.isEmpty { return rng.element(of: active).staff }
        if let com = history.allocations.last(where: { $0.role == .com }) { return com.staff }
        if let pom = history.allocations.last(where: { $0.role == .pom }) { return pom.staff }
        return anyStaff(roster.comPool(region: history.releaseRegion ?? plan.regionIndex), on: day)
    }

    private mutating func comStaff(on day: CivilDay, _ allocations: [Allocation]) -> Int {
        if let active = allocations.last(where: { $0.isActive(on: day) }) { return active.staff }
        if let any = allocations.last { return any.staff }
        return anyStaff(roster.comPool(region: history.releaseRegion ?? plan.regionIndex), on: day)
    }

    /// Another member of the same role at the prison, covering for the allocated one.
    private mutating func coverStaff(_ role: StaffRole, on day: CivilDay, otherwise allocated: Int) -> Int {
        roster.pick(from: roster.pool(role, at: plan.index), on: day, rng: &rng)?.member ?? allocated
    }

    private mutating func anyStaff(_ pool: [Int], on day: CivilDay) -> Int {
        if let picked = roster.pick(from: pool, on: day, rng: &rng) { return picked.member }
        // Every region a case can name has COMs (StaffRoster sizes pools by demand), so this is a
        // last resort that still references a real member of staff.
        return pool.first ?? 0
    }

    // MARK: Emitting

    /// Office work happens on weekdays: a weekend day moves to the Friday before, or the Monday
    /// after when Friday falls outside `range`.
    private func weekday(_ day: CivilDay, within range: ClosedRange<CivilDay>? = nil) -> CivilDay {
        guard day.isWeekend else { return day }
        let friday = day - (day.isoWeekday - 5)
        if range.map({ $0.contains(friday) }) ?? true { return friday }
        let monday = day + (8 - day.isoWeekday)
        if range.map({ $0.contains(monday) }) ?? true { return monday }
        return day
    }

    private mutating func emit(_ type: ContactType, on day: CivilDay, staff: Int, channel: ContactChannel, outcome: ContactOutcome) {
        // Only contacts up to the end of the extract exist yet.
        guard day <= calendar.extractEnd, day >= earliest else { return }
        let minute: Int
        if rng.chance(0.02) {
            minute = rng.int(216...228) * 5  // recorded in the early evening
        } else if type == .keyworkSession {
            minute = (rng.chance(0.55) ? rng.int(108...138) : rng.int(168...198)) * 5
        } else {
            minute = rng.int(108...198) * 5
        }
        let roll = rng.unit()
        let style: TimestampStyle = roll < 0.86 ? .utc : (roll < 0.93 ? .offset : .londonLocal)
        contacts.append(PlannedContact(day: Int32(day.ordinal), minute: Int16(minute), type: type, channel: channel,
                                       outcome: outcome, style: style, staff: Int32(staff),
                                       duration: Int16(duration(type, channel, outcome)), sequence: Int32(contacts.count)))
    }

    private mutating func duration(_ type: ContactType, _ channel: ContactChannel, _ outcome: ContactOutcome) -> Int {
        if rng.chance(0.03) { return -1 }
        switch outcome {
        case .cancelled, .didNotAttend: return rng.chance(0.7) ? -1 : 0
        case .refused: return rng.int(0...5)
        case .completed: break
        }
        if channel == .written { return rng.chance(0.7) ? -1 : rng.int(1...6) * 5 }
        let fives: ClosedRange<Int>
        switch type {
        case .keyworkSession: fives = channel == .phone ? 1...4 : 2...12
        case .pomContact: fives = 4...18
        case .comContact: fives = 6...15
        case .pomComLiaison: fives = channel == .faceToFace ? 4...12 : 2...8
        case .handoverMeeting: fives = 9...24
        }
        return rng.int(fives) * 5
    }
}
