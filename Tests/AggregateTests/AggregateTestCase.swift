import Aggregate
import Foundation
import Ingest
import PostgresClient
import TestSupport
import ThroughcareCore
import Transform
import XCTest

/// Base class of the aggregate tests: a fresh database per test, a hand-built fixture from
/// Fixtures/<name> ingested and transformed, and helpers to run the aggregate and read what it
/// wrote. Every expected value in the subclasses comes from Fixtures/<name>/EXPECTED.md (worked
/// by hand). Dates and counts are compared as text (`::text`); rates and intervals as Double
/// with the tolerance EXPECTED.md gives; volumes as decimals (they are stored rounded to 10 places).
class AggregateTestCase: XCTestCase {
    var database: TestDatabase!
    var connection: PostgresConnection!

    override func setUpWithError() throws {
        try super.setUpWithError()
        database = try TestDatabase()
        connection = try database.connect()
    }

    override func tearDown() {
        connection = nil
        database?.drop()
        database = nil
        super.tearDown()
    }

    // MARK: - Loading and running

    static func fixtureDirectory(_ name: String) -> String {
        repositoryRoot().appendingPathComponent("Tests/AggregateTests/Fixtures/\(name)").path
    }

    /// Ingests Fixtures/<name> (full mode, no rejects allowed) and runs the transform with the
    /// default parameters.
    @discardableResult
    func load(fixture name: String, file: StaticString = #filePath, line: UInt = #line) throws -> IngestReport {
        let directory = Self.fixtureDirectory(name)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory), "no fixture directory \(directory)", file: file, line: line)
        let options = IngestOptions(mode: .full, maxRejectRate: 0)
        let report = try IngestRunner(connection: connection, options: options).run(directory: directory)
        XCTAssertFalse(report.anyFailed,
                       "fixture \(name): files not loaded: \(report.files.filter { $0.status != .loaded }.map(\.file))",
                       file: file, line: line)
        XCTAssertEqual(report.files.map(\.rowsRejected).reduce(0, +), 0, "fixture \(name): rejected rows", file: file, line: line)
        try TransformRunner(connection: connection).run(parameters: RunParameters())
        return report
    }

    /// Runs `aggregate --from --to --period` (dates as YYYY-MM-DD, `to` exclusive) and returns the run id.
    @discardableResult
    func aggregate(from: String, to: String, period: PeriodKind = .whole, official: Bool = false,
                   overrides: [String: String] = [:], asOf: String? = nil) throws -> Int64 {
        let fromDate = try XCTUnwrap(CivilDate(from), "bad from date \(from)")
        let toDate = try XCTUnwrap(CivilDate(to), "bad to date \(to)")
        let asOfDate = try asOf.map { try XCTUnwrap(CivilDate($0), "bad as-of date \($0)") }
        let parameters = try RunParameters(overrides: overrides, asOf: asOfDate)
        let request = AggregateRequest(from: fromDate, to: toDate, period: period, official: official, parameters: parameters)
        return try AggregateRunner(connection: connection).run(request)
    }

    /// Creates the metrics and published schemas without running anything (needs core: load first).
    func prepareAggregateSchema() throws {
        try AggregateRunner(connection: connection).prepareSchema()
    }

    // MARK: - Reading

    /// All rows of a query as text (NULL as nil).
    func rows(_ sql: SQLQuery) throws -> [[String?]] {
        try connection.query(sql).rows.map(\.values)
    }

    /// The first column of the first row (nil when NULL or no row).
    func value(_ sql: SQLQuery) throws -> String? {
        try rows(sql).first?.first ?? nil
    }

    /// The first column of every row.
    func column(_ sql: SQLQuery) throws -> [String?] {
        try rows(sql).map { $0.first ?? nil }
    }

    /// Every core.contacts row, hashed in key order.
    func coreFingerprint() throws -> String? {
        try value("select count(*)::text || ':' || md5(string_agg(c::text, '|' order by c.contact_id)) from core.contacts as c")
    }

    func count(_ relation: String) throws -> Int {
        try connection.query("select count(*) from \(SQLQuery(unsafeSQL: relation))").scalar(Int.self)
    }

    /// Compares row by row, so a failure names the row that differs.
    func assertRows(_ actual: [[String?]], _ expected: [[String?]], _ message: String = "",
                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, "row count \(message)", file: file, line: line)
        for (got, want) in zip(actual, expected) {
            XCTAssertEqual(got, want, message, file: file, line: line)
        }
    }

    /// `(period_start, period_end, nominal_end)` of a run, in order.
    func periods(run: Int64) throws -> [[String?]] {
        try rows("""
            select period_start::text, period_end::text, nominal_end::text
            from metrics.run_periods
            where run_id = \(run)
            order by period_start
            """)
    }

    func asOf(run: Int64) throws -> String? {
        try value("select as_of::text from metrics.runs where run_id = \(run)")
    }

    // MARK: - Case metrics

    /// Outcome codes as EXPECTED.md writes them, by case: "E M" eligible and met, "E x" eligible
    /// and not met, "-" not eligible (met NULL). "E ?" would be eligible with met NULL (a bug).
    func outcomes(run: Int64, metric: String, periodStart: String) throws -> [String: String] {
        let result = try rows("""
            select case_id,
                   case when not eligible then '-' when met then 'E M' when not met then 'E x' else 'E ?' end
            from metrics.case_metrics
            where run_id = \(run) and metric = \(metric) and period_start = \(periodStart)::date
            """)
        var byCase: [String: String] = [:]
        for row in result {
            byCase[row[0]!] = row[1]!
        }
        return byCase
    }

    /// Expands `["P02 P03 P04": "E x"]` (space-separated case ids) into one entry per case.
    func outcomeTable(_ groups: KeyValuePairs<String, String>, file: StaticString = #filePath, line: UInt = #line) -> [String: String] {
        var table: [String: String] = [:]
        for (cases, code) in groups {
            for caseID in cases.split(separator: " ").map(String.init) {
                if table[caseID] != nil { XCTFail("case \(caseID) listed twice", file: file, line: line) }
                table[caseID] = code
            }
        }
        return table
    }

    /// Exactly the cases of `expected` have a row for the metric and period, each with the given outcome.
    func assertOutcomes(run: Int64, metric: String, periodStart: String, _ expected: [String: String],
                        file: StaticString = #filePath, line: UInt = #line) throws {
        let actual = try outcomes(run: run, metric: metric, periodStart: periodStart)
        XCTAssertEqual(actual.keys.sorted(), expected.keys.sorted(), "\(metric) \(periodStart): cases with a row", file: file, line: line)
        for caseID in expected.keys.sorted() {
            guard let got = actual[caseID] else { continue }
            XCTAssertEqual(got, expected[caseID], "\(metric) \(periodStart) \(caseID)", file: file, line: line)
        }
    }

    /// Cases that are eligible (or, with `met: true`, met) for a metric in a period, in order.
    func cases(run: Int64, metric: String, periodStart: String, met: Bool = false) throws -> [String] {
        try column("""
            select case_id
            from metrics.case_metrics
            where run_id = \(run) and metric = \(metric) and period_start = \(periodStart)::date
              and eligible and (not \(met)::boolean or met)
            order by case_id
            """).map { $0 ?? "NULL" }
    }

    /// `detail ->> key` for each key, by case.
    func details(run: Int64, metric: String, periodStart: String, keys: [String]) throws -> [String: [String?]] {
        let selected = keys.map { key -> SQLQuery in "cm.detail ->> \(key)" }.joined(separator: ", ")
        let sql: SQLQuery = """
            select cm.case_id, \(selected)
            from metrics.case_metrics as cm
            where cm.run_id = \(run) and cm.metric = \(metric) and cm.period_start = \(periodStart)::date
            """
        var byCase: [String: [String?]] = [:]
        for row in try rows(sql) {
            byCase[row[0]!] = Array(row.dropFirst())
        }
        return byCase
    }

    /// The detail values of the cases in `expected` (others are not checked).
    func assertDetails(run: Int64, metric: String, periodStart: String, keys: [String], _ expected: [String: [String?]],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let actual = try details(run: run, metric: metric, periodStart: periodStart, keys: keys)
        for caseID in expected.keys.sorted() {
            guard let got = actual[caseID] else {
                XCTFail("\(metric) \(periodStart): no row for \(caseID)", file: file, line: line)
                continue
            }
            XCTAssertEqual(got, expected[caseID], "\(metric) \(caseID) detail \(keys)", file: file, line: line)
        }
    }

    /// A jsonb array of dates in `detail -> key`, space-separated, by case ("" when empty).
    func detailDates(run: Int64, metric: String, periodStart: String, key: String) throws -> [String: String] {
        let result = try rows("""
            select cm.case_id,
                   coalesce((select string_agg(d.element, ' ' order by d.ordinal)
                             from jsonb_array_elements_text(cm.detail -> \(key)::text) with ordinality as d (element, ordinal)), '')
            from metrics.case_metrics as cm
            where cm.run_id = \(run) and cm.metric = \(metric) and cm.period_start = \(periodStart)::date
            """)
        var byCase: [String: String] = [:]
        for row in result {
            byCase[row[0]!] = row[1]!
        }
        return byCase
    }

    // MARK: - Rates

    /// `numerator/denominator` of every scope of a metric and period, keyed `scope_type/scope_id`.
    func counts(run: Int64, metric: String, periodStart: String) throws -> [String: String] {
        let result = try rows("""
            select scope_type || '/' || scope_id, numerator || '/' || denominator
            from metrics.rates
            where run_id = \(run) and metric = \(metric) and period_start = \(periodStart)::date
            """)
        var byScope: [String: String] = [:]
        for row in result {
            byScope[row[0]!] = row[1]!
        }
        return byScope
    }

    /// Compares one rate row per expected value (numerator and denominator exactly, rate and
    /// interval within `accuracy`, band exactly). `relation` may be a view with the same columns.
    func assertRates(run: Int64, periodStart: String, accuracy: Double, _ expected: [ExpectedRate],
                     relation: String = "metrics.rates", file: StaticString = #filePath, line: UInt = #line) throws {
        for want in expected {
            let found = try rows("""
                select numerator::text, denominator::text, rate::text, ci_low::text, ci_high::text, band
                from \(SQLQuery(unsafeSQL: relation))
                where run_id = \(run) and period_start = \(periodStart)::date
                  and scope_type = \(want.scopeType) and scope_id = \(want.scopeID) and metric = \(want.metric)
                """)
            guard found.count == 1 else {
                XCTFail("\(want.label) \(periodStart): expected one row in \(relation), found \(found.count)", file: file, line: line)
                continue
            }
            let row = found[0]
            XCTAssertEqual(row[0], String(want.numerator), "\(want.label) numerator", file: file, line: line)
            XCTAssertEqual(row[1], String(want.denominator), "\(want.label) denominator", file: file, line: line)
            assertNumber(row[2], want.rate, accuracy: accuracy, "\(want.label) rate", file: file, line: line)
            assertNumber(row[3], want.ci?.low, accuracy: accuracy, "\(want.label) ci_low", file: file, line: line)
            assertNumber(row[4], want.ci?.high, accuracy: accuracy, "\(want.label) ci_high", file: file, line: line)
            XCTAssertEqual(row[5], want.band, "\(want.label) band", file: file, line: line)
        }
    }

    /// A number printed by PostgreSQL against an expected Double (both NULL, or within accuracy).
    func assertNumber(_ actual: String?, _ expected: Double?, accuracy: Double, _ message: String,
                      file: StaticString = #filePath, line: UInt = #line) {
        switch (actual, expected) {
        case (nil, nil):
            return
        case let (text?, want?):
            guard let number = Double(text) else {
                XCTFail("\(message): \(text) is not a number", file: file, line: line)
                return
            }
            XCTAssertEqual(number, want, accuracy: accuracy, message, file: file, line: line)
        default:
            XCTFail("\(message): got \(actual ?? "NULL"), expected \(expected.map { "\($0)" } ?? "NULL")", file: file, line: line)
        }
    }

    /// A decimal printed by PostgreSQL against an expected decimal text, exactly ("0.35" = "0.350").
    func assertDecimal(_ actual: String?, _ expected: String?, _ message: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        switch (actual, expected) {
        case (nil, nil):
            return
        case let (text?, want?):
            guard let got = Decimal(string: text), let wanted = Decimal(string: want) else {
                XCTFail("\(message): \(text) or \(want) is not a decimal", file: file, line: line)
                return
            }
            XCTAssertEqual(got, wanted, "\(message): got \(text), expected \(want)", file: file, line: line)
        default:
            XCTFail("\(message): got \(actual ?? "NULL"), expected \(expected ?? "NULL")", file: file, line: line)
        }
    }

    /// Asserts that `body` fails with the given SQLSTATE.
    func assertSQLState(_ sqlState: String, _ message: String, file: StaticString = #filePath, line: UInt = #line,
                        _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), message, file: file, line: line) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, sqlState, "\(message): \(error)", file: file, line: line)
        }
    }
}

