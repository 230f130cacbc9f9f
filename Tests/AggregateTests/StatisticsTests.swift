import Aggregate
import Foundation
import Ingest
import PostgresClient
import TestSupport
import ThroughcareCore
import XCTest

/// What holds for every run whatever the data: the Wilson interval and the rating bands, reruns,
/// rollups, the run's lineage row, the latest_* views, pruning, the reader roles and the
/// documentation comments.
final class StatisticsTests: AggregateTestCase {
    static let z = 1.959964

    /// The 95% Wilson score interval, written out independently of the SQL.
    static func wilson(_ numerator: Int, _ denominator: Int, z: Double = StatisticsTests.z) -> (low: Double, high: Double) {
        let n = Double(denominator)
        let p = Double(numerator) / n
        let centre = p + z * z / (2 * n)
        let half = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()
        let scale = 1 + z * z / n
        return (max(0, (centre - half) / scale), min(1, (centre + half) / scale))
    }

    func sqlWilson(_ numerator: Int, _ denominator: Int) throws -> [String?] {
        try rows("""
            select metrics.wilson_low(\(numerator)::bigint, \(denominator)::bigint)::text,
                   metrics.wilson_high(\(numerator)::bigint, \(denominator)::bigint)::text
            """)[0]
    }

    /// The keywork fixture, loaded, with the metrics schema in place.
    func prepareKeywork() throws {
        try load(fixture: "keywork")
        try prepareAggregateSchema()
    }

    // MARK: - Wilson interval

    func testWilsonIntervalKnownValues() throws {
        try prepareKeywork()
        let table: [(numerator: Int, denominator: Int, low: Double?, high: Double?)] = [
            (34, 100, 0.254615207, 0.437222712),   // the "regular keywork: 34%" finding
            (0, 10, 0, 0.277532803),                // clamped at 0
            (10, 10, 0.722467197, 1),               // clamped at 1
            (3, 9, 0.120583817, 0.645797866),
            (1, 2, 0.094531205, 0.905468795),
            (0, 0, nil, nil),                       // no interval without cases
        ]
        for (numerator, denominator, low, high) in table {
            let interval = try sqlWilson(numerator, denominator)
            assertNumber(interval[0], low, accuracy: 1e-9, "wilson_low(\(numerator), \(denominator))")
            assertNumber(interval[1], high, accuracy: 1e-9, "wilson_high(\(numerator), \(denominator))")
        }
        // a third argument chooses z (99%: 2.575829)
        let wide = try rows("""
            select metrics.wilson_low(34::bigint, 100::bigint, 2.575829::double precision)::text,
                   metrics.wilson_high(34::bigint, 100::bigint, 2.575829::double precision)::text
            """)[0]
        assertNumber(wide[0], 0.231374418, accuracy: 1e-9, "99% low")
        assertNumber(wide[1], 0.468536197, accuracy: 1e-9, "99% high")
    }

    func testWilsonIntervalMatchesTheFormulaAndStaysInZeroOne() throws {
        try prepareKeywork()
        let cases: [(Int, Int)] = [(0, 1), (1, 1), (0, 3), (2, 3), (5, 7), (13, 20), (1, 1000), (999, 1000), (50, 100), (105, 134)]
        for (numerator, denominator) in cases {
            let interval = try sqlWilson(numerator, denominator)
            let expected = Self.wilson(numerator, denominator)
            assertNumber(interval[0], expected.low, accuracy: 1e-12, "wilson_low(\(numerator), \(denominator))")
            assertNumber(interval[1], expected.high, accuracy: 1e-12, "wilson_high(\(numerator), \(denominator))")
            let low = try XCTUnwrap(interval[0].flatMap { Double($0) })
            let high = try XCTUnwrap(interval[1].flatMap { Double($0) })
            let rate = Double(numerator) / Double(denominator)
            // the interval holds the rate (up to floating-point dust at 0 and 1) and stays in [0, 1]
            XCTAssertTrue(0 <= low && low <= rate + 1e-12 && rate <= high + 1e-12 && high <= 1,
                          "\(numerator)/\(denominator): [\(low), \(high)]")
        }
    }

