import Foundation
import ThroughcareCore

/// How much of the country a synthetic extract covers. Sizes are approximate and vary a little
/// with the seed.
public enum ExtractScale: String, CaseIterable, Sendable {
    /// Four small prisons in two regions (two per region and prison group): ~300–450 cases and
    /// ~20,000 contacts of the extract year only. Takes well under a second (tests).
    case small
    /// One probation region, ten prisons in three prison groups: ~7,000–8,000 cases and
    /// ~800,000–900,000 contacts (the year plus the year before as history).
    case region
    /// England and Wales: 120 prisons in the 12 probation regions: ~90,000 cases and ~9 million
    /// contacts (about a gigabyte; the year plus the year before as history).
    case national
}

/// Row counts of a written extract, keyed by file name (`contacts.csv`); headers not counted.
public struct ExtractSummary: Sendable {
    public var rowsByFile: [String: Int]

    public init(rowsByFile: [String: Int] = [:]) {
        self.rowsByFile = rowsByFile
    }
}

/// Writes a synthetic extract that satisfies every rule of the data contract
/// (shared/spec/data-contract.md) and behaves like the real thing: uneven establishments, a
/// realistic sentence mix with recalls, late allocations, and contact patterns that put the
/// headline metrics near the inspection's findings (metrics.md).
///
/// The same scale, seed and year always give byte-identical files.
public struct ExtractGenerator: Sendable {
    public let scale: ExtractScale
    /// Multiplies the scale: `scaleFactor` times its prisons (and so its cases, staff and
    /// contacts), in the same regions. 1 writes the scale itself, byte for byte.
    public let scaleFactor: Int
    public let seed: UInt64
    public let year: Int

    public static let scaleFactors = 1...50

    public init(scale: ExtractScale, scaleFactor: Int = 1, seed: UInt64, year: Int = 2024) {
        precondition(Self.scaleFactors.contains(scaleFactor), "scale factor \(scaleFactor) is outside \(Self.scaleFactors)")
        self.scale = scale
        self.scaleFactor = scaleFactor
        self.seed = seed
        self.year = year
    }

    /// Writes establishments.csv, staff.csv, cases.csv, allocations.csv, contacts.csv,
    /// assessments.csv and release_outcomes.csv into `directory` (created if missing; existing
    /// files of those names are replaced). Returns the data row count of each file.
    ///
    /// The extract holds every case in custody at some point of `year` (or released in it) and
    /// nothing dated after 31 December of `year`. Contacts are generated case by case and
    /// streamed, so memory does not grow with the file.
    public func write(to directory: URL) throws -> ExtractSummary {
        let handoverRules = try HandoverRules.specDefaults()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

        var geographyRNG = SeededGenerator(seed: seed, stream: .geography)
        let profile = ScaleProfile.profile(for: scale, scaleFactor: scaleFactor, rng: &geographyRNG)
        let calendar = ExtractCalendar(year: year, contactHistoryMonths: profile.contactHistoryMonths)
        let establishments = EstablishmentPlanner.plan(profile: profile, calendar: calendar, seed: seed)
        var cases = CasePopulationBuilder(establishments: establishments, calendar: calendar, handoverRules: handoverRules,
                                          seed: seed).build()
        let roster = StaffRoster(establishments: establishments, cases: cases, calendar: calendar, seed: seed)
        let allocator = AllocationPlanner(establishments: establishments, roster: roster, calendar: calendar, seed: seed)
        for i in cases.indices { allocator.allocate(&cases[i]) }

        let extract = ExtractFiles(directory: directory, establishments: establishments, roster: roster,
                                   cases: cases, calendar: calendar, seed: seed)
        var summary = ExtractSummary()
        for entity in ContractEntity.allCases {
            summary.rowsByFile[entity.csvFileName] = try extract.write(entity)
        }
        return summary
    }
}

/// Formats the planned extract into its seven files.
private struct ExtractFiles {
    let directory: URL
    let establishments: [EstablishmentPlan]
    let roster: StaffRoster
    let cases: [CaseHistory]
    let calendar: ExtractCalendar
    let seed: UInt64

    // Identifier shapes. Widths leave room for a national extract several times over.
    static let casePrefix = Array("K".utf8), caseWidth = 7
    static let staffPrefix = Array("S".utf8), staffWidth = 6
    static let contactPrefix = Array("CN".utf8), contactWidth = 9
    static let assessmentPrefix = Array("AS".utf8), assessmentWidth = 8

    /// Writes one file and returns its data row count.
    func write(_ entity: ContractEntity) throws -> Int {
        let url = directory.appendingPathComponent(entity.csvFileName)
        // A directory holding both NAME.csv and NAME.csv.gz is not a valid extract; a .csv.gz left
        // there is an older copy of the file being replaced.
        let stale = directory.appendingPathComponent(entity.csvFileName + ".gz")
        if FileManager.default.fileExists(atPath: stale.path) {
            try FileManager.default.removeItem(at: stale)
        }
        switch entity {
        case .establishments: return try writeEstablishments(url)
        case .staff: return try writeStaff(url)
        case .cases: return try writeCases(url)
        case .allocations: return try writeAllocations(url)
        case .contacts: return try writeContacts(url)
        case .assessments: return try writeAssessments(url)
        case .releaseOutcomes: return try writeReleaseOutcomes(url)
        }
    }

    private func regionName(_ index: Int) -> String {
        ProbationRegionCatalog.regions[index].name
    }