/// One expected row of metrics.rates (or a view with its columns).
struct ExpectedRate {
    var scopeType: String
    var scopeID: String
    var metric: String
    var numerator: Int
    var denominator: Int
    var rate: Double?
    var ci: (low: Double, high: Double)?
    var band: String?

    init(_ scopeType: String, _ scopeID: String, _ metric: String, _ numerator: Int, _ denominator: Int,
         rate: Double?, ci: (low: Double, high: Double)?, band: String?) {
        self.scopeType = scopeType
        self.scopeID = scopeID
        self.metric = metric
        self.numerator = numerator
        self.denominator = denominator
        self.rate = rate
        self.ci = ci
        self.band = band
    }

    /// A 0/0 cell: rate, interval and band NULL.
    static func empty(_ scopeType: String, _ scopeID: String, _ metric: String) -> ExpectedRate {
        ExpectedRate(scopeType, scopeID, metric, 0, 0, rate: nil, ci: nil, band: nil)
    }

    /// The same figures for another scope (a rollup equal to its only child).
    func at(_ scopeType: String, _ scopeID: String) -> ExpectedRate {
        var cell = self
        cell.scopeType = scopeType
        cell.scopeID = scopeID
        return cell
    }

    var label: String { "\(metric) \(scopeType)/\(scopeID)" }
}
