import Aggregate
import Foundation
import PostgresClient
import TestSupport
import ThroughcareCore
import XCTest

/// Schema step 8: a run's volumes and data-quality counts are computed on a second connection
/// while its case metrics are computed on the first, into pending tables the run's own
/// transaction empties when it completes. These tests check that the second session really
/// does the work, that its figures equal those of the whole run on one connection, and that a
/// run that fails or dies leaves nothing pending and nothing in the tables analysts read.
final class SecondConnectionRunTests: AggregateTestCase {
    static let fixture = "suppression"

    /// Every row the second connection writes is logged with the session that wrote it.
    func logPendingWriters() throws {
        try connection.execute(script: """
            create table public.pending_writers (tablename text, pid integer, application_name text);
            create function public.log_pending_writer() returns trigger language plpgsql as $$
            begin
                insert into public.pending_writers values (tg_table_name, pg_backend_pid(), current_setting('application_name'));
                return null;
            end;
            $$;
            create trigger log_writer after insert on metrics.pending_volumes
                for each statement execute function public.log_pending_writer();
            create trigger log_writer after insert on metrics.pending_run_data_quality
                for each statement execute function public.log_pending_writer();
            """)
    }

    /// A run's figures as text, without its run id, for comparing two runs.
    func figures(run: Int64) throws -> [String] {
        try column("""
            select concat_ws(',', 'volume', scope_type, scope_id, period_start, period_end, measure, value) from metrics.volumes where run_id = \(run)
            union all
            select concat_ws(',', 'quality', scope_type, scope_id, measure, value) from metrics.run_data_quality where run_id = \(run)
            union all
            select concat_ws(',', 'rate', scope_type, scope_id, period_start, metric, numerator, denominator, band) from metrics.rates where run_id = \(run)
            order by 1
            """).compactMap { $0 }
    }

    func pendingRows() throws -> String? {
        try value("select ((select count(*) from metrics.pending_volumes) + (select count(*) from metrics.pending_run_data_quality))::text")
    }

