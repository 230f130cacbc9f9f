import ThroughcareCore

/// Who is responsible for a case, and when handover to the COM falls — metrics.md,
/// "Responsibility and handover". The generator needs it to place COM allocations and POM–COM
/// liaison where the metrics will look for them.
struct Responsibility: Sendable {
    enum Rule: Sendable {
        case recall, releaseDateUnknown, determinateShort, determinateParole, determinate, indeterminate
    }

    let rule: Rule
    /// nil when one party is responsible throughout.
    let handoverDate: CivilDay?

    /// COM responsible from the start (no handover): recalls and short determinate sentences.
    var comResponsibleThroughout: Bool { rule == .recall || rule == .determinateShort }

    init(sentenceType: SentenceType, sentenceStart: CivilDay, expectedRelease: CivilDay?, paroleEligibility: CivilDay?,
         rules: HandoverRules) {
        let earliestRelease: CivilDay?
        switch sentenceType {
        case .determinate, .recall: earliestRelease = paroleEligibility ?? expectedRelease
        case .indeterminate: earliestRelease = expectedRelease ?? paroleEligibility
        }
        var handover: CivilDay?
        if sentenceType == .recall {
            rule = .recall
        } else if let erd = earliestRelease {
            if sentenceType == .determinate, rules.comOnlyBelow.added(to: sentenceStart) >= erd {
                rule = .determinateShort
            } else if sentenceType == .determinate, paroleEligibility != nil {
                rule = .determinateParole
                handover = rules.parole.subtracted(from: erd)
            } else if sentenceType == .determinate {
                rule = .determinate
                handover = rules.determinate.subtracted(from: erd)
            } else {
                rule = .indeterminate
                handover = rules.indeterminate.subtracted(from: erd)
            }
        } else {
            rule = .releaseDateUnknown
        }
        if let h = handover, h < sentenceStart { handover = sentenceStart }
        handoverDate = handover
    }
}

/// The handover parameters, taken from the spec's defaults in ThroughcareCore.RunParameters so
/// that the generator places handovers where a default pipeline run will compute them.
struct HandoverRules: Sendable {
    let comOnlyBelow: CalendarInterval
    let determinate: CalendarInterval
    let parole: CalendarInterval
    let indeterminate: CalendarInterval

    static func specDefaults() throws -> HandoverRules {
        func interval(_ name: String) throws -> CalendarInterval {
            guard let literal = RunParameters.defaults.first(where: { $0.name == name })?.value,
                  let interval = CalendarInterval(literal) else {
                throw ThroughcareError.installation("the extract generator cannot read run parameter \(name) from RunParameters.defaults")
            }
            return interval
        }
        return HandoverRules(comOnlyBelow: try interval("com_only_below"),
                             determinate: try interval("handover_determinate"),
                             parole: try interval("handover_parole"),
                             indeterminate: try interval("handover_indeterminate"))
    }
}

/// A PostgreSQL interval literal of whole years, months and days (`8 months 14 days`), applied
/// as PostgreSQL applies it to a date: whole months first (day clamped), then days.
struct CalendarInterval: Sendable {
    let months: Int
    let days: Int

    init?(_ literal: String) {
        let words = literal.lowercased().split(separator: " ")
        guard !words.isEmpty, words.count % 2 == 0 else { return nil }
        var months = 0
        var days = 0
        for i in stride(from: 0, to: words.count, by: 2) {
            guard let amount = Int(words[i]) else { return nil }
            switch words[i + 1] {
            case "year", "years": months += 12 * amount
            case "mon", "mons", "month", "months": months += amount
            case "day", "days": days += amount
            default: return nil
            }
        }
        self.months = months
        self.days = days
    }

    func added(to day: CivilDay) -> CivilDay {
        day.addingMonths(months) + days
    }

    func subtracted(from day: CivilDay) -> CivilDay {
        day.subtracting(months: months, days: days)
    }
}
