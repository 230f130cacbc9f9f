import Aggregate
import Foundation
import PostgresClient

/// The readable table printed after an aggregate: national rates per metric and period.
enum SummaryTable {
    static func print(connection: PostgresConnection, runID: Int64) throws {
        let run = try connection.query("""
            select range_from::text, range_to::text, period_kind, as_of::text from metrics.runs where run_id = \(runID)
            """).rows.first
        Console.print("run \(runID): \(run?[0] ?? "?") to \(run?[1] ?? "?") (exclusive), by \(run?[2] ?? "?"), data as of \(run?[3] ?? "?")")
        // A run published past a failed quality gate says so wherever its figures are shown.
        let summary = try AggregateRunner(connection: connection).summary(runID: runID)
        if let reason = summary.forceReason {
            Console.print("  PUBLISHED ALTHOUGH THE QUALITY GATE FAILED, forced: \(reason)")
        }
        let rows = try connection.query("""
            select metric, period_start::text, numerator, denominator, rate, ci_low, ci_high, band
            from metrics.rates
            where run_id = \(runID) and scope_type = 'national'
            order by metric, period_start
            """).rows
        let header = ["metric", "period", "met", "eligible", "rate", "95% CI", "band"]
        var table: [[String]] = [header]
        for row in rows {
            table.append([
                row[0] ?? "", row[1] ?? "", row[2] ?? "", row[3] ?? "",
                percent(row[4]), row[5] == nil ? "–" : "\(percent(row[5]))–\(percent(row[6]))", row[7] ?? "–",
            ])
        }
        let widths = (0..<header.count).map { column in table.map { $0[column].count }.max() ?? 0 }
        for (index, row) in table.enumerated() {
            let cells = row.enumerated().map { column, cell in
                switch column {
                case 0, 1: return cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                case header.count - 1: return cell
                default: return String(repeating: " ", count: widths[column] - cell.count) + cell
                }
            }
            Console.print("  " + cells.joined(separator: "  "))
            if index == 0 { Console.print("  " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
    }

    static func percent(_ text: String?) -> String {
        guard let text, let value = Double(text) else { return "–" }
        return String(format: "%.1f%%", value * 100)
    }
}