    /// Runs the test's aggregate, which must fail with `message`; returns the failed run.
    func failingAggregate(saying message: String, file: StaticString = #filePath, line: UInt = #line) throws -> Int64 {
        XCTAssertThrowsError(try aggregate(from: "2024-01-01", to: "2024-04-01", period: .month), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(message), "\(error)", file: file, line: line)
        }
        let run = try connection.query("select max(run_id) from metrics.runs").scalar(Int64.self)
        XCTAssertEqual(try value("select status from metrics.runs where run_id = \(run)"), "failed", file: file, line: line)
        return run
    }

    /// Nothing of a failed run is pending, nor in the tables analysts read.
    func assertKeptNothing(of run: Int64, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try pendingRows(), "0", "metrics.fail_run removed what the second session committed", file: file, line: line)
        XCTAssertEqual(try count("metrics.pending_runs"), 0, file: file, line: line)
        for table in ["metrics.volumes", "metrics.run_data_quality", "metrics.rates", "metrics.case_period_results"] {
            XCTAssertEqual(try count("\(table) where run_id = \(run)"), 0, "\(table) holds nothing of the failed run", file: file, line: line)
        }
    }

    func testVolumesAndQualityCountsComeFromASecondSessionAndMatchAOneConnectionRun() throws {
        try load(fixture: Self.fixture)
        try prepareAggregateSchema()
        try logPendingWriters()
        let run = try aggregate(from: "2024-01-01", to: "2024-04-01", period: .month)

        let writers = try rows("select tablename, pid::text, application_name from public.pending_writers order by 1")
        XCTAssertEqual(writers.map { $0[0] }, ["pending_run_data_quality", "pending_volumes"], "both pending tables were written")
        for writer in writers {
            XCTAssertNotEqual(writer[1], "\(connection.backendPID)", "written by another session than the run's: \(writer)")
            XCTAssertEqual(writer[2], "throughcare aggregate run \(run) volumes")
        }
        XCTAssertEqual(try pendingRows(), "0", "the run's transaction moved every pending row across")
        XCTAssertEqual(try value("select status from metrics.runs where run_id = \(run)"), "succeeded")

        // the same request computed in one call on one connection (metrics.execute_run)
        let single = try connection.query("""
            insert into metrics.runs (period_kind, range_from, range_to, parameters, ingest_batches, backend_pid)
            select period_kind, range_from, range_to, parameters, ingest_batches, pg_backend_pid() from metrics.runs where run_id = \(run)
            returning run_id
            """).scalar(Int64.self)
        try connection.call("metrics.execute_run", single)
        let figures = try figures(run: run)
        XCTAssertTrue(figures.contains { $0.hasPrefix("volume,") } && figures.contains { $0.hasPrefix("quality,") })
        XCTAssertEqual(figures, try self.figures(run: single))
        XCTAssertEqual(try count("metrics.run_data_quality where run_id = \(run)"), try count("metrics.run_data_quality where run_id = \(single)"))
    }

    func testRunThatFailsAfterTheSecondSessionCommittedKeepsNothingOfIt() throws {
        try load(fixture: Self.fixture)
        try prepareAggregateSchema()
        try logPendingWriters()
        // the rates fail once the second session has surely committed its rows
        try connection.execute(script: """
            create or replace function metrics.fill_rates(p_run_id bigint) returns bigint language plpgsql as $$
            begin
                perform pg_sleep(0.5);
                raise exception 'rates broke on purpose';
            end;
            $$;
            """)
        let run = try failingAggregate(saying: "rates broke on purpose")
        XCTAssertEqual(try count("public.pending_writers"), 2, "the second session had committed both tables")
        try assertKeptNothing(of: run)
    }

    func testRunOnSessionsDefaultingToRepeatableReadStillMovesTheSecondSessionsRows() throws {
        try load(fixture: Self.fixture)
        try prepareAggregateSchema()
        let expected = try figures(run: try aggregate(from: "2024-01-01", to: "2024-04-01", period: .month))
        // as a DBA might set it: for the database (the second connection) and this session
        try connection.execute(script: """
            do $$ begin
                execute format('alter database %I set default_transaction_isolation = %L', current_database(), 'repeatable read');
            end $$;
            set default_transaction_isolation = 'repeatable read';
            """)
        let run = try aggregate(from: "2024-01-01", to: "2024-04-01", period: .month)
        XCTAssertEqual(try value("select status from metrics.runs where run_id = \(run)"), "succeeded")
        XCTAssertEqual(try figures(run: run), expected, "every volume and data-quality count was moved across")
        XCTAssertEqual(try pendingRows(), "0")
    }

    func testCompleteRunRefusesARunWhoseSecondPartNeverCommitted() throws {
        try load(fixture: Self.fixture)
        let earlier = try aggregate(from: "2024-01-01", to: "2024-04-01")
        let run = try connection.query("""
            insert into metrics.runs (period_kind, range_from, range_to, parameters, ingest_batches, backend_pid)
            select period_kind, range_from, range_to, parameters, ingest_batches, pg_backend_pid() from metrics.runs where run_id = \(earlier)
            returning run_id
            """).scalar(Int64.self)
        try connection.call("metrics.prepare_run", run)
        XCTAssertThrowsError(try connection.transaction {
            try connection.call("metrics.compute_run", run)
            try connection.call("metrics.complete_run", run)
        }) { error in
            XCTAssertTrue("\(error)".contains("metrics.compute_run_beside has not committed"), "\(error)")
        }
        XCTAssertEqual(try value("select status from metrics.runs where run_id = \(run)"), "running", "never marked succeeded")
        XCTAssertEqual(try count("metrics.rates where run_id = \(run)"), 0)
    }

    func testFailureOnTheSecondConnectionFailsTheRunWithItsError() throws {
        try load(fixture: Self.fixture)
        try prepareAggregateSchema()
        try connection.execute(script: """
            create function public.break_counts() returns trigger language plpgsql as $$
            begin
                raise exception 'data-quality counts broke on purpose';
            end;
            $$;
            create trigger break_counts before insert on metrics.pending_run_data_quality
                for each statement execute function public.break_counts();
            """)
        let notices = NoticeLines(connection)
        let run = try failingAggregate(saying: "data-quality counts broke on purpose")
        XCTAssertTrue(try value("select error_message from metrics.runs where run_id = \(run)")?.contains("broke on purpose") == true)
        XCTAssertTrue(notices.all.contains { $0.contains("aggregate: volumes") }, "the second session's notices are relayed when it fails: \(notices.all)")
        try assertKeptNothing(of: run)
    }

    func testFailureOnTheFirstConnectionCancelsTheSecondsStatement() throws {
        try load(fixture: Self.fixture)
        try prepareAggregateSchema()
        // the second connection would take two minutes; the first fails at once
        try connection.execute(script: """
            create function public.slow_volumes() returns trigger language plpgsql as $$
            begin
                perform pg_sleep(120);
                return null;
            end;
            $$;
            create trigger slow_volumes before insert on metrics.pending_volumes
                for each statement execute function public.slow_volumes();
            create or replace function metrics.fill_rates(p_run_id bigint) returns bigint language plpgsql as $$
            begin
                raise exception 'rates broke on purpose';
            end;
            $$;
            """)
        let started = Date()
        let run = try failingAggregate(saying: "rates broke on purpose") // the first connection's error is the run's
        XCTAssertLessThan(Date().timeIntervalSince(started), 60, "the second connection's two-minute statement was cancelled")
        try assertKeptNothing(of: run)
    }

    func testRunWithoutASecondConnectionComputesItsVolumesOnTheFirst() throws {
        try load(fixture: Self.fixture)
        try prepareAggregateSchema()
        let expected = try figures(run: try aggregate(from: "2024-01-01", to: "2024-04-01", period: .month))
        let notices = NoticeLines(connection)
        // no new session may connect (as at a server's or a role's connection limit); this one
        // stays. A superuser would pass the limit.
        if try value("select rolsuper::text from pg_roles where rolname = current_user") == "true" {
            throw XCTSkip("the tests' role is a superuser, which connection limits do not stop")
        }
        try connection.execute(script: """
            do $$ begin
                execute format('alter database %I connection limit 1', current_database());
            end $$;
            """)
        defer {
            try? connection.execute(script: "do $$ begin execute format('alter database %I connection limit -1', current_database()); end $$;")
        }
        let run = try aggregate(from: "2024-01-01", to: "2024-04-01", period: .month)
        XCTAssertEqual(try value("select status from metrics.runs where run_id = \(run)"), "succeeded")
        XCTAssertEqual(try figures(run: run), expected, "the same volumes, caveats and rates as with two connections")
        XCTAssertTrue(notices.all.contains { $0.hasPrefix("WARNING:  aggregate: no second connection") }, "\(notices.all)")
        XCTAssertEqual(try pendingRows(), "0")
    }

    func testPendingRowsOfRunsNoLongerRunningAreSwept() throws {
        try load(fixture: Self.fixture)
        let finished = try aggregate(from: "2024-01-01", to: "2024-04-01")
        // as a run whose process died after its second connection committed would leave them
        try connection.query("""
            insert into metrics.pending_volumes (run_id, scope_type, scope_id, period_start, period_end, measure, value)
            values (\(finished), 'national', 'national', '2024-01-01', '2024-02-01', 'cases_in_custody', 1)
            """)
        try connection.query("""
            insert into metrics.pending_run_data_quality (run_id, scope_type, scope_id, measure, value)
            values (\(finished), 'national', 'national', 'custody_cases', 1)
            """)
        try connection.query("insert into metrics.pending_runs (run_id, volumes) values (\(finished), 1)")
        XCTAssertEqual(try pendingRows(), "2")
        try connection.call("metrics.mark_dead_runs")
        XCTAssertEqual(try pendingRows(), "0")
        XCTAssertEqual(try count("metrics.pending_runs"), 0)
    }
}

/// The server notices a connection receives, collected as they arrive.
private final class NoticeLines {
    var all: [String] = []

    init(_ connection: PostgresConnection) {
        connection.noticeHandler = { [weak self] in self?.all.append($0) }
    }
}
