import ThroughcareCore

/// One custodial episode (a row of cases.csv) with everything later stages need to place its
/// allocations, contacts and assessments.
struct CaseHistory: Sendable {
    /// The number in the case id (`K0000042`); cases are numbered in sentence-start order.
    var number: Int = 0
    /// Creation order; breaks ties when sorting so that numbering is deterministic.
    let serial: Int
    let prisoner: Int
    let establishment: Int
    let sentenceType: SentenceType
    let sentenceStart: CivilDay
    let expectedRelease: CivilDay?
    let paroleEligibility: CivilDay?
    /// Actual release; nil while still in custody at the end of the extract.
    let release: CivilDay?
    let tier: Tier?
    let rosh: RiskOfSeriousHarm
    let mappaLevel: Int
    /// Index into ProbationRegionCatalog.regions.
    let releaseRegion: Int?
    let responsibility: Responsibility
    var allocations: [Allocation] = []
    /// The release pre-release work prepares for: the actual release, or for a case still in
    /// custody the earliest expected date still ahead of the extract end (nil when none is —
    /// a lifer held past tariff has no release in view).
    let releaseInView: CivilDay?

    /// Last day in custody that the extract can see: the day before release, or the extract end.
    func lastCustodyDay(_ calendar: ExtractCalendar) -> CivilDay {
        if let release { return min(release - 1, calendar.extractEnd) }
        return calendar.extractEnd
    }
}

/// What the population builder knows about a person while it follows them through episodes.
private struct PersonProfile {
    let prisoner: Int
    let isFemale: Bool
    let tier: Tier?
    let rosh: RiskOfSeriousHarm
    let mappaLevel: Int
    let releaseRegion: Int?
}

/// Builds the cases of an extract by simulating receptions into each establishment for long
/// enough that the population at the start of the year is a realistic stock (long sentences
/// over-represented, as in any prison), then following each release for a possible recall.
///
/// Each establishment's reception rate per pathway is its population target × the pathway's share
/// ÷ the pathway's mean stay, so the stock comes out near the target. A case is kept when it is in
/// custody at some point of the extract year, or released in it.
struct CasePopulationBuilder {
    let establishments: [EstablishmentPlan]
    let calendar: ExtractCalendar
    let handoverRules: HandoverRules
    let seed: UInt64

    /// About 30% of releases are followed by a recall, four in ten of them within 28 days.
    static let recallWithin28Days = 0.12
    static let recallLater = 0.18
    static let laterRecallGap = RangeMix([(0.5, 29...120), (0.35, 120...365), (0.15, 365...730)])

    private var localsByRegion: [Int: [Int]] = [:]
    private var womensByRegion: [Int: [Int]] = [:]
    private var allWomens: [Int] = []

    init(establishments: [EstablishmentPlan], calendar: ExtractCalendar, handoverRules: HandoverRules, seed: UInt64) {
        self.establishments = establishments
        self.calendar = calendar
        self.handoverRules = handoverRules
        self.seed = seed
        for plan in establishments {
            if plan.type == .local { localsByRegion[plan.regionIndex, default: []].append(plan.index) }
            if plan.type == .womens {
                womensByRegion[plan.regionIndex, default: []].append(plan.index)
                allWomens.append(plan.index)
            }
        }
    }

    func build() -> [CaseHistory] {
        var rng = SeededGenerator(seed: seed, stream: .population)
        var kept: [CaseHistory] = []
        var serial = 0
        var prisonerCount = 0
        // Releases this long before the year can still lead to a recall inside it.
        let chainHorizon = calendar.yearStart - (CasePopulationBuilder.laterRecallGap.maximum + 30)

        for plan in establishments {
            let typeProfile = EstablishmentTypeProfile.of(plan.type)
            for pathway in SentencePathway.allCases {
                let share = typeProfile.pathwayShare[pathway.rawValue]
                guard share > 0 else { continue }
                let perDay = plan.population * share / pathway.meanStay
                let from = calendar.yearStart - (pathway.longestStay + 30)
                let days = calendar.extractEnd - from + 1
                let expected = perDay * Double(days)
                var receptions = Int(expected)
                if rng.chance(expected - Double(receptions)) { receptions += 1 }
                for _ in 0..<receptions {
                    let start = from + rng.int(0...(days - 1))
                    prisonerCount += 1
                    let person = drawPerson(prisoner: prisonerCount, at: plan, pathway: pathway, rng: &rng)
                    var episode = primaryEpisode(pathway: pathway, start: start, rng: &rng)
                    var establishment = plan.index
                    var profile = person
                    // Follow the person through release and recall until the chain leaves the
                    // extract.
                    while true {
                        serial += 1
                        if episode.start <= calendar.extractEnd && episode.release >= calendar.yearStart {
                            kept.append(makeCase(serial: serial, person: profile, establishment: establishment, episode: episode))
                        }
                        guard episode.release <= calendar.extractEnd, episode.release >= chainHorizon,
                              let gap = recallGap(rng: &rng) else { break }
                        let recallStart = episode.release + gap
                        guard recallStart <= calendar.extractEnd else { break }
                        profile = recalled(profile, rng: &rng)
                        establishment = recallEstablishment(for: profile, from: establishment, rng: &rng)
                        episode = recallEpisode(start: recallStart, rng: &rng)
                    }
                }
            }
        }
        kept.sort { a, b in
            if a.sentenceStart != b.sentenceStart { return a.sentenceStart < b.sentenceStart }
            if a.establishment != b.establishment { return a.establishment < b.establishment }
            return a.serial < b.serial
        }
        for i in kept.indices { kept[i].number = i + 1 }
        return kept
    }

