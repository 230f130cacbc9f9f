import ThroughcareCore

/// One row of assessments.csv (the id is assigned when written).
struct PlannedAssessment {
    let kind: AssessmentKind
    let completed: CivilDay
    let staff: Int?
}

/// OASys assessments, sentence plans and release plans of one case.
///
/// Sentence plans are where the inspection found the gaps ("no sentence plan after a year"): most
/// cases get one within the eight weeks expected, a good number late, some never.
enum AssessmentPlanner {
    private static let oasysDelay = RangeMix([(0.7, 3...42), (0.2, 43...120), (0.1, 121...400)])
    private static let sentencePlanOnTime = 14...56
    private static let sentencePlanLate = RangeMix([(0.6, 57...180), (0.4, 181...450)])

    static func plan(_ history: CaseHistory, establishment: EstablishmentPlan, calendar: ExtractCalendar,
                     seed: UInt64) -> [PlannedAssessment] {
        var rng = SeededGenerator(seed: seed, stream: .assessments, index: history.number)
        var result: [PlannedAssessment] = []
        let start = history.sentenceStart
        let lastCustody = history.lastCustodyDay(calendar)
        let earliest = CivilDay(year: calendar.year - 2, month: 1, day: 1)
        let pom = history.allocations.first { $0.role == .pom }?.staff
        let com = history.allocations.first { $0.role == .com }?.staff

        func add(_ kind: AssessmentKind, _ day: CivilDay, staff: Int?) {
            // Only what exists by the end of the extract, and no older than two years of history
            // (long-stay cases' first assessments predate the systems the extract comes from).
            guard day <= calendar.extractEnd, day >= earliest else { return }
            result.append(PlannedAssessment(kind: kind, completed: day, staff: rng.chance(0.08) ? nil : staff))
        }

        // OASys: usually soon after sentence (sometimes a pre-sentence one), reviewed about
        // yearly on long sentences; only reviews from the last two years are kept.
        if rng.chance(0.92) {
            let first = rng.chance(0.05) ? start - rng.int(1...30) : start + oasysDelay.draw(&rng)
            if first <= lastCustody || history.release == nil {
                add(.oasys, first, staff: pom ?? com)
                var review = first + rng.int(300...420)
                while review <= lastCustody {
                    add(.oasys, review, staff: pom ?? com)
                    review = review + rng.int(300...420)
                }
            }
        }

        // Sentence plan: prisons with a resettlement focus manage it more often.
        let onTime = clamp(0.55 * establishment.resettlementFocus, 0.25, 0.85)
        let roll = rng.unit()
        var planDay: CivilDay?
        if roll < onTime {
            planDay = start + rng.int(sentencePlanOnTime)
        } else if roll < onTime + 0.25 {
            planDay = start + sentencePlanLate.draw(&rng)
        }
        // Plans are reviewed about yearly, which is also what keeps a long-stay case's plan inside
        // the two years of history the extract carries.
        var review = planDay
        while let day = review, day <= lastCustody {
            add(.sentencePlan, day, staff: pom ?? com)
            review = rng.chance(0.85) ? day + rng.int(300...540) : nil
        }

        // Release plan in the weeks before release.
        if let release = history.releaseInView, release > start, rng.chance(clamp(0.72 * establishment.resettlementFocus, 0.3, 0.95)) {
            let day = max(start, release - rng.int(7...84))
            add(.releasePlan, day, staff: com ?? pom)
        }
        return result
    }
}

/// One row of release_outcomes.csv.
struct ReleaseOutcome {
    let accommodation: Accommodation
    let hasID: Bool
    let hasBankAccount: Bool
    let eteArranged: Bool
}

/// Resettlement status on the day of release, near the inspection's findings: about four in ten
/// to settled accommodation, many without identification or a bank account, about one in twelve
/// into education, training or work. A few released cases have no outcome recorded at all.
enum ReleaseOutcomePlanner {
    static func outcome(for history: CaseHistory, establishment: EstablishmentPlan, seed: UInt64) -> ReleaseOutcome? {
        guard history.release != nil else { return nil }
        var rng = SeededGenerator(seed: seed, stream: .releaseOutcomes, index: history.number)
        guard rng.chance(0.97) else { return nil }
        let focus = establishment.resettlementFocus
        // High-risk and MAPPA cases go to approved premises far more often.
        let managed = history.rosh.isHighOrAbove || history.mappaLevel >= 2
        let weights = [0.44 * focus, 0.21, managed ? 0.30 : 0.05, 0.17 / focus, 0.11]
        let accommodation = Accommodation.allCases[rng.index(weights: weights)]
        let settled = accommodation == .settled
        let etePropensity: Double
        switch establishment.type {
        case .open, .resettlement: etePropensity = 0.15
        case .womens: etePropensity = 0.07
        default: etePropensity = 0.08
        }
        return ReleaseOutcome(
            accommodation: accommodation,
            hasID: rng.chance(settled ? 0.65 : 0.48),
            hasBankAccount: rng.chance(settled ? 0.6 : 0.4),
            eteArranged: rng.chance(etePropensity * (settled ? 1.3 : 0.8))
        )
    }
}