    private func writeEstablishments(_ url: URL) throws -> Int {
        let out = try CSVWriter(url: url, entity: .establishments)
        for plan in establishments {
            out.text(plan.code)
            out.text(plan.name)
            out.text(plan.type.rawValue)
            out.text(plan.operatorKind.rawValue)
            out.text(plan.prisonGroup)
            out.text(regionName(plan.regionIndex))
            out.optionalInt(plan.keyworkFrequencyWeeks)
            out.endRow()
        }
        try out.close()
        return out.rowCount
    }

    private func writeStaff(_ url: URL) throws -> Int {
        let out = try CSVWriter(url: url, entity: .staff)
        for member in roster.members {
            out.identifier(Self.staffPrefix, member.number, width: Self.staffWidth)
            out.text(member.role.rawValue)
            if let establishment = member.establishment { out.text(establishments[establishment].code) } else { out.empty() }
            // COMs belong to a region; probation-employed POMs carry their region too.
            if let region = member.region {
                out.text(regionName(region))
            } else if member.role == .probationPom, let establishment = member.establishment {
                out.text(regionName(establishments[establishment].regionIndex))
            } else {
                out.empty()
            }
            out.text(member.fteTenths == 10 ? "1.0" : "0.\(member.fteTenths)")
            out.date(member.start)
            out.optionalDate(member.end)
            out.endRow()
        }
        try out.close()
        return out.rowCount
    }

    private func writeCases(_ url: URL) throws -> Int {
        let out = try CSVWriter(url: url, entity: .cases)
        for history in cases {
            out.identifier(Self.casePrefix, history.number, width: Self.caseWidth)
            out.text(PrisonerNumber.format(history.prisoner))
            out.text(establishments[history.establishment].code)
            out.text(history.sentenceType.rawValue)
            out.date(history.sentenceStart)
            out.optionalDate(history.expectedRelease)
            out.optionalDate(history.paroleEligibility)
            out.optionalDate(history.release)
            if let tier = history.tier { out.text(tier.rawValue) } else { out.empty() }
            out.text(history.rosh.rawValue)
            out.int(history.mappaLevel)
            if let region = history.releaseRegion { out.text(regionName(region)) } else { out.empty() }
            out.endRow()
        }
        try out.close()
        return out.rowCount
    }

    private func writeAllocations(_ url: URL) throws -> Int {
        let out = try CSVWriter(url: url, entity: .allocations)
        for history in cases {
            for allocation in history.allocations {
                out.identifier(Self.casePrefix, history.number, width: Self.caseWidth)
                out.identifier(Self.staffPrefix, roster.members[allocation.staff].number, width: Self.staffWidth)
                out.text(allocation.role.rawValue)
                out.date(allocation.start)
                out.optionalDate(allocation.end)
                out.endRow()
            }
        }
        try out.close()
        return out.rowCount
    }

    private func writeContacts(_ url: URL) throws -> Int {
        let out = try CSVWriter(url: url, entity: .contacts)
        let codes = CodeBytes()
        var planned: [PlannedContact] = []
        planned.reserveCapacity(4096)
        var contactNumber = 0
        for history in cases {
            var schedule = ContactSchedule(history: history, plan: establishments[history.establishment], roster: roster,
                                           calendar: calendar, seed: seed)
            schedule.build(into: &planned)
            for contact in planned {
                contactNumber += 1
                out.identifier(Self.contactPrefix, contactNumber, width: Self.contactWidth)
                out.identifier(Self.casePrefix, history.number, width: Self.caseWidth)
                out.identifier(Self.staffPrefix, roster.members[Int(contact.staff)].number, width: Self.staffWidth)
                out.bytes(codes.bytes(contact.type))
                out.timestamp(CivilDay(ordinal: Int(contact.day)), minuteOfDay: Int(contact.minute), style: contact.style)
                out.bytes(codes.bytes(contact.channel))
                out.bytes(codes.bytes(contact.outcome))
                if contact.duration >= 0 { out.int(Int(contact.duration)) } else { out.empty() }
                out.endRow()
            }
        }
        try out.close()
        return out.rowCount
    }

    private func writeAssessments(_ url: URL) throws -> Int {
        let out = try CSVWriter(url: url, entity: .assessments)
        var assessmentNumber = 0
        for history in cases {
            let planned = AssessmentPlanner.plan(history, establishment: establishments[history.establishment],
                                                 calendar: calendar, seed: seed)
            for assessment in planned {
                assessmentNumber += 1
                out.identifier(Self.assessmentPrefix, assessmentNumber, width: Self.assessmentWidth)
                out.identifier(Self.casePrefix, history.number, width: Self.caseWidth)
                out.text(assessment.kind.rawValue)
                out.date(assessment.completed)
                if let staff = assessment.staff {
                    out.identifier(Self.staffPrefix, roster.members[staff].number, width: Self.staffWidth)
                } else {
                    out.empty()
                }
                out.endRow()
            }
        }
        try out.close()
        return out.rowCount
    }

    private func writeReleaseOutcomes(_ url: URL) throws -> Int {
        let out = try CSVWriter(url: url, entity: .releaseOutcomes)
        for history in cases {
            guard let outcome = ReleaseOutcomePlanner.outcome(for: history, establishment: establishments[history.establishment],
                                                              seed: seed) else { continue }
            out.identifier(Self.casePrefix, history.number, width: Self.caseWidth)
            out.text(outcome.accommodation.rawValue)
            out.bool(outcome.hasID)
            out.bool(outcome.hasBankAccount)
            out.bool(outcome.eteArranged)
            out.endRow()
        }
        try out.close()
        return out.rowCount
    }
}
