import ThroughcareCore

/// The sentence mixes the generator draws from. A pathway is how a case came to be in custody,
/// which fixes its sentence type and the shape of its length.
enum SentencePathway: Int, CaseIterable, Sendable {
    case determinateShort, determinateMedium, determinateLong, indeterminate

    /// Days from sentence start to the expected (conditional) release date — for indeterminate
    /// sentences, to tariff expiry.
    var custodyDays: RangeMix {
        switch self {
        case .determinateShort: return RangeMix([(0.35, 10...90), (0.40, 90...180), (0.25, 180...300)])
        case .determinateMedium: return RangeMix([(0.5, 300...540), (0.5, 540...900)])
        case .determinateLong: return RangeMix([(0.6, 900...1800), (0.3, 1800...3600), (0.1, 3600...7300)])
        case .indeterminate: return RangeMix([(0.35, 730...2920), (0.45, 2920...5475), (0.2, 5475...7300)])
        }
    }

    /// Indeterminate sentences run past tariff until the Parole Board directs release.
    static let daysBeyondTariff = RangeMix([(0.3, 0...365), (0.35, 365...1825), (0.25, 1825...3650), (0.1, 3650...6570)])

    /// Average stay, used to turn a population target into a reception rate.
    var meanStay: Double {
        self == .indeterminate ? custodyDays.mean + SentencePathway.daysBeyondTariff.mean : custodyDays.mean
    }

    var longestStay: Int {
        self == .indeterminate ? custodyDays.maximum + SentencePathway.daysBeyondTariff.maximum : custodyDays.maximum
    }
}

/// What distinguishes one kind of prison from another, as far as the metrics can see.
struct EstablishmentTypeProfile: Sendable {
    /// Typical number held (before the scale's population factor).
    let population: ClosedRange<Int>
    /// Share of the population on each pathway (SentencePathway order).
    let pathwayShare: [Double]
    /// Share of wing-days on which the keywork regime runs (before the establishment's own effect).
    let keyworkRegime: Double
    /// Share of cases given a keyworker at all.
    let keyworkerCoverage: Double
    /// How often POMs keep to a regular cadence.
    let pomEngagement: Double
    /// Resettlement work before release (COM contact, liaison, outcomes): 1 = average.
    let resettlementFocus: Double
    /// Shifts the case mix's risk of serious harm up (positive) or down.
    let riskShift: Double

    static func of(_ type: EstablishmentType) -> EstablishmentTypeProfile {
        switch type {
        case .local:
            return .init(population: 380...900, pathwayShare: [0.15, 0.40, 0.37, 0.08], keyworkRegime: 0.24,
                         keyworkerCoverage: 0.78, pomEngagement: 0.50, resettlementFocus: 0.9, riskShift: 0)
        case .training:
            return .init(population: 420...950, pathwayShare: [0.03, 0.32, 0.51, 0.14], keyworkRegime: 0.33,
                         keyworkerCoverage: 0.88, pomEngagement: 0.58, resettlementFocus: 1.0, riskShift: 0.05)
        case .resettlement:
            return .init(population: 300...650, pathwayShare: [0.08, 0.45, 0.41, 0.06], keyworkRegime: 0.36,
                         keyworkerCoverage: 0.9, pomEngagement: 0.62, resettlementFocus: 1.3, riskShift: -0.05)
        case .open:
            return .init(population: 250...520, pathwayShare: [0.03, 0.37, 0.45, 0.15], keyworkRegime: 0.29,
                         keyworkerCoverage: 0.86, pomEngagement: 0.56, resettlementFocus: 1.25, riskShift: -0.15)
        case .highSecurity:
            return .init(population: 480...800, pathwayShare: [0.0, 0.03, 0.55, 0.42], keyworkRegime: 0.41,
                         keyworkerCoverage: 0.95, pomEngagement: 0.64, resettlementFocus: 0.8, riskShift: 0.35)
        case .womens:
            return .init(population: 160...420, pathwayShare: [0.20, 0.38, 0.32, 0.10], keyworkRegime: 0.38,
                         keyworkerCoverage: 0.9, pomEngagement: 0.60, resettlementFocus: 1.15, riskShift: -0.1)
        case .yoi:
            return .init(population: 150...420, pathwayShare: [0.10, 0.42, 0.42, 0.06], keyworkRegime: 0.38,
                         keyworkerCoverage: 0.92, pomEngagement: 0.58, resettlementFocus: 1.05, riskShift: 0.05)
        }
    }
}