    // MARK: Episodes

    private struct Episode {
        let type: SentenceType
        let start: CivilDay
        let expectedRelease: CivilDay?
        let paroleEligibility: CivilDay?
        /// Actual release, possibly after the extract end (then the case is still in custody).
        let release: CivilDay
    }

    private func primaryEpisode(pathway: SentencePathway, start: CivilDay, rng: inout SeededGenerator) -> Episode {
        let days = pathway.custodyDays.draw(&rng)
        if pathway == .indeterminate {
            let tariff = start + days
            let expected: CivilDay? = rng.chance(0.88) ? tariff : nil
            // Lifers' parole eligibility coincides with tariff expiry; some records carry only one.
            let parole: CivilDay? = rng.chance(expected == nil ? 0.5 : 0.3) ? tariff : nil
            let release = tariff + SentencePathway.daysBeyondTariff.draw(&rng)
            return Episode(type: .indeterminate, start: start, expectedRelease: expected, paroleEligibility: parole, release: release)
        }
        let expected = start + days
        // Extended sentences: parole eligibility at two thirds of the custodial term.
        let parole: CivilDay? = pathway == .determinateLong && rng.chance(0.4) ? start + days * 2 / 3 : nil
        let release: CivilDay
        if rng.chance(0.003) {
            release = start  // time served on remand: released the day custody began
        } else if let parole {
            release = rng.chance(0.28) ? min(parole + rng.int(0...90), expected) : expected
        } else if days >= 84, rng.chance(0.2) {
            release = expected - rng.int(14...min(180, days / 2))  // home detention curfew
        } else {
            release = expected + (rng.chance(0.06) ? rng.int(1...10) : 0)
        }
        return Episode(type: .determinate, start: start, expectedRelease: expected, paroleEligibility: parole, release: release)
    }

    /// Fixed-term recalls (14 or 28 days) and standard recalls to the end of the sentence.
    private func recallEpisode(start: CivilDay, rng: inout SeededGenerator) -> Episode {
        let kind = rng.index(weights: [0.25, 0.25, 0.5])
        let expected: CivilDay
        let release: CivilDay
        switch kind {
        case 0, 1:
            expected = start + (kind == 0 ? 14 : 28)
            release = expected + (rng.chance(0.1) ? rng.int(1...3) : 0)
        default:
            let days = rng.int(90...540)
            expected = start + days
            release = rng.chance(0.35) ? start + rng.int(56...min(180, days)) : expected
        }
        return Episode(type: .recall, start: start, expectedRelease: expected, paroleEligibility: nil, release: release)
    }

    private func recallGap(rng: inout SeededGenerator) -> Int? {
        let roll = rng.unit()
        if roll < CasePopulationBuilder.recallWithin28Days { return rng.int(1...28) }
        if roll < CasePopulationBuilder.recallWithin28Days + CasePopulationBuilder.recallLater {
            return CasePopulationBuilder.laterRecallGap.draw(&rng)
        }
        return nil
    }

    /// Recalls are received by a local prison (or a women's prison) in the region the person was
    /// released to, when the extract has one.
    private func recallEstablishment(for person: PersonProfile, from current: Int, rng: inout SeededGenerator) -> Int {
        let region = person.releaseRegion ?? establishments[current].regionIndex
        if person.isFemale {
            if let options = womensByRegion[region], !options.isEmpty { return rng.element(of: options) }
            return establishments[current].type == .womens ? current : (allWomens.isEmpty ? current : rng.element(of: allWomens))
        }
        if let options = localsByRegion[region], !options.isEmpty { return rng.element(of: options) }
        return current
    }

    // MARK: People

