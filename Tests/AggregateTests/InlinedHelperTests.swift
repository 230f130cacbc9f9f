import PostgresClient
import TestSupport
import XCTest

/// The helpers metric SQL asks once per row (the Wilson bounds of every rate, who is responsible
/// for every high-risk case) are single expressions, which PostgreSQL inlines into the query that
/// calls them instead of running a function per row. A helper that stops being inlinable still
/// gives the right answers, only slower; this is what notices.
final class InlinedHelperTests: AggregateTestCase {
    func testPerRowHelpersAreInlinedIntoTheirCallers() throws {
        try load(fixture: "keywork")
        try prepareAggregateSchema()
        let plan = try column("""
            explain (verbose, costs off)
            select metrics.wilson_low(x.n, x.n + 4), metrics.wilson_high(x.n, x.n + 4),
                   core.responsible_given(h.handover_date, h.responsible_throughout, h.earliest_release_date)
            from core.case_handover as h
            cross join generate_series(1::bigint, 3::bigint) as x (n)
            """).compactMap { $0 }.joined(separator: "\n")
        for helper in ["wilson_low", "wilson_high", "responsible_given"] {
            XCTAssertFalse(plan.contains(helper), "\(helper) is called per row, not inlined:\n\(plan)")
        }
        XCTAssertTrue(plan.contains("sqrt"), "the plan computes the Wilson bounds itself:\n\(plan)")
    }
}