    // MARK: - Bands

    func testBandEdges() throws {
        try prepareKeywork()
        // metrics.band(numerator, denominator, band_outstanding, band_good, band_requires_improvement), compared exactly
        let table: [(numerator: Int, denominator: Int, band: String?)] = [
            (8000, 10000, "outstanding"),            // 0.80 exactly
            (4, 5, "outstanding"),
            (7999, 10000, "good"),                   // 0.7999
            (6500, 10000, "good"),                   // 0.65 exactly
            (13, 20, "good"),                        // 0.65 is not representable as a double
            (6499, 10000, "requires_improvement"),
            (5000, 10000, "requires_improvement"),   // 0.50 exactly
            (1, 2, "requires_improvement"),
            (4999, 10000, "inadequate"),             // 0.4999
            (0, 10, "inadequate"),
            (10, 10, "outstanding"),
            (0, 0, nil),                             // no band without cases
        ]
        for (numerator, denominator, band) in table {
            let actual = try value("""
                select metrics.band(\(numerator)::bigint, \(denominator)::bigint, 0.80::numeric, 0.65::numeric, 0.50::numeric)
                """)
            XCTAssertEqual(actual, band, "band(\(numerator)/\(denominator))")
        }
    }

    func testBandThresholdsComeFromTheRunParameters() throws {
        try load(fixture: "keywork")
        // January is 8/10: outstanding at the default 0.80 (keywork EXPECTED.md), good at 0.85
        let defaults = try aggregate(from: "2024-01-01", to: "2024-02-01", period: .month)
        let stricter = try aggregate(from: "2024-01-01", to: "2024-02-01", period: .month, overrides: ["band_outstanding": "0.85"])
        for (run, band) in [(defaults, "outstanding"), (stricter, "good")] {
            assertRows(try rows("""
                select numerator::text, denominator::text, band
                from metrics.rates
                where run_id = \(run) and scope_type = 'national' and metric = 'keywork_regular'
                """), [["8", "10", band]], "run \(run)")
        }
    }

    // MARK: - Reruns and rollups

    func testRerunGivesIdenticalNumbersWithANewRunID() throws {
        try load(fixture: "keywork")
        let first = try aggregate(from: "2024-01-01", to: "2024-05-01", period: .month)
        let second = try aggregate(from: "2024-01-01", to: "2024-05-01", period: .month)
        XCTAssertNotEqual(first, second)
        XCTAssertGreaterThan(second, first)

        let queries: [(name: String, sql: (Int64) -> SQLQuery)] = [
            ("run_periods", { run in """
                select period_start::text, period_end::text, nominal_end::text
                from metrics.run_periods where run_id = \(run) order by period_start
                """ }),
            ("case_metrics", { run in """
                select metric, period_start::text, period_end::text, case_id, eligible::text, met::text, detail::text
                from metrics.case_metrics where run_id = \(run)
                order by metric, period_start, case_id collate "C"
                """ }),
            ("rates", { run in """
                select scope_type, scope_id, period_start::text, period_end::text, metric, numerator::text, denominator::text,
                       rate::text, ci_low::text, ci_high::text, band
                from metrics.rates where run_id = \(run)
                order by scope_type, scope_id collate "C", period_start, metric
                """ }),
            ("volumes", { run in """
                select scope_type, scope_id, period_start::text, period_end::text, measure, value::text
                from metrics.volumes where run_id = \(run)
                order by scope_type, scope_id collate "C", period_start, measure
                """ }),
            ("runs", { run in """
                select status, as_of::text, parameters::text, ingest_batches::text from metrics.runs where run_id = \(run)
                """ }),
        ]
        for (name, sql) in queries {
            let before = try rows(sql(first))
            XCTAssertFalse(before.isEmpty, "\(name) of the first run")
            assertRows(try rows(sql(second)), before, name)
        }
    }

