import ThroughcareCore

/// One row of staff.csv.
struct StaffMember: Sendable {
    /// The number in the staff id (`S000123`).
    let number: Int
    let role: StaffRole
    let establishment: Int?
    /// Index into ProbationRegionCatalog.regions; set for COMs only.
    let region: Int?
    /// Full-time equivalent in tenths (10 = 1.0), so it prints exactly.
    let fteTenths: Int
    let start: CivilDay
    /// Last day in post; nil while in post at the end of the extract.
    let end: CivilDay?

    func isInPost(on day: CivilDay) -> Bool {
        start <= day && (end.map { day <= $0 } ?? true)
    }
}

/// Everyone in post during the extract, grouped into the pools allocations are drawn from:
/// prison roles per establishment, COMs per probation region.
struct StaffRoster: Sendable {
    private(set) var members: [StaffMember] = []
    /// [establishment][StaffRole index] → member indices.
    private var establishmentPools: [[[Int]]]
    /// [region] → COM member indices.
    private var comPools: [[Int]]

    /// How long staff had been in post when the roster begins.
    private static let tenure = RangeMix([(0.2, 30...365), (0.5, 365...2920), (0.3, 2920...7300)])

    /// Roster for the extract: each establishment staffed in proportion to its population, COMs
    /// in proportion to the cases heading to each region (so every region a case names has COMs).
    /// Leavers are replaced after a recruitment gap.
    init(establishments: [EstablishmentPlan], cases: [CaseHistory], calendar: ExtractCalendar, seed: UInt64) {
        var rng = SeededGenerator(seed: seed, stream: .staff)
        establishmentPools = Array(repeating: Array(repeating: [], count: StaffRole.allCases.count), count: establishments.count)
        comPools = Array(repeating: [], count: ProbationRegionCatalog.regions.count)

        for plan in establishments {
            let p = plan.population
            let seats: [(StaffRole, Int)] = [
                (.keyworker, max(3, Int((p / 7 * plan.keyworkerStaffing).rounded()))),
                (.prisonPom, max(1, Int((p / 85 * rng.double(0.8, 1.2)).rounded()))),
                // Some prisons run with no probation POM in post (vacancies are common).
                (.probationPom, p < 150 ? (rng.chance(0.85) ? 1 : 0) : max(rng.chance(0.08) ? 0 : 1, Int((p / 130 * rng.double(0.6, 1.3)).rounded()))),
                (.spo, p > 550 ? 2 : 1),
                (.caseAdmin, 1 + Int(p / 250)),
            ]
            for (role, count) in seats {
                for _ in 0..<count {
                    addSeat(role: role, establishment: plan.index, region: nil, calendar: calendar, rng: &rng)
                }
            }
        }

        // COM demand: the cases heading to each region.
        var demand = Array(repeating: 0, count: ProbationRegionCatalog.regions.count)
        for c in cases {
            demand[c.releaseRegion ?? establishments[c.establishment].regionIndex] += 1
        }
        for (region, count) in demand.enumerated() where count > 0 {
            for _ in 0..<max(2, Int((Double(count) / 22).rounded())) {
                addSeat(role: .com, establishment: nil, region: region, calendar: calendar, rng: &rng)
            }
        }
    }

    /// One post: its holder at the start of the roster and, if they leave, their replacement.
    private mutating func addSeat(role: StaffRole, establishment: Int?, region: Int?, calendar: ExtractCalendar, rng: inout SeededGenerator) {
        let turnoverPerYear: Double
        switch role {
        case .keyworker: turnoverPerYear = 0.16
        case .prisonPom: turnoverPerYear = 0.14
        case .probationPom, .com: turnoverPerYear = 0.12
        case .spo: turnoverPerYear = 0.08
        case .caseAdmin: turnoverPerYear = 0.1
        }
        let span = calendar.extractEnd - calendar.rosterStart
        let rosterYears = Double(span) / 365.0
        var start = calendar.rosterStart - StaffRoster.tenure.draw(&rng)
        // A few posts are new during the roster period.
        if rng.chance(0.04) { start = calendar.rosterStart + rng.int(0...(span - 30)) }
        var holder = 0
        while true {
            holder += 1
            let leaves = holder == 1 ? rng.chance(turnoverPerYear * rosterYears) : rng.chance(turnoverPerYear * 0.5)
            var end: CivilDay?
            if leaves {
                let earliest = max(start, calendar.rosterStart) + 30
                if earliest <= calendar.extractEnd { end = earliest + rng.int(0...(calendar.extractEnd - earliest)) }
            }
            let member = StaffMember(number: members.count + 1, role: role, establishment: establishment, region: region,
                                     fteTenths: StaffRoster.drawFTE(role: role, rng: &rng), start: start, end: end)
            let index = members.count
            members.append(member)
            if let establishment {
                establishmentPools[establishment][StaffRole.allCases.firstIndex(of: role)!].append(index)
            } else if let region {
                comPools[region].append(index)
            }
            // The post is refilled after a recruitment gap, if that falls inside the extract.
            guard let end else { return }
            let next = end + rng.int(1...90)
            guard next <= calendar.extractEnd, holder < 3 else { return }
            start = next
        }
    }