    private func drawPerson(prisoner: Int, at plan: EstablishmentPlan, pathway: SentencePathway, rng: inout SeededGenerator) -> PersonProfile {
        let s = plan.riskShift + (pathway == .indeterminate ? 0.5 : 0) + (pathway == .determinateLong ? 0.12 : 0)
        let weights = [max(0.02, 0.24 - 0.4 * s), max(0.05, 0.49 - 0.2 * s), 0.24 + 0.45 * s, max(0.01, 0.03 + 0.15 * s)]
        let rosh = RiskOfSeriousHarm.allCases[rng.index(weights: weights)]
        let tier: Tier?
        if rng.chance(0.04) {
            tier = nil  // not yet tiered
        } else {
            let tierWeights: [Double]
            switch rosh {
            case .low: tierWeights = [0.02, 0.08, 0.4, 0.5]
            case .medium: tierWeights = [0.05, 0.3, 0.45, 0.2]
            case .high: tierWeights = [0.35, 0.45, 0.15, 0.05]
            case .veryHigh: tierWeights = [0.7, 0.25, 0.05, 0.0]
            }
            tier = Tier.allCases[rng.index(weights: tierWeights)]
        }
        let mappaWeights: [Double]
        switch rosh {
        case .low: mappaWeights = [0.99, 0.01, 0, 0]
        case .medium: mappaWeights = [0.93, 0.06, 0.01, 0]
        case .high: mappaWeights = [0.69, 0.22, 0.08, 0.01]
        case .veryHigh: mappaWeights = [0.25, 0.3, 0.3, 0.15]
        }
        let releaseRegion: Int?
        let roll = rng.unit()
        if roll < 0.03 {
            releaseRegion = nil
        } else if roll < 0.83 {
            releaseRegion = plan.regionIndex
        } else {
            releaseRegion = rng.int(0...(ProbationRegionCatalog.regions.count - 1))
        }
        return PersonProfile(prisoner: prisoner, isFemale: plan.type == .womens, tier: tier, rosh: rosh,
                             mappaLevel: rng.index(weights: mappaWeights), releaseRegion: releaseRegion)
    }

    /// A recalled person keeps their profile; risk is sometimes reassessed up a step.
    private func recalled(_ person: PersonProfile, rng: inout SeededGenerator) -> PersonProfile {
        var rosh = person.rosh
        if rng.chance(0.12), let i = RiskOfSeriousHarm.allCases.firstIndex(of: rosh), i + 1 < RiskOfSeriousHarm.allCases.count {
            rosh = RiskOfSeriousHarm.allCases[i + 1]
        }
        return PersonProfile(prisoner: person.prisoner, isFemale: person.isFemale, tier: person.tier, rosh: rosh,
                             mappaLevel: person.mappaLevel, releaseRegion: person.releaseRegion)
    }

    private func makeCase(serial: Int, person: PersonProfile, establishment: Int, episode: Episode) -> CaseHistory {
        let released = episode.release <= calendar.extractEnd
        let ahead = [episode.paroleEligibility, episode.expectedRelease].compactMap { $0 }.filter { $0 > calendar.extractEnd }
        return CaseHistory(
            serial: serial,
            prisoner: person.prisoner,
            establishment: establishment,
            sentenceType: episode.type,
            sentenceStart: episode.start,
            expectedRelease: episode.expectedRelease,
            paroleEligibility: episode.paroleEligibility,
            release: released ? episode.release : nil,
            tier: person.tier,
            rosh: person.rosh,
            mappaLevel: person.mappaLevel,
            releaseRegion: person.releaseRegion,
            responsibility: Responsibility(sentenceType: episode.type, sentenceStart: episode.start,
                                           expectedRelease: episode.expectedRelease, paroleEligibility: episode.paroleEligibility,
                                           rules: handoverRules),
            releaseInView: released ? episode.release : ahead.min()
        )
    }
}

/// Prisoner numbers in the NOMIS shape `A1234BC`. A fixed bijection of the person's serial, so
/// that numbers are unique without a lookup table yet do not look sequential.
enum PrisonerNumber {
    private static let space = 26 * 10_000 * 26 * 26  // letter, four digits, two letters

    static func format(_ serial: Int) -> String {
        // 7_919 is prime and `space` is 2^7·5^4·13^3, so multiplying by it permutes the space.
        var n = (serial &* 7_919 &+ 1_234_567) % space
        let last = n % 26; n /= 26
        let middle = n % 26; n /= 26
        let digits = n % 10_000; n /= 10_000
        let first = n % 26
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var result = String(letters[first])
        let d = String(digits)
        result += String(repeating: "0", count: 4 - d.count) + d
        result.append(letters[middle])
        result.append(letters[last])
        return result
    }
}