    func testRollupsAreSumsOfEstablishmentRows() throws {
        // six prisons whose prison groups and probation regions cross
        try load(fixture: "suppression")
        let runs = [
            try aggregate(from: "2024-01-01", to: "2024-04-01", period: .whole),
            try aggregate(from: "2024-01-01", to: "2024-05-01", period: .month),
        ]
        for run in runs {
            let parents = try value("""
                select count(*)::text from metrics.rates
                where run_id = \(run) and scope_type in ('prison_group', 'probation_region', 'national')
                """)
            // (2 groups + 3 regions + national) x 13 metrics x periods
            let periodCount = try periods(run: run).count
            XCTAssertEqual(parents, String(6 * 13 * periodCount), "parent rows of run \(run)")

            let mismatches = try rows("""
                with establishment_rows as (
                    select r.period_start, r.metric, e.prison_group, e.probation_region, r.numerator, r.denominator
                    from metrics.rates as r
                    join core.establishments as e on e.establishment_code = r.scope_id
                    where r.run_id = \(run) and r.scope_type = 'establishment'
                ),
                sums as (
                    select 'prison_group' as scope_type, prison_group as scope_id, period_start, metric,
                           sum(numerator) as numerator, sum(denominator) as denominator
                    from establishment_rows group by prison_group, period_start, metric
                    union all
                    select 'probation_region', probation_region, period_start, metric, sum(numerator), sum(denominator)
                    from establishment_rows group by probation_region, period_start, metric
                    union all
                    select 'national', 'national', period_start, metric, sum(numerator), sum(denominator)
                    from establishment_rows group by period_start, metric
                ),
                parents as (
                    select * from metrics.rates
                    where run_id = \(run) and scope_type in ('prison_group', 'probation_region', 'national')
                )
                select coalesce(s.scope_type, p.scope_type), coalesce(s.scope_id, p.scope_id),
                       coalesce(s.period_start, p.period_start)::text, coalesce(s.metric, p.metric),
                       s.numerator::text, s.denominator::text, p.numerator::text, p.denominator::text
                from sums as s
                full join parents as p
                  on p.scope_type = s.scope_type and p.scope_id = s.scope_id
                 and p.period_start = s.period_start and p.metric = s.metric
                where s.numerator is distinct from p.numerator or s.denominator is distinct from p.denominator
                """)
            XCTAssertEqual(mismatches, [], "run \(run): (scope, period, metric, summed num/den, stored num/den)")

            // every row's rate, interval and band follow from its counts
            let inconsistent = try rows("""
                select r.scope_type, r.scope_id, r.period_start::text, r.metric
                from metrics.rates as r
                join metrics.runs as ru on ru.run_id = r.run_id
                join metrics.metric_definitions as md on md.metric = r.metric
                where r.run_id = \(run)
                  and (r.rate is distinct from r.numerator::double precision / nullif(r.denominator, 0)
                       or r.ci_low is distinct from metrics.wilson_low(r.numerator, r.denominator)
                       or r.ci_high is distinct from metrics.wilson_high(r.numerator, r.denominator)
                       -- only higher-is-better metrics are banded (metrics.md, Rates)
                       or r.band is distinct from case when md.direction = 'higher_is_better'
                                                      then metrics.band(r.numerator, r.denominator,
                                                               (ru.parameters ->> 'band_outstanding')::numeric,
                                                               (ru.parameters ->> 'band_good')::numeric,
                                                               (ru.parameters ->> 'band_requires_improvement')::numeric) end)
                """)
            XCTAssertEqual(inconsistent, [], "run \(run): rows whose rate, interval or band do not follow from the counts")
        }
    }

    // MARK: - Run context

