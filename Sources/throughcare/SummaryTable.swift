import Aggregate
import Foundation
import PostgresClient
import ThroughcareCore
import Warehouse

/// The readable table printed after an aggregate: national rates per metric and period, or those of
/// the scopes a review lists (with a scope column).
enum SummaryTable {
    static func print(connection: PostgresConnection, runID: Int64) throws {
        let summary = try AggregateRunner(connection: connection).summary(runID: runID)
        Console.print("run \(runID): \(summary.rangeFrom) to \(summary.rangeTo) (exclusive), by \(summary.periodKind), data as of \(summary.asOf ?? "?")")
        // A run published past a failed quality gate says so wherever its figures are shown.
        if let reason = summary.forceReason {
            Console.print("  PUBLISHED ALTHOUGH THE QUALITY GATE FAILED, forced: \(reason)")
        }
        let rows = try connection.call("metrics.summary_rates", runID).rows
        let scopes = try Set(rows.map { try $0["scope", as: String.self] })
        let scoped = !scopes.isEmpty && scopes != ["national:national"]
        let header = (scoped ? ["scope"] : []) + ["metric", "period", "met", "eligible", "rate", "95% CI", "band"]
        let leftAligned = scoped ? 3 : 2
        var table: [[String]] = [header]
        for row in rows {
            let low = try row["ci_low", as: Double?.self]
            table.append((scoped ? [try row["scope", as: String.self]] : []) + [
                try row["metric", as: String.self], try row["period_start", as: CivilDate.self].description,
                String(try row["numerator", as: Int64.self]), String(try row["denominator", as: Int64.self]),
                percent(try row["rate", as: Double?.self]),
                low == nil ? "–" : "\(percent(low))–\(percent(try row["ci_high", as: Double?.self]))",
                try row["band", as: String?.self] ?? "–",
            ])
        }
        let widths = (0..<header.count).map { column in table.map { $0[column].count }.max() ?? 0 }
        for (index, row) in table.enumerated() {
            let cells = row.enumerated().map { column, cell in
                switch column {
                case ..<leftAligned: return cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                case header.count - 1: return cell
                default: return String(repeating: " ", count: widths[column] - cell.count) + cell
                }
            }
            Console.print("  " + cells.joined(separator: "  "))
            if index == 0 { Console.print("  " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
    }

    static func percent(_ value: Double?) -> String {
        guard let value else { return "–" }
        return String(format: "%.1f%%", value * 100)
    }
}