/// One prison of the extract, with the propensities that make its results differ from its
/// neighbours'. Propensities are the type's profile moved by a random establishment effect, so
/// that two local prisons are alike but not identical.
struct EstablishmentPlan: Sendable {
    let index: Int
    let code: String
    let name: String
    let type: EstablishmentType
    let operatorKind: EstablishmentOperator
    let prisonGroup: String
    let regionIndex: Int
    /// nil writes an empty field (the contract's default of one week).
    let keyworkFrequencyWeeks: Int?
    /// Target average number in custody.
    let population: Double

    /// Share of wing-days on which keywork runs (see RegimeCalendar).
    let keyworkRegime: Double
    /// Share of cases given a keyworker at all.
    let keyworkerCoverage: Double
    /// Odds that a POM keeps a case on a regular cadence in any stretch of a few months.
    let pomEngagement: Double
    /// Resettlement work before release (COM contact, liaison, plans, outcomes): 1 = average.
    let resettlementFocus: Double
    let riskShift: Double
    /// Share of high-risk cases given to probation-employed POMs, as OMiC intends.
    let probationPomPreference: Double
    /// Keyworkers relative to need; a thinly staffed prison also runs keywork less.
    let keyworkerStaffing: Double
    /// Periods when keywork is curtailed on some or all wings (staff shortages, lockdowns).
    let regime: RegimeCalendar

    var frequencyWeeks: Int { keyworkFrequencyWeeks ?? 1 }
}

/// The days on which an establishment's keywork regime is curtailed, wing by wing. Curtailment
/// (staff shortages, lockdowns) hits many cases at once, which is why regular keywork varies so
/// much between prisons and months; it rarely hits every wing, so a bad month is not uniform.
struct RegimeCalendar: Sendable {
    static let wingCount = 4

    private struct Span: Sendable {
        let days: ClosedRange<Int>
        /// Bit w set: wing w is curtailed.
        let wings: UInt8
    }

    /// Sorted, non-overlapping.
    private let curtailed: [Span]

    /// Wing-level odds of curtailment in a good spell and in a bad one.
    private static let curtailedInGoodSpell = 0.1
    private static let curtailedInBadSpell = 0.95

    /// `runningShare` is the expected share of wing-days on which keywork runs.
    init(from start: CivilDay, to end: CivilDay, runningShare: Double, rng: inout SeededGenerator) {
        let good = RegimeCalendar.curtailedInGoodSpell
        let bad = RegimeCalendar.curtailedInBadSpell
        // Share of good spells giving the wanted share of running wing-days.
        let goodSpells = clamp((runningShare - (1 - bad)) / (bad - good), 0, 1)
        var spans: [Span] = []
        var day = start.ordinal
        while day <= end.ordinal {
            // Spells of a few weeks, good or bad for the whole prison, each wing affected or not.
            let length = rng.int(14...56)
            let curtailOdds = rng.chance(goodSpells) ? good : bad
            var wings: UInt8 = 0
            for wing in 0..<RegimeCalendar.wingCount where rng.chance(curtailOdds) { wings |= 1 << UInt8(wing) }
            if wings != 0 { spans.append(Span(days: day...(day + length - 1), wings: wings)) }
            day += length
        }
        curtailed = spans
    }

    func isRunning(_ day: CivilDay, wing: Int) -> Bool {
        var low = 0
        var high = curtailed.count - 1
        while low <= high {
            let mid = (low + high) / 2
            let span = curtailed[mid]
            if day.ordinal < span.days.lowerBound {
                high = mid - 1
            } else if day.ordinal > span.days.upperBound {
                low = mid + 1
            } else {
                return span.wings & (1 << UInt8(wing)) == 0
            }
        }
        return true
    }
}

