import Foundation
import PostgresClient
import TestSupport
import XCTest

/// Schema step 7: the intermediate layer and the case results live in one partition per run, so
/// each run is planned from its own statistics, and removing a run empties its partitions. (Two
/// runs starting together: SafeRunTests.testConcurrentFirstIngestsAndAggregatesNeverHitCatalogErrors.)
final class RunPartitionTests: AggregateTestCase {
    static let tables = ["intermediate.case_periods", "intermediate.contact_gaps", "metrics.case_period_results"]

    func testEachRunHasItsOwnPartitionsAndPruneEmptiesThem() throws {
        try load(fixture: "suppression")
        let first = try aggregate(from: "2024-01-01", to: "2024-04-01", period: .month)
        let second = try aggregate(from: "2024-01-01", to: "2024-04-01", period: .quarter)

        for table in Self.tables {
            for run in [first, second] {
                // every row of the run is in the run's partition, and the partition holds no other run
                let placed = try rows("""
                    select tableoid::regclass::text, count(*)::text from \(SQLQuery(unsafeSQL: table))
                    where run_id = \(run) group by 1
                    """)
                XCTAssertEqual(placed.count, 1, "\(table), run \(run): \(placed)")
                XCTAssertEqual(placed.first?.first ?? nil, "\(table)_run_\(run)", table)
                XCTAssertGreaterThan(Int(placed.first?[1] ?? "0") ?? 0, 0, "\(table), run \(run) has rows")
            }
            // planned from the run's own statistics: the estimate for a run is its row count
            let counted = try XCTUnwrap(Int(try XCTUnwrap(value("select count(*)::text from \(SQLQuery(unsafeSQL: table)) where run_id = \(second)"))))
            let plan = try XCTUnwrap(value("explain (format json) select * from \(SQLQuery(unsafeSQL: table)) where run_id = \(second)"))
            let estimated = try XCTUnwrap(Self.planRows(plan), plan)
            XCTAssertEqual(estimated, counted, "\(table): the planner knows run \(second)'s rows")
        }
        // the case metrics view reads across the partitions as before
        XCTAssertGreaterThan(Int(try XCTUnwrap(value("select count(*)::text from metrics.case_metrics where run_id = \(first)"))) ?? 0, 0)

        // prune keeps the newest run; the older one's rows go with it, its partitions stay, empty
        XCTAssertEqual(try connection.call("metrics.prune_runs", Int32(1)).scalar(Int.self), 1)
        for table in Self.tables {
            XCTAssertEqual(try value("select count(*)::text from \(SQLQuery(unsafeSQL: table)) where run_id = \(first)"), "0", table)
            XCTAssertEqual(try value("select count(*)::text from \(SQLQuery(unsafeSQL: table))_run_\(SQLQuery(unsafeSQL: String(first)))"), "0", table)
            XCTAssertNotEqual(try value("select count(*)::text from \(SQLQuery(unsafeSQL: table)) where run_id = \(second)"), "0", table)
        }
    }

    /// "Plan Rows" of the top node of an EXPLAIN (FORMAT JSON).
    static func planRows(_ json: String) -> Int? {
        guard let data = json.data(using: .utf8),
              let plans = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]],
              let plan = plans.first?["Plan"] as? [String: Any] else { return nil }
        return (plan["Plan Rows"] as? NSNumber)?.intValue
    }
}
