// ReportPages: turns a run's ReportData into the report's pages — national, one per probation
// region, one per prison group, one per establishment, linked both ways — and writes them with the
// Mustache templates. Wording decisions (bands in words, direction, comparisons with the national
// figure and the inspection's finding) live here; the templates only lay them out.

import Foundation
import Mustache
import ThroughcareCore

/// A page of the report: its scope and the file it is written to.
public struct ReportPage: Sendable, Equatable {
    public var scopeType: String
    public var scopeID: String
    public var file: String
}

struct PageLink { var href: String; var text: String }
struct LinkGroup { var heading: String; var links: [PageLink] }
struct PeriodRow { var period, numerator, denominator, rate, interval, band: String }
struct RankRow { var name, href, numerator, denominator, rate, interval, position: String }
struct Caveat { var label, count, total, share: String }

struct MetricCard {
    var metric, title, description: String
    var suppressed: Bool
    var rateText, intervalText, countsText: String
    var bandClass, bandWords, directionText, latestPeriod: String
    var comparisons: [String]
    var trendSVG: String
    var scopeWord: String
    var showNational: Bool
    var hasFinding: Bool
    var rankingSVG: String?
    var rankOrder, rankReference, rankReferenceShort: String
    var ranking: [RankRow]
    var hasRanking: Bool
    var periods: [PeriodRow]
}

struct PageModel {
    var style = ReportTemplates.style
    var official: Bool
    var runID: String
    /// Set when the run was published past a failed quality gate: every page says so, and why.
    var forceReason: String?
    var heading, kind, periodText, asOf: String
    var parentsText: String?
    var crumbs: [PageLink]
    var caveats: [Caveat]
    var hasCaveats: Bool
    var metrics: [MetricCard]
    var linkGroups: [LinkGroup]
    var bandOutstanding, bandGood, bandRequiresImprovement: String
    var finishedAt, rangeFrom, rangeLast, periodKind: String
    var changedParameters: [String]
    var hasChangedParameters: Bool
    var version, commit: String
    var extracts: [ExtractRow]
}
struct ExtractRow { var file, sha256: String }

public struct ReportWriter {
    let data: ReportData
    let library: MustacheLibrary
    /// Band thresholds as the run used them (for the legend).
    let bands: (outstanding: Double, good: Double, requiresImprovement: Double)

    public init(data: ReportData, bands: (outstanding: Double, good: Double, requiresImprovement: Double)) throws {
        self.data = data
        self.bands = bands
        var library = MustacheLibrary()
        try library.register(ReportTemplates.page, named: "page")
        try library.register(ChartTemplates.trend, named: "trend")
        try library.register(ChartTemplates.ranking, named: "ranking")
        self.library = library
    }

