// Charts: the geometry of the report's inline SVG charts (a trend over a run's periods with the
// 95% interval shaded, and establishments ranked with interval whiskers). This file only computes
// coordinates and labels; ChartTemplates draws them, so every label is escaped by the template
// engine and the arithmetic can be unit-tested without parsing SVG.

import Foundation

/// One value of a chart: a rate with its interval, or a suppressed / empty cell.
public struct ChartValue: Sendable, Equatable {
    public var label: String
    public var rate: Double?
    public var low: Double?
    public var high: Double?
    public var suppressed: Bool

    public init(label: String, rate: Double?, low: Double?, high: Double?, suppressed: Bool = false) {
        self.label = label
        self.rate = rate
        self.low = low
        self.high = high
        self.suppressed = suppressed
    }
}

/// Coordinates are printed with one decimal: enough for a screen, stable for tests.
func coordinate(_ value: Double) -> String {
    String(format: "%.1f", value)
}

/// A trend of one metric over a run's periods: the rate as a line, its interval as a shaded band,
/// optionally the national figure (dashed) and the inspection's finding (dotted) for comparison.
/// The y axis is always 0–100%, so charts of different scopes can be compared by eye.
public struct TrendChart: Sendable {
    public struct Point: Sendable, Equatable {
        public var x: String
        public var y: String
        public var label: String
        public var text: String
    }
    public struct Whisker: Sendable, Equatable {
        public var x: String
        public var y1: String
        public var y2: String
    }
    public struct Tick: Sendable, Equatable {
        public var position: String
        public var text: String
    }
    public struct Marker: Sendable, Equatable {
        public var x: String
        public var y: String
        public var label: String
    }

    public static let width = 480.0
    public static let height = 200.0
    static let left = 44.0, right = 40.0, top = 12.0, bottom = 30.0

    public var title: String
    public var width = TrendChart.width
    public var height = TrendChart.height
    public var plotLeft = coordinate(TrendChart.left)
    public var plotRight = coordinate(TrendChart.width - TrendChart.right)
    public var plotBottom = coordinate(TrendChart.height - TrendChart.bottom)
    public var labelY = coordinate(TrendChart.height - TrendChart.bottom + 18)
    /// Shaded 95% intervals: one polygon (`points` attribute) per run of consecutive shown periods.
    public var bands: [String] = []
    /// The rate as polylines, one per run of consecutive shown periods.
    public var lines: [String] = []
    /// A period on its own between gaps has no band to shade: its interval is a whisker.
    public var whiskers: [Whisker] = []
    public var points: [Point] = []
    /// Suppressed periods: "[c]" where the value would be.
    public var suppressed: [Marker] = []
    public var yTicks: [Tick] = []
    public var xTicks: [Tick] = []
    public var nationalLine: String?
    public var findingY: String?
    public var findingLabel: String?

    /// x of period `index` of `count`, evenly spaced; a single period sits in the middle.
    public static func x(index: Int, count: Int) -> Double {
        let span = width - left - right
        guard count > 1 else { return left + span / 2 }
        return left + span * Double(index) / Double(count - 1)
    }

    /// y of a proportion 0...1 (clamped), 0 at the bottom of the plot.
    public static func y(_ proportion: Double) -> Double {
        let clamped = min(max(proportion, 0), 1)
        return (height - bottom) - (height - bottom - top) * clamped
    }

