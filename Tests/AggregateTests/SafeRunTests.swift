import Aggregate
import Export
import Foundation
import Ingest
import LocalPostgres
import PostgresClient
import TestSupport
import ThroughcareCore
import Transform
import XCTest

/// The ways a run could publish from a broken state, or block its readers (issue "Safe runs"):
/// each test provokes one against a real PostgreSQL — a server crash, a killed process, commands
/// at once, an idle reader — and checks that what was published before is still what is published.
final class SafeRunTests: AggregateTestCase {
    static let fixture = "suppression"

    /// The CLI tests need the built binary; CI (make test) builds it, so there a missing one is a failure.
    func requireBinary(_ binary: URL) throws {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("\(binary.path) is missing") }
            throw XCTSkip("build the CLI first (make test does)")
        }
    }

    func officialRun(overrides: [String: String] = [:], on connection: PostgresConnection? = nil) throws -> Int64 {
        let parameters = try RunParameters(overrides: overrides)
        let request = AggregateRequest(from: CivilDate("2024-01-01")!, to: CivilDate("2024-04-01")!, period: .whole,
                                       official: true, parameters: parameters)
        return try AggregateRunner(connection: connection ?? self.connection).run(request)
    }

    func publishedFigures(_ connection: PostgresConnection? = nil) throws -> [String] {
        try (connection ?? self.connection).query("""
            select concat_ws(',', scope_type, scope_id, metric, numerator, denominator, suppressed)
            from published.rates order by 1
            """).rows.compactMap { $0.values[0] }
    }

    func assertNotReady(_ expression: @autoclosure () throws -> Any, containing text: String,
                        file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            let postgres = error as? PostgresError
            XCTAssertEqual(postgres?.sqlState, PostgresError.notReadySQLState, "\(error)", file: file, line: line)
            XCTAssertTrue("\(error)".contains(text), "expected «\(text)» in: \(error)", file: file, line: line)
        }
    }

    /// Waits until another session of this database waits for a table lock (the transform
    /// reaching a table a test transaction holds).
    func waitForLockWait(on connection: PostgresConnection, file: StaticString = #filePath, line: UInt = #line) throws {
        for _ in 0..<1_500 {
            let waiting = try connection.query("""
                select count(*) from pg_stat_activity
                where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock'
                """).scalar(Int.self)
            if waiting > 0 { return }
            usleep(10_000)
        }
        XCTFail("no session ever waited for the held table", file: file, line: line)
    }

    // MARK: - 1. A server crash during transform

    func testServerCrashDuringTransformKeepsCoreAndPublishedFigures() throws {
        // Its own cluster: the crash must not take the other tests' server with it.
        let cluster = try LocalCluster.throwaway(prefix: "test")
        defer { try? cluster.destroy() }
        let conninfo = try cluster.start().conninfo()
        var connection = try PostgresConnection(conninfo)
        let options = IngestOptions(mode: .full, maxRejectRate: 0)
        let directory = Self.fixtureDirectory(Self.fixture)
        try IngestRunner(connection: connection, options: options).run(directory: directory)
        try TransformRunner(connection: connection).run(parameters: RunParameters())
        try officialRun(on: connection)
        let published = try publishedFigures(connection)
        let coreCases = try connection.query("select count(*) from core.cases").scalar(Int.self)
        XCTAssertGreaterThan(published.count, 0)

        // Hold core.contacts so the transform stops at 150_contacts, then crash the server there.
        let blocker = try PostgresConnection(conninfo)
        try blocker.execute(script: "begin; lock table core.contacts in access share mode")
        let transformError = ErrorBox()
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do {
                let own = try PostgresConnection(conninfo)
                // nothing new was loaded, so only a full rebuild rewrites core.contacts
                try TransformRunner(connection: own).run(parameters: RunParameters(), fullRebuild: true)
            } catch { transformError.set(error) }
            finished.signal()
        }
        try waitForLockWait(on: connection)
        let postmaster = try XCTUnwrap(cluster.serverPID())
        kill(postmaster, SIGQUIT)  // immediate shutdown: what pg_ctl -m immediate sends
        XCTAssertEqual(finished.wait(timeout: .now() + 30), .success)
        XCTAssertNotNil(transformError.value, "the transform cannot have finished on a crashed server")
        for _ in 0..<200 {
            if kill(postmaster, 0) != 0 { break }
            usleep(50_000)
        }

        connection = try PostgresConnection(try cluster.start().conninfo())
        XCTAssertEqual(try connection.query("select count(*) from staging.contacts").scalar(Int.self), 0,
                       "the crash empties UNLOGGED staging: the premise of this test")
        // Transform refuses instead of emptying core, and says what to do.
        assertNotReady(try TransformRunner(connection: connection).run(parameters: RunParameters()), containing: "ingest")
        XCTAssertEqual(try connection.query("select count(*) from core.cases").scalar(Int.self), coreCases)
        // No official figure from this state; what was published stays published.
        assertNotReady(try officialRun(on: connection), containing: "failed")
        XCTAssertEqual(try publishedFigures(connection), published)

        // Ingest again (the files are unchanged, but their rows are missing, so they load), then all is well.
        try IngestRunner(connection: connection, options: options).run(directory: directory)
        try TransformRunner(connection: connection).run(parameters: RunParameters())
        try officialRun(on: connection)
        XCTAssertEqual(try publishedFigures(connection), published)

        // An incremental top-up, a crash, the same top-up again: the newest load's rows are all
        // back, but the full load beneath them is not — transform must still refuse.
        let topUp = try copyOfDirectory(directory)
        defer { try? FileManager.default.removeItem(at: topUp) }
        for name in ["establishments", "staff", "allocations", "contacts", "assessments", "release_outcomes"] {
            try FileManager.default.removeItem(at: topUp.appendingPathComponent("\(name).csv"))
        }
        let casesFile = topUp.appendingPathComponent("cases.csv")
        let header = try String(contentsOf: casesFile, encoding: .utf8).split(separator: "\n")[0]
        try "\(header)\nSAA001,B0001SU,SAA,determinate,2024-01-02,2024-01-12,,2024-01-12,c,low,0,Small Region\n"
            .write(to: casesFile, atomically: true, encoding: .utf8)
        let incremental = IngestOptions(mode: .incremental, maxRejectRate: 0)
        try IngestRunner(connection: connection, options: incremental).run(directory: topUp.path)
        let server = try XCTUnwrap(cluster.serverPID())
        kill(server, SIGQUIT)
        for _ in 0..<200 {
            if kill(server, 0) != 0 { break }
            usleep(50_000)
        }
        connection = try PostgresConnection(try cluster.start().conninfo())
        let report = try IngestRunner(connection: connection, options: incremental).run(directory: topUp.path)
        XCTAssertTrue(report.warnings.contains { $0.contains("full ingest") }, "\(report.warnings)")
        assertNotReady(try TransformRunner(connection: connection).run(parameters: RunParameters()), containing: "full ingest")
        try IngestRunner(connection: connection, options: options).run(directory: directory)
        try TransformRunner(connection: connection).run(parameters: RunParameters())
    }

    // MARK: - 2. A transform killed mid-way

    func testKilledTransformLeavesThePreviousCoreWhole() throws {
        let binary = throughcareBinary()
        try requireBinary(binary)
        try load(fixture: Self.fixture)
        try officialRun()
        let published = try publishedFigures()
        let casesBefore = try column("select case_id from core.cases order by case_id")

        // A new extract: one case fewer, so a half-done transform would show in core.cases.
        let changed = try copyOfDirectory(Self.fixtureDirectory(Self.fixture))
        defer { try? FileManager.default.removeItem(at: changed) }
        let casesFile = changed.appendingPathComponent("cases.csv")
        var lines = try String(contentsOf: casesFile, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let dropped = lines.remove(at: try XCTUnwrap(lines.firstIndex { $0.hasPrefix("SFF050,") }))
        try lines.joined(separator: "\n").write(to: casesFile, atomically: true, encoding: .utf8)
        try IngestRunner(connection: connection, options: IngestOptions(mode: .full, maxRejectRate: 0.5)).run(directory: changed.path)

        try connection.execute(script: "begin; lock table core.contacts in access share mode")
        let pid = try spawnProcess([binary.path, "transform", "--quiet"], environment: ["DATABASE_URL": database.conninfo])
        let watcher = try database.connect()
        try waitForLockWait(on: watcher)
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        try connection.execute(script: "rollback")
        for _ in 0..<500 {
            let open = try watcher.query("""
                select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()
                """).scalar(Int.self)
            if open <= 1 { break }
            usleep(10_000)
        }

        XCTAssertEqual(try column("select case_id from core.cases order by case_id"), casesBefore,
                       "core is the previous build's, whole (the new extract drops \(dropped.prefix(6)))")
        // The dead build is the latest: refused for that, and for a core older than the extract.
        assertNotReady(try officialRun(), containing: "transform (build")
        XCTAssertEqual(try publishedFigures(), published)
        XCTAssertEqual(try value("select status from core.builds order by build_id desc limit 1"), "failed",
                       "the dead build is marked failed by the next stage")
        try TransformRunner(connection: connection).run(parameters: RunParameters())
        XCTAssertEqual(try count("core.cases"), casesBefore.count - 1)
        try officialRun()
    }

    /// An ingest that died after some files (its batch still 'running'): no official run from the
    /// mix of new and old files it left; an exploratory one may look.
    func testOfficialRunRefusedAfterAnIngestThatDied() throws {
        try load(fixture: Self.fixture)
        try connection.query("insert into ingest.batches (mode, extract_dir) values ('full', 'elsewhere')")
        assertNotReady(try officialRun(), containing: "before it finished")
        try aggregate(from: "2024-01-01", to: "2024-04-01")
        // A database whose core predates build records says so, and one transform mends it.
        try connection.query("delete from core.builds")
        assertNotReady(try aggregate(from: "2024-01-01", to: "2024-04-01"), containing: "older version")
    }

    // MARK: - 3. `run` on a partial extract

    func testRunStopsAtAFailedFileAndPublishesNothing() throws {
        let binary = throughcareBinary()
        try requireBinary(binary)
        let extract = try copyOfDirectory(Self.fixtureDirectory(Self.fixture))
        defer { try? FileManager.default.removeItem(at: extract) }
        // A truncated gzip: the stream ends mid-member.
        let contacts = extract.appendingPathComponent("contacts.csv")
        let gzip = try runProcess(["/bin/sh", "-c", "gzip -c '\(contacts.path)' > /tmp/$$.gz && head -c $(( $(stat -c %s /tmp/$$.gz) / 2 )) /tmp/$$.gz > '\(contacts.path).gz' && rm /tmp/$$.gz '\(contacts.path)'"])
        XCTAssertEqual(gzip.status, 0, gzip.output)

        let result = try runProcess([binary.path, "run", extract.path, "--from", "2024-01-01", "--to", "2024-04-01",
                                     "--period", "whole", "--publish", "--quiet"],
                                    environment: ["DATABASE_URL": database.conninfo])
        XCTAssertEqual(result.status, 3, result.output)
        XCTAssertTrue(result.output.contains("nothing was transformed"), result.output)
        if try value("select to_regclass('metrics.runs') is not null") == "t" {
            XCTAssertEqual(try count("metrics.runs"), 0, "no run may be computed from a partial extract")
        }
        XCTAssertEqual(try value("select count(*) from core.builds"), "0", "no transform either")
    }

    // MARK: - 4. Commands at once

    func testConcurrentFirstIngestsAndAggregatesNeverHitCatalogErrors() throws {
        let directory = Self.fixtureDirectory(Self.fixture)
        for round in 0..<3 {
            let fresh = try TestDatabase()
            defer { fresh.drop() }
            let freshConninfo = fresh.conninfo
            let errors = inParallel(2) {
                let own = try PostgresConnection(freshConninfo)
                try IngestRunner(connection: own, options: IngestOptions(mode: .full, maxRejectRate: 0)).run(directory: directory)
            }
            XCTAssertEqual(errors, [], "two first ingests on a new database, round \(round)")
        }
        try load(fixture: Self.fixture)
        try officialRun()
        let conninfo = database.conninfo
        for round in 0..<4 {
            // A new DDL version each round, so both also race to migrate.
            try connection.query("update throughcare.schema_version set checksum = 'stale' where unit = 'metrics' and step = 0")
            let errors = inParallel(2) {
                let own = try PostgresConnection(conninfo)
                _ = try AggregateRunner(connection: own).run(AggregateRequest(
                    from: CivilDate("2024-01-01")!, to: CivilDate("2024-04-01")!, period: .month, parameters: try RunParameters()))
            }
            XCTAssertEqual(errors, [], "two aggregates at once, round \(round)")
        }
        XCTAssertEqual(try value("select count(*) from metrics.runs where status = 'succeeded'"), "9")
    }

    /// Runs `body` on `count` threads at once; returns the errors as text (empty when all succeeded).
    func inParallel(_ count: Int, _ body: @escaping @Sendable () throws -> Void) -> [String] {
        let errors = ErrorBox()
        let group = DispatchGroup()
        for _ in 0..<count {
            group.enter()
            Thread.detachNewThread {
                do { try body() } catch { errors.set(error) }
                group.leave()
            }
        }
        group.wait()
        return errors.all.map { "\($0)" }
    }

    func testSecondStageWaitsAndNamesTheRunItWaitsFor() throws {
        try load(fixture: Self.fixture)
        let holder = try database.connect()
        try holder.setApplicationName("throughcare transform build 99")
        let lock = try StageLock.acquire(holder, key: StageLockKey.warehouse, mode: .exclusive)
        let messages = MessageBox()
        let conninfo = database.conninfo
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do {
                let own = try PostgresConnection(conninfo)
                _ = try AggregateRunner(connection: own, waiting: { messages.add($0) }).run(AggregateRequest(
                    from: CivilDate("2024-01-01")!, to: CivilDate("2024-04-01")!, period: .whole, parameters: try RunParameters()))
            } catch { messages.add("error: \(error)") }
            finished.signal()
        }
        XCTAssertEqual(finished.wait(timeout: .now() + 2), .timedOut, "the aggregate waits while a transform holds the lock")
        XCTAssertTrue(messages.all.contains { $0.contains("throughcare transform build 99 (pid \(holder.backendPID)") }, "\(messages.all)")
        lock.release()
        XCTAssertEqual(finished.wait(timeout: .now() + 60), .success)
        XCTAssertFalse(messages.all.contains { $0.hasPrefix("error") }, "\(messages.all)")
        XCTAssertEqual(try value("select count(*) from metrics.runs where status = 'succeeded'"), "1")
    }

    // MARK: - 5. An analyst's idle transaction

    func testIdleReaderBlocksNeitherAggregateNorOtherReaders() throws {
        try load(fixture: Self.fixture)
        try officialRun()
        let reader = try database.connect()
        try reader.execute(script: "begin; select count(*) from published.rates; select count(*) from metrics.latest_case_metrics")
        defer { _ = try? reader.execute(script: "rollback") }

        // A normal run changes no DDL, so it takes no lock the reader's transaction conflicts with.
        let worker = try database.connect()
        try worker.execute(script: "set lock_timeout = '3s'")
        try officialRun(on: worker)
        try TransformRunner(connection: worker).run(parameters: RunParameters())
        let other = try database.connect()
        try other.execute(script: "set lock_timeout = '3s'")
        XCTAssertGreaterThan(try other.query("select count(*) from published.rates").scalar(Int.self), 0)

        // DDL (a new schema version) gives up after THROUGHCARE_LOCK_TIMEOUT, naming the reader.
        try worker.query("update throughcare.schema_version set checksum = 'stale' where unit = 'metrics' and step = 0")
        setenv("THROUGHCARE_LOCK_TIMEOUT", "1", 1)
        defer { unsetenv("THROUGHCARE_LOCK_TIMEOUT") }
        XCTAssertThrowsError(try AggregateRunner(connection: worker).prepareSchema()) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "55P03", "\(error)")
            XCTAssertTrue("\(error)".contains("pid \(reader.backendPID)"), "the blocking session is named: \(error)")
        }
    }

    // MARK: - 10. The disclosure floor

    func testOfficialRunCannotLowerTheDisclosureFloor() throws {
        try load(fixture: Self.fixture)
        try prepareAggregateSchema()
        let runsBefore = try value("select count(*) from metrics.runs")
        XCTAssertThrowsError(try officialRun(overrides: ["min_publish_denominator": "0"])) { error in
            XCTAssertTrue("\(error)".contains("cannot lower min_publish_denominator"), "\(error)")
        }
        XCTAssertEqual(try value("select count(*) from metrics.runs"), runsBefore, "a refused run is not recorded")
        XCTAssertEqual(try count("published.rates_cells"), 0)
        // An exploratory run may look at small numbers (it publishes nothing).
        try aggregate(from: "2024-01-01", to: "2024-04-01", official: false, overrides: ["min_publish_denominator": "0"])
        // And a run recorded by hand as official still cannot publish below the floor.
        try connection.query("""
            insert into metrics.runs (period_kind, range_from, range_to, official, parameters)
            values ('whole', '2024-01-01', '2024-04-01', true, '{"min_publish_denominator": 1}')
            """)
        XCTAssertThrowsError(try connection.query("select metrics.execute_run(max(run_id)) from metrics.runs")) { error in
            XCTAssertTrue("\(error)".contains("cannot lower min_publish_denominator"), "\(error)")
        }
        XCTAssertEqual(try count("published.rates_cells"), 0)
    }

    // MARK: - 13. What readers see of rejected rows

    func testReaderSeesRejectReasonsMasked() throws {
        let extract = try copyOfDirectory(Self.fixtureDirectory(Self.fixture))
        defer { try? FileManager.default.removeItem(at: extract) }
        let cases = extract.appendingPathComponent("cases.csv")
        let handle = try FileHandle(forWritingTo: cases)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("SAA999,B0999SU,SAA,determinate,1971-02-29,2024-01-12,,2024-01-12,d,low,0,Small Region\n".utf8))
        try handle.close()
        try IngestRunner(connection: connection, options: IngestOptions(mode: .full, maxRejectRate: 0.5)).run(directory: extract.path)
        try TransformRunner(connection: connection).run(parameters: RunParameters())
        try prepareAggregateSchema()
        try TransformRunner(connection: connection).run(parameters: RunParameters())

        let ownerView = try column("select example_reason from quality.rejects_by_file where file = 'cases.csv'")
        XCTAssertTrue(ownerView.contains { $0?.contains("1971-02-29") == true }, "the owner sees the full reason: \(ownerView)")
        try connection.execute(script: "set role throughcare_reader")
        defer { _ = try? connection.execute(script: "reset role") }
        let readerView = try column("select example_reason from quality.rejects_by_file where file = 'cases.csv'")
        XCTAssertFalse(readerView.isEmpty)
        XCTAssertFalse(readerView.contains { $0?.contains("1971") == true }, "a reader never sees the rejected value: \(readerView)")
    }

    // MARK: - 15. Runs whose process died; samples survive prune

    func testDeadRunsAreMarkedFailedAndSampledRunsSurvivePrune() throws {
        try load(fixture: Self.fixture)
        try prepareAggregateSchema()
        let ghost = try database.connect()
        let ghostRun = try ghost.query("""
            insert into metrics.runs (period_kind, range_from, range_to, backend_pid)
            values ('whole', '2024-01-01', '2024-04-01', pg_backend_pid()) returning run_id
            """).scalar(Int64.self)
        let ghostPID = ghost.backendPID
        _ = consume ghost
        for _ in 0..<500 {
            if try connection.query("select count(*) from pg_stat_activity where pid = \(ghostPID)").scalar(Int.self) == 0 { break }
            usleep(10_000)
        }
        let sampled = try aggregate(from: "2024-01-01", to: "2024-04-01")
        XCTAssertEqual(try value("select status from metrics.runs where run_id = \(ghostRun)"), "failed")
        XCTAssertTrue(try value("select error_message from metrics.runs where run_id = \(ghostRun)")?.contains("died") == true)

        let drawn = try connection.query("""
            select count(*) from metrics.draw_sample(\(sampled)::bigint, '2024-01-01'::date, '2024-04-01'::date, 5, 'seed', false, null, null)
            """).scalar(Int.self)
        XCTAssertGreaterThan(drawn, 0)
        let unsampled = try aggregate(from: "2024-01-01", to: "2024-04-01")
        try connection.query("select metrics.prune_runs(0)")
        XCTAssertEqual(try value("select count(*) from metrics.runs where run_id = \(sampled)"), "1", "a drawn sample keeps its run")
        XCTAssertEqual(try value("select count(*) from metrics.inspection_sample where run_id = \(sampled)"), "\(drawn)")
        XCTAssertEqual(try value("select count(*) from metrics.runs where run_id in (\(unsampled), \(ghostRun))"), "0")
    }

    func testTerminatedSessionSaysWhatHappened() throws {
        let victim = try database.connect()
        let victimPID = victim.backendPID
        let conninfo = database.conninfo
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            if let admin = try? PostgresConnection(conninfo) {
                for _ in 0..<500 {
                    let active = (try? admin.query("select count(*) from pg_stat_activity where pid = \(victimPID) and state = 'active'").scalar(Int.self)) ?? 0
                    if active > 0 { break }
                    usleep(10_000)
                }
                _ = try? admin.query("select pg_terminate_backend(\(victimPID))")
            }
            done.signal()
        }
        XCTAssertThrowsError(try victim.query("select pg_sleep(20)")) { error in
            let postgres = error as? PostgresError
            XCTAssertEqual(postgres?.sessionEnd, .terminatedByAdministrator, "\(error)")
            XCTAssertTrue("\(error)".contains("terminated by an administrator"), "\(error)")
            XCTAssertTrue(postgres?.isConnectionLost == true)
        }
        _ = done.wait(timeout: .now() + 10)
    }

    // MARK: - 11. Exit codes a scheduler can act on

    func testExitCodesSayWhatWentWrong() throws {
        let binary = throughcareBinary()
        try requireBinary(binary)
        let env = ["DATABASE_URL": database.conninfo]
        // Refused: nothing transformed yet (75), and the message says what to run.
        let refused = try runProcess([binary.path, "aggregate", "--from", "2024-01-01", "--to", "2024-04-01", "--quiet"], environment: env)
        XCTAssertEqual(refused.status, 75, refused.output)
        XCTAssertTrue(refused.output.contains("transform"), refused.output)
        // Bad command line (64).
        let usage = try runProcess([binary.path, "aggregate", "--from", "2024-04-01", "--to", "2024-01-01"], environment: env)
        XCTAssertEqual(usage.status, 64, usage.output)
        // A malformed connection string is bad input (64), and its password is never echoed.
        let malformed = try runProcess([binary.path, "transform", "--quiet"], environment: ["DATABASE_URL": "postgresql://u:Secret%zz@127.0.0.1/db"])
        XCTAssertEqual(malformed.status, 64, malformed.output)
        XCTAssertFalse(malformed.output.contains("Secret"), malformed.output)
        // Nobody listening (69).
        let unreachable = try runProcess([binary.path, "transform", "--quiet"], environment: ["DATABASE_URL": "host=127.0.0.1 port=1 connect_timeout=2"])
        XCTAssertEqual(unreachable.status, 69, unreachable.output)
        // Success (0) once the data is there, and --format json gives scripts the run.
        try load(fixture: Self.fixture)
        let done = try runProcess([binary.path, "aggregate", "--from", "2024-01-01", "--to", "2024-04-01", "--period", "whole", "--format", "json", "--quiet"], environment: env)
        XCTAssertEqual(done.status, 0, done.output)
        let start = try XCTUnwrap(done.output.firstIndex(of: "{"), done.output)
        let end = try XCTUnwrap(done.output.lastIndex(of: "}"), done.output)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(done.output[start...end].utf8)) as? [String: Any])
        XCTAssertNotNil(object["run_id"], "\(object)")
    }

    // MARK: - 12. No value ingest accepts can make a later stage fail

    func testLongestAcceptedValuesGoThroughEveryStage() throws {
        let extract = try copyOfDirectory(Self.fixtureDirectory(Self.fixture))
        defer { try? FileManager.default.removeItem(at: extract) }
        // The limits in characters (docs/ingest.md), in four-byte characters: the worst case for
        // a btree entry (2,704 bytes).
        let longID = String(repeating: "𝔄", count: 64)
        let longText = String(repeating: "𝔊", count: 500)
        for name in try FileManager.default.contentsOfDirectory(atPath: extract.path) where name.hasSuffix(".csv") {
            let url = extract.appendingPathComponent(name)
            let text = try String(contentsOf: url, encoding: .utf8)
                .replacingOccurrences(of: "SAA001", with: longID)
                .replacingOccurrences(of: "Group S1", with: longText)
                .replacingOccurrences(of: "Small Region", with: String(longText.prefix(499)) + "R")
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let report = try IngestRunner(connection: connection, options: IngestOptions(mode: .full, maxRejectRate: 0)).run(directory: extract.path)
        XCTAssertFalse(report.anyFailed, "\(report.files.map { "\($0.file): \($0.message ?? "")" })")
        XCTAssertEqual(report.files.map(\.rowsRejected).reduce(0, +), 0)
        try TransformRunner(connection: connection).run(parameters: RunParameters())
        XCTAssertEqual(try value("select count(*) from core.cases where case_id = \(longID)"), "1")
        let run = try officialRun()
        XCTAssertGreaterThan(try connection.query("select count(*) from published.rates_cells where run_id = \(run) and scope_id = \(longText)").scalar(Int.self), 0)
        let drawn = try connection.query("""
            select count(*) from metrics.draw_sample(\(run)::bigint, '2024-01-01'::date, '2024-04-01'::date, 200, \(longText), false, null, null)
            """).scalar(Int.self)
        XCTAssertGreaterThan(drawn, 0)
    }

    // MARK: - 16. Spreadsheet-safe exports

    func testExportedCellsCannotRunAsFormulas() throws {
        let extract = try copyOfDirectory(Self.fixtureDirectory(Self.fixture))
        defer { try? FileManager.default.removeItem(at: extract) }
        let establishments = extract.appendingPathComponent("establishments.csv")
        let text = try String(contentsOf: establishments, encoding: .utf8)
            .replacingOccurrences(of: "Group S1", with: "\"=HYPERLINK(\"\"http://example.invalid\"\",\"\"x\"\")\"")
        try text.write(to: establishments, atomically: true, encoding: .utf8)
        try IngestRunner(connection: connection, options: IngestOptions(mode: .full, maxRejectRate: 0)).run(directory: extract.path)
        try TransformRunner(connection: connection).run(parameters: RunParameters())
        let run = try officialRun()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tc-export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let directory = try ExportRunner(connection: connection).export(runID: run, to: out)
        let rates = try String(contentsOf: directory.appendingPathComponent("rates.csv"), encoding: .utf8)
        XCTAssertTrue(rates.contains("'=HYPERLINK("), "the group name is exported as text")
        for line in rates.split(separator: "\n") {
            for cell in line.split(separator: ",", omittingEmptySubsequences: false) {
                let value = cell.hasPrefix("\"") ? cell.dropFirst() : cell
                XCTAssertFalse(value.hasPrefix("=") || value.hasPrefix("@") || value.hasPrefix("+"), "formula cell: \(line)")
            }
        }
        XCTAssertThrowsError(try ExportRunner(connection: connection).export(runID: 999_999, to: out)) { error in
            XCTAssertTrue("\(error)".contains("no run 999999"), "\(error)")
        }
    }
}

/// Errors from other threads, for the test's own thread to read.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Error] = []

    func set(_ error: Error) {
        lock.lock()
        errors.append(error)
        lock.unlock()
    }

    var value: Error? { lock.lock(); defer { lock.unlock() }; return errors.first }
    var all: [Error] { lock.lock(); defer { lock.unlock() }; return errors }
}

/// Messages from other threads.
final class MessageBox: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []

    func add(_ message: String) {
        lock.lock()
        messages.append(message)
        lock.unlock()
    }

    var all: [String] { lock.lock(); defer { lock.unlock() }; return messages }
}