    private static func drawFTE(role: StaffRole, rng: inout SeededGenerator) -> Int {
        // Mostly full time; part-time more common among probation staff.
        let partTime = role == .com || role == .probationPom ? 0.3 : 0.18
        guard rng.chance(partTime) else { return 10 }
        return [8, 8, 6, 5, 4][rng.int(0...4)]
    }

    // MARK: Lookups

    func pool(_ role: StaffRole, at establishment: Int) -> [Int] {
        establishmentPools[establishment][StaffRole.allCases.firstIndex(of: role)!]
    }

    func comPool(region: Int) -> [Int] {
        comPools[region]
    }

    /// A member of the pool in post on `day`, weighted by fte (a part-timer holds fewer cases).
    /// When nobody is in post that day, the next to arrive, with the day they start.
    func pick(from pool: [Int], on day: CivilDay, rng: inout SeededGenerator) -> (member: Int, from: CivilDay)? {
        var total = 0
        for i in pool where members[i].isInPost(on: day) { total += members[i].fteTenths }
        if total > 0 {
            var target = rng.int(0...(total - 1))
            for i in pool where members[i].isInPost(on: day) {
                if target < members[i].fteTenths { return (i, day) }
                target -= members[i].fteTenths
            }
        }
        var next: Int?
        for i in pool where members[i].start > day {
            if next == nil || members[i].start < members[next!].start { next = i }
        }
        if let next { return (next, members[next].start) }
        return nil
    }
}

/// One row of allocations.csv.
struct Allocation: Sendable {
    let staff: Int
    let role: AllocationRole
    let start: CivilDay
    /// Last day; nil while the allocation continues at the end of the extract.
    let end: CivilDay?

    func isActive(on day: CivilDay) -> Bool {
        start <= day && (end.map { day <= $0 } ?? true)
    }
}

/// Decides who held each case and when: keyworker, POM and COM allocations.
///
/// The timing follows practice as inspectors found it: keyworkers often allocated late or not at
/// all in local prisons; high-risk cases meant for probation POMs but not always given one; COM
/// allocation around the computed handover date — on time for about half, late for many, missing
/// for some.
struct AllocationPlanner {
    let establishments: [EstablishmentPlan]
    let roster: StaffRoster
    let calendar: ExtractCalendar
    let seed: UInt64

    private static let keyworkerDelay = RangeMix([(0.4, 0...7), (0.35, 8...28), (0.2, 29...90), (0.05, 91...200)])
    private static let pomDelay = RangeMix([(0.45, 0...14), (0.35, 15...60), (0.2, 61...200)])
    /// How long one staff member keeps a case before it moves on (reorganisation, wing moves).
    private static let keyworkerTenure = RangeMix([(0.5, 60...240), (0.5, 240...720)])
    private static let pomTenure = RangeMix([(0.5, 120...480), (0.5, 480...1200)])
    private static let comTenure = RangeMix([(1.0, 300...1500)])