    /// The caveat "in custody on the last day, with no POM allocation active that day", per
    /// establishment, against the rule written out here case by case.
    func testCustodyWithoutPOMCountsEachCaseInCustodyWithNoActivePOM() throws {
        try load(fixture: "custody")
        for (from, to) in [("2024-01-01", "2024-04-01"), ("2023-07-01", "2023-08-01")] {
            let run = try aggregate(from: from, to: to)
            let expected = try rows("""
                with run as (select least(r.range_to - 1, r.as_of) as last_day from metrics.runs as r where r.run_id = \(run))
                select c.establishment_code, count(*)::text,
                       count(*) filter (where not exists (
                           select from core.allocations as a
                           where a.case_id = c.case_id and a.role = 'pom' and a.start_date <= run.last_day
                             and (a.end_date is null or a.end_date >= run.last_day)))::text
                from core.cases as c cross join run
                where c.sentence_start_date <= run.last_day and (c.release_date is null or c.release_date > run.last_day)
                group by 1 order by 1
                """)
            XCTAssertFalse(expected.isEmpty, "cases in custody on the last day of \(from)–\(to)")
            let stored = try rows("""
                select scope_id, max(value) filter (where measure = 'custody_cases')::text,
                       max(value) filter (where measure = 'custody_without_pom')::text
                from metrics.run_data_quality
                where run_id = \(run) and scope_type = 'establishment'
                group by 1 having max(value) filter (where measure = 'custody_cases') > 0 order by 1
                """)
            assertRows(stored, expected, "run \(run), \(from)–\(to)")
        }
    }

    // MARK: - Lineage

    func testRunLineage() throws {
        let report = try load(fixture: "keywork")
        let overrides = ["keywork_max_gap_days": "21", "band_good": "0.7"]
        let official = try aggregate(from: "2024-01-01", to: "2024-04-01", period: .quarter, official: true,
                                     overrides: overrides, asOf: "2024-03-31")
        let plain = try aggregate(from: "2024-01-01", to: "2024-04-01")

        let runColumns: (Int64) -> SQLQuery = { run in """
            select status, official::text, period_kind, range_from::text, range_to::text, as_of_override::text, as_of::text,
                   (finished_at is not null and finished_at >= started_at)::text, throughcare_version, error_message
            from metrics.runs where run_id = \(run)
            """ }
        assertRows(try rows(runColumns(official)), [
            ["succeeded", "true", "quarter", "2024-01-01", "2024-04-01", "2024-03-31", "2024-03-31", "true", ThroughcareVersion.current, nil],
        ], "official run")
        assertRows(try rows(runColumns(plain)), [
            // as_of: the latest contact date (keywork EXPECTED.md)
            ["succeeded", "false", "whole", "2024-01-01", "2024-04-01", nil, "2024-04-05", "true", ThroughcareVersion.current, nil],
        ], "default run")

        // parameters: every spec parameter with the value used (numbers as JSON numbers)
        let givenByRun: [(run: Int64, given: [String: String])] = [(official, overrides), (plain, [:])]
        for (run, given) in givenByRun {
            var stored: [String: String] = [:]
            for row in try rows("select key, value from metrics.runs, jsonb_each_text(parameters) where run_id = \(run)") {
                stored[row[0]!] = row[1]!
            }
            XCTAssertEqual(Set(stored.keys), Set(RunParameters.defaults.map(\.name)), "parameter names of run \(run)")
            XCTAssertNil(stored["as_of"], "as_of is a column, not a parameter")
            for (name, defaultValue) in RunParameters.defaults {
                let expected = given[name] ?? defaultValue
                guard let actual = stored[name] else { continue }
                if let number = Double(expected) {
                    XCTAssertEqual(Double(actual), number, "\(name) of run \(run)")
                } else {
                    XCTAssertEqual(actual, expected, "\(name) of run \(run)")
                }
            }
            XCTAssertEqual(try value("select jsonb_typeof(parameters -> 'keywork_max_gap_days') from metrics.runs where run_id = \(run)"),
                           "number")
        }

        // ingest_batches: the extract files the data came from
        let loaded = Set(report.files.filter { $0.status == .loaded }.map(\.file))
        XCTAssertFalse(loaded.isEmpty)
        for run in [official, plain] {
            XCTAssertEqual(try value("select jsonb_typeof(ingest_batches) from metrics.runs where run_id = \(run)"), "object")
            let files = try column("select key from metrics.runs, jsonb_object_keys(ingest_batches) as key where run_id = \(run)")
            XCTAssertEqual(Set(files.compactMap { $0 }), loaded, "ingest_batches of run \(run)")
        }
    }