    /// File names are made from the scope's name (lower case, letters and digits), unique per kind.
    public static func slug(_ text: String) -> String {
        var result = ""
        for scalar in text.lowercased().unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) && scalar.isASCII {
                result.unicodeScalars.append(scalar)
            } else if !result.hasSuffix("-") {
                result += "-"
            }
        }
        let trimmed = result.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return trimmed.isEmpty ? "x" : trimmed
    }

    /// Every page of the report, national first.
    public var pages: [ReportPage] {
        var pages = [ReportPage(scopeType: "national", scopeID: "national", file: "index.html")]
        func add(_ type: String, _ prefix: String, _ ids: [String]) {
            var used: Set<String> = []
            for id in ids {
                var name = "\(prefix)-\(Self.slug(id))"
                var suffix = 2
                while used.contains(name) { name = "\(prefix)-\(Self.slug(id))-\(suffix)"; suffix += 1 }
                used.insert(name)
                pages.append(ReportPage(scopeType: type, scopeID: id, file: name + ".html"))
            }
        }
        add("probation_region", "region", data.probationRegions)
        add("prison_group", "group", data.prisonGroups)
        add("establishment", "establishment", data.establishments.map(\.code))
        return pages
    }

    /// Writes every page into `directory`; returns the pages written.
    @discardableResult
    public func write(to directory: URL) throws -> [ReportPage] {
        let pages = self.pages
        var files: [String: String] = [:]
        for page in pages { files["\(page.scopeType)/\(page.scopeID)"] = page.file }
        for page in pages {
            let model = pageModel(page, files: files)
            guard let html = library.render(model, withTemplate: "page") else {
                throw ThroughcareError.invalidInput("report template missing")
            }
            try Data(html.utf8).write(to: directory.appendingPathComponent(page.file))
        }
        return pages
    }

    // MARK: - Page models

    func name(_ type: String, _ id: String) -> String {
        switch type {
        case "national": return "England and Wales (national)"
        case "establishment":
            if let establishment = data.establishments.first(where: { $0.code == id }) {
                return "\(establishment.name) (\(establishment.code))"
            }
            return id
        default: return id
        }
    }

    func pageModel(_ page: ReportPage, files: [String: String]) -> PageModel {
        let run = data.run
        let national = PageLink(href: "index.html", text: "National")
        var crumbs: [PageLink] = []
        var linkGroups: [LinkGroup] = []
        var parentsText: String?
        var members: [EstablishmentInfo] = []
        let kind: String
        func link(_ type: String, _ id: String) -> PageLink {
            PageLink(href: files["\(type)/\(id)"] ?? "index.html", text: name(type, id))
        }
        switch page.scopeType {
        case "national":
            kind = "National figures"
            members = data.establishments
            linkGroups = [
                LinkGroup(heading: "Probation regions", links: data.probationRegions.map { link("probation_region", $0) }),
                LinkGroup(heading: "Prison groups", links: data.prisonGroups.map { link("prison_group", $0) }),
                LinkGroup(heading: "Establishments", links: data.establishments.map { link("establishment", $0.code) }),
            ]
        case "probation_region", "prison_group":
            let isRegion = page.scopeType == "probation_region"
            kind = isRegion ? "Probation region" : "Prison group"
            crumbs = [national]
            members = data.establishments.filter { (isRegion ? $0.probationRegion : $0.prisonGroup) == page.scopeID }
            linkGroups = [LinkGroup(heading: "Establishments in \(page.scopeID)", links: members.map { link("establishment", $0.code) })]
        default:
            kind = "Establishment"
            let establishment = data.establishments.first { $0.code == page.scopeID }
            let region = establishment.map { link("probation_region", $0.probationRegion) }
            let group = establishment.map { link("prison_group", $0.prisonGroup) }
            crumbs = [national] + [group, region].compactMap { $0 }
            if let establishment {
                parentsText = "Prison group \(establishment.prisonGroup); probation region \(establishment.probationRegion)."
            }
            linkGroups = [LinkGroup(heading: "Related pages", links: [national] + [group, region].compactMap { $0 })]
        }

        let metrics = data.definitions.map { card(for: $0, page: page, members: members, files: files) }
        let caveats = caveatRows(page)
        let lastDay = run.rangeLast
        let periodText = data.periods.count == 1
            ? "\(run.rangeFrom) to \(run.lastDay)"
            : "\(data.periods.count) \(run.periodKind == "quarter" ? "quarters" : "months") from \(run.rangeFrom)"
        return PageModel(
            official: run.official, runID: String(run.runID), forceReason: run.forceReason, heading: name(page.scopeType, page.scopeID), kind: kind,
            periodText: periodText, asOf: run.asOf, parentsText: parentsText, crumbs: crumbs,
            caveats: caveats, hasCaveats: !caveats.isEmpty, metrics: metrics, linkGroups: linkGroups,
            bandOutstanding: percentWhole(bands.outstanding), bandGood: percentWhole(bands.good),
            bandRequiresImprovement: percentWhole(bands.requiresImprovement),
            finishedAt: run.finishedAt, rangeFrom: run.rangeFrom, rangeLast: lastDay, periodKind: run.periodKind,
            changedParameters: run.changedParameters, hasChangedParameters: !run.changedParameters.isEmpty,
            version: run.version, commit: run.gitCommit.isEmpty ? "unknown" : run.gitCommit,
            extracts: run.extracts.map { ExtractRow(file: $0.file, sha256: $0.sha256) })
    }

    func percentWhole(_ proportion: Double) -> String { String(format: "%.0f%%", proportion * 100) }

    func periodLabel(_ cell: RateCell) -> String {
        if data.periods.count == 1 { return "whole range" }
        let start = cell.periodStart
        guard data.run.periodKind == "quarter" else { return String(start.prefix(7)) }
        // "Q2 2024" fits under a chart's tick; a quarter cut short by the range keeps its start date.
        let parts = start.split(separator: "-")
        if parts.count == 3, parts[2] == "01", let month = Int(parts[1]), (month - 1) % 3 == 0 {
            return "Q\((month - 1) / 3 + 1) \(parts[0])"
        }
        return "Quarter from \(start)"
    }

    static func bandWords(_ band: String?) -> String {
        switch band {
        case "outstanding": return "Outstanding"
        case "good": return "Good"
        case "requires_improvement": return "Requires improvement"
        case "inadequate": return "Inadequate"
        default: return "Not banded"
        }
    }

    func countsText(_ cell: RateCell) -> String {
        guard let numerator = cell.numerator, let denominator = cell.denominator else { return "" }
        return "\(numerator) of \(denominator) people"
    }

    func intervalText(_ cell: RateCell) -> String {
        guard let low = cell.low, let high = cell.high else { return "" }
        return "95% interval \(percentText(low)) to \(percentText(high))"
    }

    func card(for definition: MetricDefinition, page: ReportPage, members: [EstablishmentInfo], files: [String: String]) -> MetricCard {
        let series = data.series(scopeType: page.scopeType, scopeID: page.scopeID, metric: definition.metric)
        let nationalSeries = data.series(scopeType: "national", scopeID: "national", metric: definition.metric)
        let latest = series.last
        let latestNational = nationalSeries.last
        let suppressed = latest?.suppressed != nil
        let empty = !suppressed && (latest?.denominator ?? 0) == 0

        var comparisons: [String] = []
        let better = definition.lowerIsBetter ? "below" : "above"
        if page.scopeType != "national", let national = latestNational, let rate = national.rate {
            var text = "National: \(percentText(rate)) (\(intervalText(national)))."
            if let cell = latest, let low = cell.low, let high = cell.high, !suppressed {
                switch RankingChart.position(low: low, high: high, reference: rate) {
                case "above": text += " This figure's interval lies wholly above the national rate: \(better == "above" ? "better" : "worse") than national, by more than chance."
                case "below": text += " This figure's interval lies wholly below the national rate: \(better == "below" ? "better" : "worse") than national, by more than chance."
                default: text += " The interval includes the national rate: the difference may be chance."
                }
            }
            comparisons.append(text)
        }
        if let finding = definition.findingRate {
            var text = "The inspection found \(percentText(finding)) (\(definition.finding))."
            if let cell = latest, let low = cell.low, let high = cell.high, !suppressed {
                switch RankingChart.position(low: low, high: high, reference: finding) {
                case "above": text += " This figure is above the inspection's finding, by more than chance."
                case "below": text += " This figure is below the inspection's finding, by more than chance."
                default: text += " This figure is in line with it (the interval includes it)."
                }
            }
            comparisons.append(text)
        } else if !definition.finding.isEmpty {
            comparisons.append("Related inspection finding: “\(definition.finding)”.")
        }

        let values = series.map { cell in
            ChartValue(label: periodLabel(cell), rate: cell.rate, low: cell.low, high: cell.high, suppressed: cell.suppressed != nil)
        }
        let showNational = page.scopeType != "national"
        let trend = TrendChart(title: "\(definition.title), \(name(page.scopeType, page.scopeID)), by period",
                               values: values,
                               national: showNational ? nationalSeries.map(\.rate) : nil,
                               finding: definition.findingRate, findingLabel: definition.finding)
        let trendSVG = library.render(trend, withTemplate: "trend") ?? ""

        // Ranking of the member establishments (national, region and group pages), best first.
        var rankingSVG: String?
        var ranking: [RankRow] = []
        let reference = page.scopeType == "national" ? latestNational : latestNational
        if !members.isEmpty, let period = latest?.periodStart {
            let cells = members.compactMap { member -> (EstablishmentInfo, RateCell)? in
                data.cells.first { $0.scopeType == "establishment" && $0.scopeID == member.code && $0.metric == definition.metric && $0.periodStart == period }
                    .map { (member, $0) }
            }
            let ranked = cells.sorted { left, right in
                switch (left.1.rate, right.1.rate) {
                case let (l?, r?): return l == r ? left.0.code < right.0.code : (definition.lowerIsBetter ? l < r : l > r)
                case (.some, nil): return true
                case (nil, .some): return false
                default: return left.0.code < right.0.code
                }
            }
            let chart = RankingChart(
                title: "\(definition.title): establishments ranked, \(periodLabel(latest!))",
                values: ranked.map { ChartValue(label: $0.0.code, rate: $0.1.rate, low: $0.1.low, high: $0.1.high, suppressed: $0.1.suppressed != nil) },
                links: ranked.map { files["establishment/\($0.0.code)"] },
                national: reference?.rate)
            rankingSVG = library.render(chart, withTemplate: "ranking")
            ranking = ranked.map { member, cell in
                let position: String
                if cell.suppressed != nil {
                    position = "[c]"
                } else if let low = cell.low, let high = cell.high {
                    switch RankingChart.position(low: low, high: high, reference: reference?.rate) {
                    case "above": position = definition.lowerIsBetter ? "higher (worse)" : "higher (better)"
                    case "below": position = definition.lowerIsBetter ? "lower (better)" : "lower (worse)"
                    default: position = "may be chance"
                    }
                } else {
                    position = "[z]"
                }
                return RankRow(name: name("establishment", member.code), href: files["establishment/\(member.code)"] ?? "index.html",
                               numerator: cellText(cell, cell.numerator.map(String.init)),
                               denominator: cellText(cell, cell.denominator.map(String.init)),
                               rate: cellText(cell, cell.rate.map { percentText($0) }),
                               interval: cellText(cell, cell.low.flatMap { low in cell.high.map { "\(percentText(low)) to \(percentText($0))" } }),
                               position: position)
            }
        }

        let bandClass = definition.lowerIsBetter || latest?.band == nil ? "none" : latest!.band!
        var bandWords = Self.bandWords(latest?.band)
        if definition.lowerIsBetter { bandWords = "Not banded: lower is better" }
        if suppressed { bandWords = definition.lowerIsBetter ? bandWords : "Band withheld [c]" }
        if empty { bandWords = "No eligible people [z]" }

        return MetricCard(
            metric: definition.metric, title: definition.title, description: definition.description,
            suppressed: suppressed,
            rateText: empty ? "[z]" : percentText(latest?.rate),
            intervalText: latest.map(intervalText) ?? "",
            countsText: empty ? "no eligible people in the period" : latest.map(countsText) ?? "",
            bandClass: bandClass, bandWords: bandWords,
            directionText: definition.lowerIsBetter
                ? "Lower is better: this is an outcome, so it is not given a quality band."
                : "Higher is better.",
            latestPeriod: latest.map(periodLabel) ?? "",
            comparisons: comparisons, trendSVG: trendSVG,
            scopeWord: page.scopeType == "national" ? "national figure" : page.scopeType == "establishment" ? "establishment" : (page.scopeType == "prison_group" ? "group" : "region"),
            showNational: showNational, hasFinding: definition.findingRate != nil,
            rankingSVG: rankingSVG,
            rankOrder: definition.lowerIsBetter ? "lowest (best) first" : "highest (best) first",
            rankReference: "the national rate",
            rankReferenceShort: "national",
            ranking: ranking, hasRanking: !ranking.isEmpty,
            periods: series.map { cell in
                PeriodRow(period: periodLabel(cell),
                          numerator: cellText(cell, cell.numerator.map(String.init)),
                          denominator: cellText(cell, cell.denominator.map(String.init)),
                          rate: cellText(cell, cell.rate.map { percentText($0) }),
                          interval: cellText(cell, cell.low.flatMap { low in cell.high.map { "\(percentText(low)) to \(percentText($0))" } }),
                          band: cell.suppressed != nil ? "[c]" : (definition.lowerIsBetter ? "not banded" : Self.bandWords(cell.band)))
            })
    }

    /// The GSS shorthand for a figure that cannot be shown: [c] suppressed, [z] no eligible people.
    func cellText(_ cell: RateCell, _ value: String?) -> String {
        if cell.suppressed != nil { return "[c]" }
        return value ?? "[z]"
    }

    func caveatRows(_ page: ReportPage) -> [Caveat] {
        guard page.scopeType == "establishment" || page.scopeType == "national" else { return [] }
        let measures = data.dataQuality["\(page.scopeType)/\(page.scopeID)"] ?? [:]
        let national = data.dataQuality["national/national"] ?? [:]
        func row(_ label: String, _ count: Double?, _ total: Double?) -> Caveat {
            let share = (count != nil && (total ?? 0) > 0) ? String(format: "%.1f%%", count! / total! * 100) : "–"
            return Caveat(label: label, count: count.map { String(Int64($0)) } ?? "–", total: total.map { String(Int64($0)) } ?? "–", share: share)
        }
        let lastDay = data.run.lastDay
        return [
            row("Rows rejected by the extract checks (whole extract)", national["rows_rejected"], national["rows_read"]),
            row("Releases in the range with no recorded outcome", measures["released_without_outcome"], measures["released_cases"]),
            row("People in custody on \(lastDay) with no POM", measures["custody_without_pom"], measures["custody_cases"]),
        ]
    }
}