    func allocate(_ history: inout CaseHistory) {
        var rng = SeededGenerator(seed: seed, stream: .allocations, index: history.number)
        let plan = establishments[history.establishment]
        var allocations: [Allocation] = []
        let inCustodyAtAll = history.release.map { $0 > history.sentenceStart } ?? true
        // Custody allocations end on the day of release.
        let custodyEnd = history.release

        if inCustodyAtAll, rng.chance(plan.keyworkerCoverage) {
            let first = recentStart(history.sentenceStart + AllocationPlanner.keyworkerDelay.draw(&rng), rng: &rng)
            allocations += segments(.keyworker, pool: roster.pool(.keyworker, at: plan.index), from: first, through: custodyEnd,
                                    tenure: AllocationPlanner.keyworkerTenure, rng: &rng)
        }

        let pomCoverage = history.responsibility.comResponsibleThroughout ? 0.55 : 0.93
        if inCustodyAtAll, rng.chance(pomCoverage) {
            let probationPoms = roster.pool(.probationPom, at: plan.index)
            let wantsProbation = rng.chance(history.rosh.isHighOrAbove ? plan.probationPomPreference : 0.22)
            let pool = wantsProbation && !probationPoms.isEmpty ? probationPoms : roster.pool(.prisonPom, at: plan.index)
            let first = recentStart(history.sentenceStart + AllocationPlanner.pomDelay.draw(&rng), rng: &rng)
            allocations += segments(.pom, pool: pool, from: first, through: custodyEnd, tenure: AllocationPlanner.pomTenure, rng: &rng)
        }

        if let first = comStart(history, plan: plan, rng: &rng) {
            let region = history.releaseRegion ?? plan.regionIndex
            // The COM carries on supervising after release, so the allocation stays open.
            allocations += segments(.com, pool: roster.comPool(region: region), from: first, through: nil,
                                    tenure: AllocationPlanner.comTenure, rng: &rng)
        }
        history.allocations = allocations
    }

    /// When a COM is first allocated, or nil for none (yet).
    private func comStart(_ history: CaseHistory, plan: EstablishmentPlan, rng: inout SeededGenerator) -> CivilDay? {
        let responsibility = history.responsibility
        let start = history.sentenceStart
        var first: CivilDay?
        if responsibility.comResponsibleThroughout {
            // Recalled people usually already have a COM from their licence period.
            if rng.chance(0.88) {
                first = start + (history.sentenceType == .recall ? rng.int(0...7) : rng.int(0...28))
            }
        } else if let handover = responsibility.handoverDate {
            let onTime = clamp(0.48 * plan.resettlementFocus, 0.2, 0.8)
            let roll = rng.unit()
            if roll < onTime {
                first = max(start, handover - rng.int(0...70))
            } else if roll < onTime + 0.3 {
                let room = max(1, min(150, (history.releaseInView ?? handover + 150) - handover - 1))
                first = handover + rng.int(1...room)
            } else if roll < onTime + 0.38, let release = history.release {
                first = release + rng.int(0...14)  // allocated only after release
            }
        } else if let release = history.release, rng.chance(0.8) {
            first = max(start, release - rng.int(14...90))
        }
        guard let day = first, day <= calendar.extractEnd else { return nil }
        return recentStart(day, rng: &rng)
    }

    /// Long-stay cases were allocated years ago; we only describe allocations from a little before
    /// the roster period, as the staff file does.
    private func recentStart(_ day: CivilDay, rng: inout SeededGenerator) -> CivilDay {
        let floor = calendar.rosterStart - 365
        return day < floor ? calendar.rosterStart - rng.int(0...365) : day
    }

    /// Consecutive allocations from `from` until `through` (inclusive; nil = open-ended), moving to
    /// another member of the pool when the holder leaves or the case is reallocated.
    private func segments(_ role: AllocationRole, pool: [Int], from: CivilDay, through: CivilDay?, tenure: RangeMix,
                          rng: inout SeededGenerator) -> [Allocation] {
        var result: [Allocation] = []
        var day = from
        let lastStart = min(through.map { $0 - 1 } ?? calendar.extractEnd, calendar.extractEnd)
        while day <= lastStart {
            guard let (member, start) = roster.pick(from: pool, on: day, rng: &rng), start <= lastStart else { break }
            var end = start + tenure.draw(&rng)
            if let leaves = roster.members[member].end, leaves < end { end = leaves }
            if let through, through <= end {
                result.append(Allocation(staff: member, role: role, start: start, end: through))
                break
            }
            if end >= calendar.extractEnd {
                result.append(Allocation(staff: member, role: role, start: start, end: nil))
                break
            }
            result.append(Allocation(staff: member, role: role, start: start, end: end))
            // Usually handed straight on; sometimes the case waits for a new allocation.
            day = end + 1 + (rng.chance(0.75) ? 0 : rng.int(1...30))
        }
        return result
    }
}