    func testFailedRunIsRecordedAndIgnored() throws {
        try load(fixture: "keywork")
        let good = try aggregate(from: "2024-01-01", to: "2024-04-01")
        // the range starts after the as-of date (2024-04-05): nothing to compute
        assertSQLState("22023", "range after as_of") {
            try self.aggregate(from: "2025-01-01", to: "2025-02-01")
        }
        let failed = try XCTUnwrap(try value("select max(run_id)::text from metrics.runs").flatMap { Int64($0) })
        XCTAssertGreaterThan(failed, good)
        assertRows(try rows("select status, (finished_at is not null)::text from metrics.runs where run_id = \(failed)"),
                   [["failed", "true"]])
        for table in ["metrics.run_periods", "metrics.case_metrics", "metrics.rates", "metrics.volumes"] {
            XCTAssertEqual(try value("select count(*)::text from \(SQLQuery(unsafeSQL: table)) where run_id = \(failed)"), "0", table)
        }
        XCTAssertEqual(try column("select distinct run_id::text from metrics.latest_rates"), [String(good)])
    }

    // MARK: - Latest views

    func testLatestViewsShowTheNewestRun() throws {
        try load(fixture: "keywork")
        let latestQuarter: SQLQuery = """
            select scope_type, scope_id, metric, numerator::text, denominator::text, rate::text, band, run_id::text
            from metrics.latest_rates
            where period_start = '2024-01-01' and nominal_end = '2024-04-01'
            order by scope_type, scope_id collate "C", metric
            """
        let quarterOf: (Int64) -> SQLQuery = { run in """
            select scope_type, scope_id, metric, numerator::text, denominator::text, rate::text, band, run_id::text
            from metrics.rates
            where run_id = \(run) and period_start = '2024-01-01'
            order by scope_type, scope_id collate "C", metric
            """ }
        let first = try aggregate(from: "2024-01-01", to: "2024-04-01")
        assertRows(try rows(latestQuarter), try rows(quarterOf(first)), "latest after one run")

        // a newer run of the same period with other results replaces it
        let second = try aggregate(from: "2024-01-01", to: "2024-04-01", overrides: ["keywork_max_gap_days": "15"])
        let nationalKeywork: SQLQuery = """
            select numerator::text from metrics.rates
            where scope_type = 'national' and metric = 'keywork_regular' and period_start = '2024-01-01'
            order by run_id
            """
        let numerators = try column(nationalKeywork)
        XCTAssertEqual(numerators.count, 2)
        XCTAssertEqual(numerators.first, "4")
        XCTAssertNotEqual(numerators.last, "4", "the second run should give other numbers")
        assertRows(try rows(latestQuarter), try rows(quarterOf(second)), "latest after a second run")
        assertRows(try rows("""
            select lcm.run_id::text, lcm.met::text, lcm.establishment_code
            from metrics.latest_case_metrics as lcm
            where lcm.case_id = 'K02' and lcm.metric = 'keywork_regular' and lcm.period_start = '2024-01-01'
            """), try rows("""
            select cm.run_id::text, cm.met::text, 'AAA'
            from metrics.case_metrics as cm
            where cm.run_id = \(second) and cm.case_id = 'K02' and cm.metric = 'keywork_regular'
            """))

        // months stay apart from the quarter; April computed with an earlier as-of is replaced
        let early = try aggregate(from: "2024-01-01", to: "2024-05-01", period: .month, asOf: "2024-04-03")
        let aprilRow: SQLQuery = """
            select run_id::text, period_end::text, nominal_end::text, as_of::text
            from metrics.latest_rates
            where scope_type = 'national' and metric = 'keywork_regular' and period_start = '2024-04-01'
            """
        assertRows(try rows(aprilRow), [[String(early), "2024-04-04", "2024-05-01", "2024-04-03"]], "April, early")
        let complete = try aggregate(from: "2024-01-01", to: "2024-05-01", period: .month)
        assertRows(try rows(aprilRow), [[String(complete), "2024-04-06", "2024-05-01", "2024-04-05"]], "April, complete")

        assertRows(try rows("""
            select nominal_end::text, run_id::text
            from metrics.latest_rates
            where scope_type = 'national' and metric = 'keywork_regular' and period_start = '2024-01-01'
            order by nominal_end
            """), [
            ["2024-02-01", String(complete)],   // January
            ["2024-04-01", String(second)],     // the quarter
        ])
        XCTAssertEqual(try column("select distinct run_id::text from metrics.latest_volumes"), [String(complete)])
        XCTAssertEqual(try column("""
            select distinct run_id::text from metrics.latest_case_metrics where period_start = '2024-02-01'
            """), [String(complete)])
    }