/// Lays out the establishments of an extract: names, codes, groups and propensities.
enum EstablishmentPlanner {
    static func plan(profile: ScaleProfile, calendar: ExtractCalendar, seed: UInt64) -> [EstablishmentPlan] {
        var rng = SeededGenerator(seed: seed, stream: .establishments)
        var usedNames = Set<String>()
        var usedCodes = Set<String>()
        var plans: [EstablishmentPlan] = []
        for layout in profile.layouts {
            let regionIndex = ProbationRegionCatalog.index(named: layout.regionName)
            let region = ProbationRegionCatalog.regions[regionIndex]
            let groups = Array(region.prisonGroups.prefix(layout.groupCount))
            var types = layout.establishmentTypes
            rng.shuffle(&types)
            for (position, type) in types.enumerated() {
                let typeProfile = EstablishmentTypeProfile.of(type)
                let place = PlaceNames.draw(&rng, avoiding: &usedNames)
                let code = establishmentCode(for: place, avoiding: &usedCodes)
                let name = displayName(place: place, type: type, region: region, rng: &rng)
                // Round-robin over groups after the shuffle, so every group gets establishments.
                let group = groups[position % groups.count]
                let frequency: Int? = {
                    let roll = rng.unit()
                    if roll < 0.62 { return nil }
                    if roll < 0.86 { return 1 }
                    return 2
                }()
                let population = Double(rng.int(typeProfile.population)) * profile.populationFactor
                // The establishment effect: one draw shared by keywork and POM work, since a
                // well-run prison tends to do both better, plus independent noise for each.
                let leadership = rng.bell(center: 0, spread: 0.08)
                let keyworkRegime = clamp(typeProfile.keyworkRegime + leadership + rng.bell(center: 0, spread: 0.1), 0.15, 0.95)
                let staffing = clamp(0.8 + (keyworkRegime - 0.33) * 0.8 + rng.bell(center: 0, spread: 0.1), 0.4, 1.2)
                let operatorKind: EstablishmentOperator = rng.chance(type == .highSecurity || type == .womens ? 0.05 : 0.16) ? .privateSector : .publicSector
                plans.append(EstablishmentPlan(
                    index: plans.count,
                    code: code,
                    name: name,
                    type: type,
                    operatorKind: operatorKind,
                    prisonGroup: group,
                    regionIndex: regionIndex,
                    keyworkFrequencyWeeks: frequency,
                    population: population,
                    keyworkRegime: keyworkRegime,
                    keyworkerCoverage: clamp(typeProfile.keyworkerCoverage + rng.bell(center: 0, spread: 0.05), 0.5, 0.99),
                    pomEngagement: clamp(typeProfile.pomEngagement + leadership + rng.bell(center: 0, spread: 0.08), 0.05, 0.95),
                    resettlementFocus: clamp(typeProfile.resettlementFocus * (1 + rng.bell(center: 0, spread: 0.15)), 0.4, 1.8),
                    riskShift: typeProfile.riskShift,
                    probationPomPreference: clamp(rng.bell(center: 0.62, spread: 0.15), 0.15, 0.95),
                    keyworkerStaffing: staffing,
                    regime: RegimeCalendar(from: calendar.rosterStart, to: calendar.extractEnd, runningShare: keyworkRegime, rng: &rng)
                ))
            }
        }
        return plans
    }

    /// Three upper-case letters from the place name (`Thornmoor` → `THO`, else `THR`, …), then
    /// two letters and a digit; always 2–5 characters of A–Z/0–9 as the contract requires.
    private static func establishmentCode(for place: String, avoiding used: inout Set<String>) -> String {
        let letters = Array(place.uppercased().unicodeScalars.filter { $0.value >= 65 && $0.value <= 90 }.map(Character.init))
        for i in 1..<letters.count {
            for j in (i + 1)..<letters.count {
                let candidate = String([letters[0], letters[i], letters[j]])
                if used.insert(candidate).inserted { return candidate }
            }
        }
        for i in 1..<letters.count {
            for digit in 0...9 {
                let candidate = String([letters[0], letters[i]]) + String(digit)
                if used.insert(candidate).inserted { return candidate }
            }
        }
        // Unreachable with a few hundred establishments; still a valid code.
        var serial = used.count
        while !used.insert("X\(serial)").inserted { serial += 1 }
        return "X\(serial)"
    }

    private static func displayName(place: String, type: EstablishmentType, region: ProbationRegion, rng: inout SeededGenerator) -> String {
        let prefix: String
        switch type {
        case .yoi: prefix = "HMYOI"
        case .womens: prefix = rng.chance(0.5) ? "HMP/YOI" : "HMP"
        case .local: prefix = rng.chance(0.25) ? "HMP/YOI" : "HMP"
        default: prefix = "HMP"
        }
        // Some names carry the county after a comma, as in published lists; this also exercises
        // CSV quoting downstream.
        if rng.chance(0.3) {
            return "\(prefix) \(place), \(rng.element(of: region.counties))"
        }
        return "\(prefix) \(place)"
    }
}

func clamp(_ value: Double, _ lower: Double, _ upper: Double) -> Double {
    min(max(value, lower), upper)
}
