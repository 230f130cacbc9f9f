import Foundation
import PostgresClient
import TestSupport
import XCTest

/// `aggregate --scope TYPE:ID`: a review question asked of loaded data computes only the cases
/// that count in the listed scope, and gives the listed scope exactly the figures of a run over
/// every scope.
final class ScopedReviewTests: AggregateTestCase {
    func testScopedAggregateComputesOnlyTheScopeAndAgreesWithTheWholeRun() throws {
        let binary = throughcareBinary()
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("\(binary.path) is missing") }
            throw XCTSkip("build the CLI first (swift build)")
        }
        let extract = FileManager.default.temporaryDirectory.appendingPathComponent("tc-scoped-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: extract) }
        let env = ["DATABASE_URL": database.conninfo]
        for argv in [["generate", "--scale", "small", "--seed", "5", "--out", extract.path],
                     ["ingest", extract.path, "--quiet"], ["transform", "--quiet"],
                     ["aggregate", "--from", "2024-10-01", "--to", "2025-01-01", "--period", "quarter", "--quiet"]] {
            let result = try runProcess([binary.path] + argv, environment: env)
            XCTAssertEqual(result.status, 0, "\(argv.first!): \(result.output)")
        }
        let whole = try XCTUnwrap(Int64(try XCTUnwrap(value("select max(run_id)::text from metrics.runs"))))
        let region = try XCTUnwrap(value("select min(probation_region) from core.establishments"))
        XCTAssertGreaterThan(Int(try XCTUnwrap(value("select count(distinct probation_region)::text from core.establishments"))) ?? 0, 1,
                             "the extract needs more than one region for the test to mean anything")

        let scoped = try runProcess([binary.path, "aggregate", "--from", "2024-10-01", "--to", "2025-01-01", "--period", "quarter",
                                     "--scope", "probation_region:\(region)"], environment: env)
        XCTAssertEqual(scoped.status, 0, scoped.output)
        // The table printed after it shows the region's rates (a scoped run has no national ones).
        XCTAssertTrue(scoped.output.contains("probation_region:\(region)  keywork_regular"), scoped.output)
        let run = try XCTUnwrap(Int64(try XCTUnwrap(value("select max(run_id)::text from metrics.runs"))))
        XCTAssertNotEqual(run, whole)

        // Only the region's cases were framed, and fewer than in the whole run.
        let outside = try value("""
            select count(*)::text from intermediate.case_periods as cp
            where cp.run_id = \(run)
              and not exists (select from core.case_scopes as cs
                              where cs.case_id = cp.case_id and cs.scope_type = 'probation_region' and cs.scope_id = \(region))
            """)
        XCTAssertEqual(outside, "0")
        let framed = Int(try XCTUnwrap(value("select count(*)::text from intermediate.case_periods where run_id = \(run)"))) ?? 0
        let framedWhole = Int(try XCTUnwrap(value("select count(*)::text from intermediate.case_periods where run_id = \(whole)"))) ?? 0
        XCTAssertGreaterThan(framed, 0)
        XCTAssertLessThan(framed, framedWhole)

        // The region and what lies inside it, each with the whole run's figures; nothing else.
        let scopes = try column("select distinct scope_type || ':' || scope_id from metrics.rates where run_id = \(run)")
        XCTAssertTrue(scopes.contains("probation_region:\(region)"), "\(scopes)")
        XCTAssertFalse(scopes.contains("national:national"), "\(scopes)")
        let differing = try rows("""
            select s.scope_type, s.scope_id, s.metric, s.numerator::text, s.denominator::text, w.numerator::text, w.denominator::text
            from metrics.rates as s
            left join metrics.rates as w
              on w.run_id = \(whole) and w.scope_type = s.scope_type and w.scope_id = s.scope_id
             and w.period_start = s.period_start and w.metric = s.metric
            where s.run_id = \(run)
              and (w.run_id is null or (s.numerator, s.denominator) <> (w.numerator, w.denominator))
            """)
        XCTAssertEqual(differing, [], "scoped rates differ from the whole run's")
        let caseRows = try rows("""
            select count(*)::text, (select count(*) from metrics.case_metrics where run_id = \(run))::text
            from metrics.case_metrics as w
            join core.case_scopes as cs on cs.case_id = w.case_id and cs.scope_type = 'probation_region' and cs.scope_id = \(region)
            where w.run_id = \(whole)
            """)
        XCTAssertEqual(caseRows.first?[0], caseRows.first?[1], "the scoped run has the region's case metrics")

        // Its data-quality caveats are the whole run's, row for row: they describe the extract
        // and every prison, whatever the review computes.
        let caveats = try rows("""
            with scoped as (
                select q.scope_type, q.scope_id, q.measure, q.value::text from metrics.run_data_quality as q where q.run_id = \(run)
            ),
            expected as (
                select q.scope_type, q.scope_id, q.measure, q.value::text from metrics.run_data_quality as q where q.run_id = \(whole)
            )
            select 'only in the scoped run', * from (select * from scoped except select * from expected) as extra
            union all
            select 'missing from the scoped run', * from (select * from expected except select * from scoped) as missing
            """)
        XCTAssertEqual(caveats, [], "the scoped run's caveats")
        XCTAssertGreaterThan(Int(try XCTUnwrap(value("""
            select count(*)::text from metrics.run_data_quality where run_id = \(run) and scope_type = 'establishment'
            """))) ?? 0, 0)

        // A release region (cases counted by where they go, not by prison): its rates are the
        // whole run's too, and it is the only scope kept.
        let releaseRegion = try XCTUnwrap(value("select min(release_region) from core.cases"))
        let released = try runProcess([binary.path, "aggregate", "--from", "2024-10-01", "--to", "2025-01-01", "--period", "quarter",
                                       "--scope", "release_region:\(releaseRegion)", "--quiet"], environment: env)
        XCTAssertEqual(released.status, 0, released.output)
        let releaseRun = try XCTUnwrap(Int64(try XCTUnwrap(value("select max(run_id)::text from metrics.runs"))))
        XCTAssertEqual(try column("select distinct scope_type || ':' || scope_id from metrics.rates where run_id = \(releaseRun)"),
                       ["release_region:\(releaseRegion)"])
        XCTAssertEqual(try rows("""
            select s.metric, s.numerator::text, s.denominator::text, s.ci_low::text, w.numerator::text, w.denominator::text, w.ci_low::text
            from metrics.rates as s
            left join metrics.rates as w
              on w.run_id = \(whole) and w.scope_type = s.scope_type and w.scope_id = s.scope_id
             and w.period_start = s.period_start and w.metric = s.metric
            where s.run_id = \(releaseRun)
              and (w.run_id is null or (s.numerator, s.denominator, s.ci_low) is distinct from (w.numerator, w.denominator, w.ci_low))
            """), [], "the release region's rates differ from the whole run's")

        // A scope the command line cannot parse is bad input.
        let bad = try runProcess([binary.path, "aggregate", "--from", "2024-10-01", "--to", "2025-01-01", "--scope", "nowhere:X", "--quiet"],
                                 environment: env)
        XCTAssertEqual(bad.status, 64, bad.output)
    }

    /// A review limited to some scopes plans its steps with random_page_cost 1.1
    /// (metrics.plan_for_run_scopes) and puts the session's value back after them (metrics.complete_run), so nothing later in
    /// the same transaction is planned with it.
    func testScopedRunLeavesThePlannerPageCostAsItFoundIt() throws {
        try load(fixture: "suppression")
        try prepareAggregateSchema()
        let region = try XCTUnwrap(value("select min(probation_region) from core.establishments"))
        try connection.query("set random_page_cost = 3")
        try connection.query("""
            insert into metrics.runs (period_kind, range_from, range_to, scopes)
            values ('whole', '2024-01-01', '2024-04-01', jsonb_build_array(jsonb_build_object('type', 'probation_region', 'id', \(region)::text)))
            """)
        let after: String? = try connection.transaction {
            try connection.query("select metrics.execute_run(max(run_id)) from metrics.runs")
            return try value("select current_setting('random_page_cost')")
        }
        XCTAssertEqual(after, "3")
        XCTAssertEqual(try value("select status from metrics.runs order by run_id desc limit 1"), "succeeded")
        XCTAssertGreaterThan(Int(try XCTUnwrap(value("select count(*)::text from metrics.rates where run_id = (select max(run_id) from metrics.runs)"))) ?? 0, 0)
    }
}