    // MARK: - Pruning

    func testPruneRunsRemovesOlderNonOfficialRuns() throws {
        try load(fixture: "keywork")
        let official = try aggregate(from: "2024-01-01", to: "2024-04-01", official: true)
        let older = try aggregate(from: "2024-01-01", to: "2024-04-01")
        let old = try aggregate(from: "2024-01-01", to: "2024-04-01")
        let newest = try aggregate(from: "2024-01-01", to: "2024-04-01")
        let remaining: SQLQuery = "select run_id::text from metrics.runs order by run_id"

        XCTAssertEqual(try value("select metrics.prune_runs(1)::text"), "2")
        XCTAssertEqual(try column(remaining), [String(official), String(newest)])
        for run in [older, old] {
            for table in ["metrics.run_periods", "metrics.case_metrics", "metrics.rates", "metrics.volumes"] {
                XCTAssertEqual(try value("select count(*)::text from \(SQLQuery(unsafeSQL: table)) where run_id = \(run)"), "0", "\(table) of run \(run)")
            }
        }

        // official runs are never removed: they are what was published
        XCTAssertEqual(try value("select metrics.prune_runs(0)::text"), "1")
        XCTAssertEqual(try column(remaining), [String(official)])
        XCTAssertEqual(try column("select distinct run_id::text from published.rates"), [String(official)])
        XCTAssertEqual(try value("select metrics.prune_runs(0)::text"), "0")

        assertSQLState("22023", "negative keep") {
            try self.connection.query("select metrics.prune_runs(-1)")
        }
    }

    // MARK: - Roles

    func testPublicRoleReadsPublishedOnly() throws {
        try load(fixture: "keywork")
        let official = try aggregate(from: "2024-01-01", to: "2024-04-01", official: true)
        let canSetRoles = try value("""
            select (count(*) = 2 and bool_and(pg_has_role(current_user, r.oid, 'member')))::text
            from pg_roles as r where r.rolname in ('throughcare_reader', 'throughcare_public')
            """)
        try XCTSkipUnless(canSetRoles == "true", "the roles are missing or this login may not set them")

        try connection.execute(script: "set role throughcare_public")
        defer { _ = try? connection.execute(script: "reset role") }
        XCTAssertEqual(try value("select current_user::text"), "throughcare_public")
        XCTAssertEqual(try value("select count(*)::text from published.rates"),
                       String(5 * 13))   // 5 scopes x 13 metrics of the official run
        XCTAssertEqual(try column("select distinct run_id::text from published.volumes"), [String(official)])
        for relation in ["metrics.rates", "metrics.runs", "metrics.latest_rates", "metrics.case_metrics", "core.cases", "ingest.rejects"] {
            assertSQLState("42501", "throughcare_public reading \(relation)") {
                try self.connection.query("select count(*) from \(SQLQuery(unsafeSQL: relation))")
            }
        }
        try connection.execute(script: "reset role")

        // analysts read metrics, but not the raw rejected lines
        try connection.execute(script: "set role throughcare_reader")
        XCTAssertEqual(try value("select count(*)::text from metrics.rates where run_id = \(official)"), "65")
        XCTAssertNoThrow(try connection.query("select count(*) from published.rates"))
        assertSQLState("42501", "throughcare_reader reading ingest.rejects") {
            try self.connection.query("select count(*) from ingest.rejects")
        }
        try connection.execute(script: "reset role")
        XCTAssertNotEqual(try value("select current_user::text"), "throughcare_reader")
    }

