import PostgresClient
import TestSupport
import XCTest

/// Shapes of plan the speed of a run depends on. Each still gives the right answers when lost,
/// only slower, so no result test would notice; these do.
final class PlanShapeTests: AggregateTestCase {
    /// The helpers metric SQL asks once per row (the Wilson bounds of every rate, who is
    /// responsible for every high-risk case) are single expressions, which PostgreSQL inlines
    /// into the query that calls them instead of running a function per row.
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

    /// The cases of one scope, named as values, are one filtered pass over core.cases: the other
    /// scope types' branches of core.case_scopes are planned away, no case is unfolded into its
    /// five scopes (what a review limited to a region asks, intermediate.fill_case_periods).
    func testOneScopesCasesAreOnePassOverCases() throws {
        try load(fixture: "keywork")
        let plan = try column("""
            explain (costs off)
            select cs.case_id from core.case_scopes as cs where cs.scope_type = 'probation_region' and cs.scope_id = 'North West'
            """).compactMap { $0 }
        XCTAssertEqual(plan.filter { $0.contains(" on cases") }.count, 1, plan.joined(separator: "\n"))
        XCTAssertFalse(plan.contains { $0.contains("Values Scan") || $0.contains("Append") }, plan.joined(separator: "\n"))
        XCTAssertTrue(plan.contains { $0.contains("probation_region") }, plan.joined(separator: "\n"))
    }

    /// A full build fills core.contacts' new partition with CREATE TABLE AS so that its query runs
    /// in parallel workers: every function it reads through must be parallel safe, or the plan
    /// silently stays on one core (21 s instead of 11 s for a national year). Sizes and costs
    /// are set so that even the fixture's few rows get a parallel plan when one is allowed.
    func testFullBuildReadsStagedContactsInParallel() throws {
        try load(fixture: "keywork")
        try connection.execute(script: """
            set parallel_setup_cost = 0;
            set parallel_tuple_cost = 0;
            set min_parallel_table_scan_size = 0;
            set min_parallel_index_scan_size = 0;
            """)
        let plan = try column("""
            explain (costs off)
            create table pg_temp.next_contacts as select * from core.contacts_from_staging(0)
            """).compactMap { $0 }
        XCTAssertTrue(plan.contains { $0.contains("Gather") }, plan.joined(separator: "\n"))
        XCTAssertTrue(plan.contains { $0.contains("Parallel Seq Scan on contacts") }, plan.joined(separator: "\n"))
    }
}