    public init(title: String, values: [ChartValue], national: [Double?]? = nil, finding: Double? = nil, findingLabel: String? = nil) {
        self.title = title
        let count = values.count
        yTicks = stride(from: 0, through: 100, by: 25).map { Tick(position: coordinate(Self.y(Double($0) / 100)), text: "\($0)%") }
        xTicks = values.enumerated().map { Tick(position: coordinate(Self.x(index: $0.offset, count: count)), text: $0.element.label) }

        // Consecutive periods with a rate and an interval form one segment.
        var segments: [[(Int, ChartValue)]] = []
        var current: [(Int, ChartValue)] = []
        for (index, value) in values.enumerated() {
            if value.rate != nil, value.low != nil, value.high != nil {
                current.append((index, value))
            } else {
                if !current.isEmpty { segments.append(current) }
                current = []
            }
            if value.suppressed {
                suppressed.append(Marker(x: coordinate(Self.x(index: index, count: count)), y: coordinate(Self.y(0) - 6), label: value.label))
            }
        }
        if !current.isEmpty { segments.append(current) }

        for segment in segments {
            if segment.count == 1, let (index, value) = segment.first {
                let x = coordinate(Self.x(index: index, count: count))
                whiskers.append(Whisker(x: x, y1: coordinate(Self.y(value.low!)), y2: coordinate(Self.y(value.high!))))
            } else {
                let upper = segment.map { "\(coordinate(Self.x(index: $0.0, count: count))),\(coordinate(Self.y($0.1.high!)))" }
                let lower = segment.reversed().map { "\(coordinate(Self.x(index: $0.0, count: count))),\(coordinate(Self.y($0.1.low!)))" }
                bands.append((upper + lower).joined(separator: " "))
                lines.append(segment.map { "\(coordinate(Self.x(index: $0.0, count: count))),\(coordinate(Self.y($0.1.rate!)))" }.joined(separator: " "))
            }
            for (index, value) in segment {
                points.append(Point(x: coordinate(Self.x(index: index, count: count)), y: coordinate(Self.y(value.rate!)),
                                    label: value.label, text: percentText(value.rate)))
            }
        }

        if let national {
            let shown = national.enumerated().compactMap { item in
                item.element.map { "\(coordinate(Self.x(index: item.offset, count: count))),\(coordinate(Self.y($0)))" }
            }
            // one national period is drawn as a short level line so it is visible
            if shown.count == 1, let only = national.enumerated().first(where: { $0.element != nil }) {
                let x = Self.x(index: only.offset, count: count)
                let y = coordinate(Self.y(only.element!))
                nationalLine = "\(coordinate(x - 40)),\(y) \(coordinate(x + 40)),\(y)"
            } else if shown.count > 1 {
                nationalLine = shown.joined(separator: " ")
            }
        }
        if let finding {
            findingY = coordinate(Self.y(finding))
            self.findingLabel = findingLabel
        }
    }
}

/// Establishments ranked by rate, each with its 95% interval as a whisker and the national rate as
/// a vertical line: a board sees at a glance whose interval lies clear of the national figure
/// (a difference larger than chance) and whose does not.
public struct RankingChart: Sendable {
    public struct Row: Sendable, Equatable {
        public var label: String
        public var href: String?
        public var y: String
        public var textY: String
        public var x: String?
        public var x1: String?
        public var x2: String?
        public var valueText: String
        /// above, below or level: where the interval lies relative to the national rate.
        public var position: String
        public var suppressed: Bool
    }

    static let labelWidth = 150.0, plotWidth = 300.0, valueWidth = 70.0, rowHeight = 22.0, top = 24.0

    public var title: String
    public var width = RankingChart.labelWidth + RankingChart.plotWidth + RankingChart.valueWidth
    public var height: Double
    public var plotLeft = coordinate(RankingChart.labelWidth)
    public var plotRight = coordinate(RankingChart.labelWidth + RankingChart.plotWidth)
    public var valueX = coordinate(RankingChart.labelWidth + RankingChart.plotWidth + 6)
    public var rows: [Row] = []
    public var nationalX: String?
    public var axisTicks: [TrendChart.Tick]
    public var plotBottom: String

    public static func x(_ proportion: Double) -> Double {
        labelWidth + plotWidth * min(max(proportion, 0), 1)
    }

    /// Rows in the order given (the caller ranks them); `links` gives each row's page, if any.
    public init(title: String, values: [ChartValue], links: [String?], national: Double?) {
        self.title = title
        height = Self.top + Self.rowHeight * Double(max(values.count, 1)) + 8
        plotBottom = coordinate(height - 4)
        axisTicks = stride(from: 0, through: 100, by: 25).map { TrendChart.Tick(position: coordinate(Self.x(Double($0) / 100)), text: "\($0)%") }
        nationalX = national.map { coordinate(Self.x($0)) }
        for (index, value) in values.enumerated() {
            let middle = Self.top + Self.rowHeight * (Double(index) + 0.5)
            var row = Row(label: value.label, href: index < links.count ? links[index] : nil,
                          y: coordinate(middle), textY: coordinate(middle + 4),
                          valueText: value.suppressed ? "[c]" : percentText(value.rate),
                          position: "level", suppressed: value.suppressed)
            if let rate = value.rate, let low = value.low, let high = value.high {
                row.x = coordinate(Self.x(rate))
                row.x1 = coordinate(Self.x(low))
                row.x2 = coordinate(Self.x(high))
                row.position = Self.position(low: low, high: high, reference: national)
            }
            rows.append(row)
        }
    }

    /// Where an interval lies against a reference: "above" or "below" when it excludes it.
    public static func position(low: Double, high: Double, reference: Double?) -> String {
        guard let reference else { return "level" }
        if low > reference { return "above" }
        if high < reference { return "below" }
        return "level"
    }
}

/// A proportion as a percentage with one decimal ("–" when there is none).
public func percentText(_ proportion: Double?) -> String {
    guard let proportion else { return "–" }
    return String(format: "%.1f%%", proportion * 100)
}