    /// Grants are made in one place (sql/030_access) and by every stage that creates readable
    /// objects: after a transform alone, before any aggregate, analysts read core and quality.
    func testReaderReadsCoreAndQualityAfterTransformAlone() throws {
        try load(fixture: "keywork")
        let canSetRole = try value("""
            select pg_has_role(current_user, r.oid, 'member')::text from pg_roles as r where r.rolname = 'throughcare_reader'
            """)
        try XCTSkipUnless(canSetRole == "true", "the reader role is missing or this login may not set it")
        XCTAssertEqual(try value("select (to_regclass('metrics.runs') is null)::text"), "true", "no aggregate has run")

        try connection.execute(script: "set role throughcare_reader")
        defer { _ = try? connection.execute(script: "reset role") }
        XCTAssertNotEqual(try value("select count(*)::text from core.cases"), "0")
        XCTAssertNoThrow(try connection.query("select count(*) from quality.orphans"))
        XCTAssertNoThrow(try connection.query("select core.responsible_on(c.case_id, c.sentence_start_date) from core.cases as c"))
        XCTAssertEqual(try value("select count(*)::text from throughcare.schema_version where step = 0"), "2")
        assertSQLState("42501", "throughcare_reader reading staging") {
            try self.connection.query("select count(*) from staging.cases")
        }
    }

    // MARK: - Documentation

    func testEveryMetricsAndPublishedObjectHasAComment() throws {
        try prepareKeywork()
        let relations = try column("""
            select concat_ws('.', n.nspname, c.relname)
            from pg_catalog.pg_class as c
            join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
            where n.nspname in ('metrics', 'published') and c.relkind in ('r', 'p', 'v', 'm')
            order by 1
            """).compactMap { $0 }
        let named = ["metrics.runs", "metrics.run_periods", "metrics.metric_definitions", "metrics.case_metrics", "metrics.rates",
                     "metrics.volumes", "metrics.inspection_sample", "metrics.schema_version", "metrics.latest_rates",
                     "metrics.latest_case_metrics", "metrics.latest_volumes", "published.rates_cells", "published.rates",
                     "published.volumes"]
        for relation in named {
            XCTAssertTrue(relations.contains(relation), "\(relation) is missing")
        }

        let uncommented = try column("""
            select n.nspname
            from pg_catalog.pg_namespace as n
            where n.nspname in ('metrics', 'published')
              and obj_description(n.oid, 'pg_namespace') is null
            union all
            select concat_ws('.', n.nspname, c.relname)
            from pg_catalog.pg_class as c
            join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
            where n.nspname in ('metrics', 'published')
              and c.relkind in ('r', 'p', 'v', 'm')
              and obj_description(c.oid, 'pg_class') is null
            union all
            select concat_ws('.', n.nspname, c.relname, a.attname)
            from pg_catalog.pg_class as c
            join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
            join pg_catalog.pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
            where n.nspname in ('metrics', 'published')
              and c.relkind in ('r', 'p', 'v', 'm')
              and col_description(c.oid, a.attnum) is null
            order by 1
            """)
        XCTAssertEqual(uncommented.compactMap { $0 }, [])
    }
}
