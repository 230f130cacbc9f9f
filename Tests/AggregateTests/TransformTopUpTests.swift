import Foundation
import Ingest
import PostgresClient
import TestSupport
import ThroughcareCore
import Transform
import XCTest

/// The monthly top-up: after `ingest --incremental` of new (or re-sent) contacts, transform adds
/// only those to core, and core, the rates and the volumes are exactly what a full rebuild gives.
/// Any other change since the previous build makes the next build a full one.
final class TransformTopUpTests: AggregateTestCase {
    static let cut = "2024-12-01"

    func testTopUpGivesTheCoreAndFiguresOfAFullRebuild() throws {
        let extract = try splitExtract()
        defer { try? FileManager.default.removeItem(at: extract.root) }

        try ingest(extract.base, mode: .full)
        XCTAssertEqual(try TransformRunner(connection: connection).run(parameters: RunParameters()).mode, .full)
        XCTAssertEqual(try value("select count(*)::text from core.contacts where contact_id = \(extract.resentID) and outcome = 'completed'"), "0",
                       "the re-sent contact's first version is not completed")
        XCTAssertEqual(try partitions(), [["contacts_history", try count("core.contacts")], ["contacts_recent", 0]],
                       "a full build's rows are all history")
        XCTAssertEqual(try value("select (max(contact_date) + 1)::text from core.contacts"), try recentFrom(),
                       "the recent partition takes every date after the build's latest contact")
        XCTAssertEqual(try recentDateStatistics(), "0", "the full build's recent partition is empty")

        // The month's new contacts: nothing in staging replaced, so nothing in core to look for.
        try ingest(extract.month, mode: .incremental)
        XCTAssertEqual(try value("select rows_replaced::text from ingest.batch_files where file = 'contacts.csv' order by batch_id desc limit 1"), "0")
        let month = try TransformRunner(connection: connection).run(parameters: RunParameters())
        XCTAssertEqual(month.mode, .topUp, month.summary)
        XCTAssertEqual(month.contactsReplaced, 0, month.summary)
        XCTAssertEqual(month.contactsInserted, Int64(extract.monthRows), month.summary)
        XCTAssertTrue(month.recentRebuilt, "an empty recent partition is filled bare and its indexes built after: \(month.summary)")
        XCTAssertEqual(try value("select mode from core.builds where build_id = \(month.buildID)"), "top_up")
        let historyRows = try count("core.contacts_history")
        XCTAssertEqual(try count("core.contacts_recent"), extract.monthRows, "a month of new contacts goes to the small partition")
        XCTAssertEqual(try recentDateStatistics(), "1", "the top-up analyses the partition its month went to")
        XCTAssertEqual(try value("select (relpages > 0 and relallvisible = relpages)::text from pg_class where oid = 'core.contacts_recent'::regclass"), "true",
                       "the transform vacuums after the build commits, so index-only scans of the month read no table pages")

        // Then a correction: an earlier contact re-sent, which replaces its row.
        try ingest(extract.correction, mode: .incremental)
        XCTAssertEqual(try value("select rows_replaced::text from ingest.batch_files where file = 'contacts.csv' order by batch_id desc limit 1"), "1")
        let topUp = try TransformRunner(connection: connection).run(parameters: RunParameters())
        XCTAssertEqual(topUp.mode, .topUp, topUp.summary)
        XCTAssertEqual(topUp.contactsReplaced, 1, topUp.summary)
        XCTAssertEqual(topUp.contactsInserted, 1, topUp.summary)
        XCTAssertFalse(topUp.recentRebuilt, "one contact goes into a month's partition in place: \(topUp.summary)")
        XCTAssertEqual(try value("select outcome from core.contacts where contact_id = \(extract.resentID)"), "completed",
                       "the re-sent contact replaced its row")
        XCTAssertEqual(try value("select tableoid::regclass::text from core.contacts where contact_id = \(extract.resentID)"), "core.contacts_history",
                       "a late contact goes to the partition of its date")
        XCTAssertEqual(try partitions(), [["contacts_history", historyRows], ["contacts_recent", extract.monthRows]])

        // A new contact of an earlier month, and the corrected contact re-sent again with its date
        // moved into the new month: each goes to the partition of its date, once.
        try ingest(extract.lateAndMoved, mode: .incremental)
        let late = try TransformRunner(connection: connection).run(parameters: RunParameters())
        XCTAssertEqual(late.mode, .topUp, late.summary)
        XCTAssertEqual(late.contactsReplaced, 1, late.summary)
        XCTAssertEqual(late.contactsInserted, 2, late.summary)
        XCTAssertEqual(try rows("""
            select contact_id, tableoid::regclass::text, contact_date::text from core.contacts
            where contact_id in (\(extract.lateID), \(extract.resentID)) order by contact_id
            """), [[extract.resentID, "core.contacts_recent", "2024-12-16"], [extract.lateID, "core.contacts_history", "2024-11-20"]])
        XCTAssertEqual(try partitions(), [["contacts_history", historyRows], ["contacts_recent", extract.monthRows + 1]])
        let coreAfterTopUp = try coreFingerprint()
        let topUpRun = try aggregate(from: "2024-10-01", to: "2025-01-01", period: .month)

        let rebuilt = try TransformRunner(connection: connection).run(parameters: RunParameters(), fullRebuild: true)
        XCTAssertEqual(rebuilt.mode, .full)
        XCTAssertEqual(try coreFingerprint(), coreAfterTopUp, "core after the top-up differs from a full rebuild")
        XCTAssertEqual(try partitions(), [["contacts_history", historyRows + extract.monthRows + 1], ["contacts_recent", 0]])
        let fullRun = try aggregate(from: "2024-10-01", to: "2025-01-01", period: .month)
        XCTAssertGreaterThan(Int(try XCTUnwrap(value("select count(*)::text from metrics.rates where run_id = \(fullRun)"))) ?? 0, 0)
        for (table, columns) in [("metrics.rates", "scope_type, scope_id, period_start, metric, numerator, denominator"),
                                 ("metrics.volumes", "scope_type, scope_id, period_start, measure, value"),
                                 ("metrics.case_period_results", "case_id, period_start, keywork_met, pom_contact_met, communication_met, prerelease_contact_met")] {
            let differing = try value("""
                select count(*)::text from (
                    (select \(SQLQuery(unsafeSQL: columns)) from \(SQLQuery(unsafeSQL: table)) where run_id = \(topUpRun)
                     except all select \(SQLQuery(unsafeSQL: columns)) from \(SQLQuery(unsafeSQL: table)) where run_id = \(fullRun))
                    union all
                    (select \(SQLQuery(unsafeSQL: columns)) from \(SQLQuery(unsafeSQL: table)) where run_id = \(fullRun)
                     except all select \(SQLQuery(unsafeSQL: columns)) from \(SQLQuery(unsafeSQL: table)) where run_id = \(topUpRun))
                ) as d
                """)
            XCTAssertEqual(differing, "0", "\(table): the run on the topped-up core differs from the run on the rebuilt one")
        }
    }

    /// The first top-ups after a full build rebuild the recent partition: it is taken out of
    /// core.contacts, filled without its indexes and attached again. Its rows, late ones, replaced
    /// ones, its indexes (an analyst's too) and its range are what adding in place gives.
    func testARebuiltRecentPartitionHoldsWhatAddingInPlaceGives() throws {
        let extract = try splitExtract()
        defer { try? FileManager.default.removeItem(at: extract.root) }
        try ingest(extract.base, mode: .full)
        try TransformRunner(connection: connection).run(parameters: RunParameters())
        try connection.execute(script: "create index contacts_by_staff on core.contacts (staff_id)")
        let recentStarts = try recentFrom()
        let historyRows = try count("core.contacts_history")

        // A late contact and a re-sent one moved into the new month, into the empty partition.
        try ingest(extract.lateAndMoved, mode: .incremental)
        let first = try TransformRunner(connection: connection).run(parameters: RunParameters())
        XCTAssertTrue(first.recentRebuilt, first.summary)
        XCTAssertEqual(first.contactsInserted, 2, first.summary)
        XCTAssertEqual(first.contactsReplaced, 1, first.summary)
        XCTAssertEqual(try rows("""
            select contact_id, tableoid::regclass::text, contact_date::text from core.contacts
            where contact_id in (\(extract.lateID), \(extract.resentID)) order by contact_id
            """), [[extract.resentID, "core.contacts_recent", "2024-12-16"], [extract.lateID, "core.contacts_history", "2024-11-20"]])
        XCTAssertEqual(try partitions(), [["contacts_history", historyRows], ["contacts_recent", 1]],
                       "the late contact went to the history, where the re-sent one left")
        XCTAssertEqual(try recentFrom(), recentStarts, "attached again with the same range")
        XCTAssertEqual(try recentIndexes(), ["contacts_recent_by_staff: contacts_by_staff",
                                             "contacts_recent_case_type_date: contacts_case_type_date",
                                             "contacts_recent_date_type: contacts_date_type",
                                             "contacts_recent_pkey: contacts_pkey"],
                       "each of core.contacts' indexes has its share on the partition again")
        XCTAssertEqual(try value("select conname::text from pg_constraint where conrelid = 'core.contacts_recent'::regclass and contype = 'p'"),
                       "contacts_recent_pkey")
        XCTAssertThrowsError(try connection.execute(script: """
            insert into core.contacts select * from core.contacts where contact_id = \(extract.resentID)
            """), "the rebuilt partition's primary key refuses a second row of a key")
        XCTAssertEqual(try recentDateStatistics(), "1")

        // The month: more rows arrive than the partition holds, so it is rebuilt again, its row kept.
        try ingest(extract.month, mode: .incremental)
        let month = try TransformRunner(connection: connection).run(parameters: RunParameters())
        XCTAssertTrue(month.recentRebuilt, month.summary)
        XCTAssertEqual(month.contactsInserted, Int64(extract.monthRows), month.summary)
        XCTAssertEqual(try partitions(), [["contacts_history", historyRows], ["contacts_recent", extract.monthRows + 1]])

        var topUpCore = try coreFingerprint()
        try TransformRunner(connection: connection).run(parameters: RunParameters(), fullRebuild: true)
        XCTAssertEqual(try coreFingerprint(), topUpCore, "core after the rebuilding top-ups differs from a full rebuild")

        // A reader holding core.contacts is not waited for: the rows go in in place.
        try ingest(extract.correction, mode: .incremental)
        let reader = try database.connect()
        try reader.execute(script: "begin; select count(*) from core.contacts")
        let lockedOut = try TransformRunner(connection: connection).run(parameters: RunParameters())
        try reader.execute(script: "rollback")
        XCTAssertEqual(lockedOut.mode, .topUp, lockedOut.summary)
        XCTAssertFalse(lockedOut.recentRebuilt, lockedOut.summary)
        XCTAssertEqual(lockedOut.contactsInserted, 1, lockedOut.summary)
        XCTAssertEqual(lockedOut.contactsReplaced, 1, lockedOut.summary)
        XCTAssertEqual(try value("select tableoid::regclass::text || ' ' || outcome from core.contacts where contact_id = \(extract.resentID)"),
                       "core.contacts_history completed")
        topUpCore = try coreFingerprint()
        try TransformRunner(connection: connection).run(parameters: RunParameters(), fullRebuild: true)
        XCTAssertEqual(try coreFingerprint(), topUpCore, "core after the top-up in place differs from a full rebuild")
    }

    /// A contact dated after today (a mistyped year) would make the history's range reach past
    /// every later month: it goes to the recent partition instead, which starts tomorrow.
    func testAContactDatedAfterTodayGoesToTheRecentPartition() throws {
        try load(fixture: "keywork")
        let contacts = try count("core.contacts")
        try connection.execute(script: """
            update staging.contacts set contact_at = '2052-06-01 10:00+00'
            where contact_id = (select min(contact_id) from staging.contacts where case_id in (select case_id from core.cases))
            """)
        try TransformRunner(connection: connection).run(parameters: RunParameters(), fullRebuild: true)
        XCTAssertEqual(try recentFrom(), try value("select ((now() at time zone 'Europe/London')::date + 1)::text"))
        XCTAssertEqual(try rows("select tableoid::regclass::text, contact_date::text from core.contacts where contact_date > '2030-01-01'"),
                       [["core.contacts_recent", "2052-06-01"]])
        XCTAssertEqual(try count("core.contacts"), contacts)
    }

    func testAnyOtherChangeSinceThePreviousBuildRebuildsInFull() throws {
        let extract = try splitExtract()
        defer { try? FileManager.default.removeItem(at: extract.root) }
        try ingest(extract.base, mode: .full)
        try TransformRunner(connection: connection).run(parameters: RunParameters())

        // Nothing loaded since: a top-up with nothing to add.
        let unchanged = try TransformRunner(connection: connection).run(parameters: RunParameters())
        XCTAssertEqual(unchanged.mode, .topUp)
        XCTAssertEqual(unchanged.contactsInserted, 0)

        // Other handover parameters: the rules change, so everything is rebuilt.
        let otherParameters = try RunParameters(overrides: ["handover_determinate": "7 months 15 days"], asOf: nil)
        XCTAssertEqual(try TransformRunner(connection: connection).run(parameters: otherParameters).mode, .full)
        XCTAssertEqual(try TransformRunner(connection: connection).run(parameters: RunParameters()).mode, .full)

        // Another entity loaded incrementally (the cases file again, one case changed).
        let cases = extract.base.appendingPathComponent("cases.csv")
        var lines = try String(contentsOf: cases, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        let rosh = try XCTUnwrap(header.firstIndex(of: "rosh"))
        var fields = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        fields[rosh] = fields[rosh] == "low" ? "medium" : "low"
        lines = [lines[0], fields.joined(separator: ",")]
        let casesOnly = extract.root.appendingPathComponent("cases-only")
        try FileManager.default.createDirectory(at: casesOnly, withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(to: casesOnly.appendingPathComponent("cases.csv"), atomically: true, encoding: .utf8)
        try ingest(casesOnly, mode: .incremental)
        XCTAssertEqual(try TransformRunner(connection: connection).run(parameters: RunParameters()).mode, .full)

        // A full load of contacts: staging was replaced, not appended to.
        try ingest(extract.month, mode: .full, allowRejects: true)
        XCTAssertEqual(try TransformRunner(connection: connection).run(parameters: RunParameters()).mode, .full)
    }

    /// A top-up reads the staging blocks its loads recorded (ingest.staged_blocks), not the whole
    /// table: the blocks hold every row of the load, including rows that went into space freed
    /// earlier in the table; once the table has been rewritten (its file replaced), the top-up
    /// reads all of it again. Either way core is what a full rebuild gives.
    func testTopUpReadsTheBlocksItsLoadsWroteTo() throws {
        let extract = try splitExtract()
        defer { try? FileManager.default.removeItem(at: extract.root) }
        try ingest(extract.base, mode: .full)
        try TransformRunner(connection: connection).run(parameters: RunParameters())

        // Free space at the table's start: its first rows re-sent (each replaced), then vacuumed.
        let lines = try String(contentsOf: extract.base.appendingPathComponent("contacts.csv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let resend = extract.root.appendingPathComponent("resend")
        try FileManager.default.createDirectory(at: resend, withIntermediateDirectories: true)
        try (lines.prefix(81).joined(separator: "\n") + "\n")
            .write(to: resend.appendingPathComponent("contacts.csv"), atomically: true, encoding: .utf8)
        try ingest(resend, mode: .incremental)
        XCTAssertEqual(try value("select rows_replaced::text from ingest.batch_files where file = 'contacts.csv' order by batch_id desc limit 1"), "80")
        try connection.query("vacuum staging.contacts")

        let endBefore = try XCTUnwrap(Int(try XCTUnwrap(value("select (pg_relation_size('staging.contacts') / 8192)::text"))))
        try ingest(extract.month, mode: .incremental)
        let month = try XCTUnwrap(value("select max(batch_id)::text from ingest.batch_files"))
        XCTAssertEqual(try value("""
            select count(*)::text from staging.contacts
            where batch_id = \(SQLQuery(unsafeSQL: month)) and ctid < format('(%s,0)', \(endBefore - 1))::tid
            """).flatMap(Int.init).map { $0 > 0 }, true, "some of the month's rows went into the freed space (below the last page the table had)")
        // Every row of every incremental load lies in the blocks its load recorded.
        XCTAssertEqual(try value("""
            select count(*)::text from staging.contacts as s
            join ingest.staged_blocks as b on b.batch_id = s.batch_id and b.entity = 'contacts'
            where not b.blocks @> ((s.ctid)::text::point)[0]::bigint
            """), "0")
        XCTAssertEqual(try value("""
            select count(*)::text from ingest.staged_block_ranges('contacts', \(SQLQuery(unsafeSQL: month)) - 1) as r
            where r.first_block < \(endBefore - 1) and not r.whole_table
            """).flatMap(Int.init).map { $0 > 0 }, true, "a range of the freed blocks, not the whole table")
        let topUp = try TransformRunner(connection: connection).run(parameters: RunParameters())
        XCTAssertEqual(topUp.mode, .topUp, topUp.summary)
        // the re-sent rows and the month's, in one top-up
        XCTAssertEqual(topUp.contactsReplaced, 80, topUp.summary)
        XCTAssertEqual(topUp.contactsInserted, Int64(extract.monthRows + 80), topUp.summary)
        let coreAfterTopUp = try coreFingerprint()

        // A rewritten staging table: the recorded blocks no longer say where the rows are.
        try ingest(extract.correction, mode: .incremental)
        try connection.query("vacuum full staging.contacts")
        XCTAssertEqual(try value("select bool_and(whole_table)::text from ingest.staged_block_ranges('contacts', \(SQLQuery(unsafeSQL: month)))"), "true")
        let afterRewrite = try TransformRunner(connection: connection).run(parameters: RunParameters())
        XCTAssertEqual(afterRewrite.mode, .topUp, afterRewrite.summary)
        XCTAssertEqual(afterRewrite.contactsReplaced, 1, afterRewrite.summary)
        XCTAssertEqual(afterRewrite.contactsInserted, 1, afterRewrite.summary)
        XCTAssertNotEqual(try coreFingerprint(), coreAfterTopUp, "the correction changed core")
        let coreAfterCorrection = try coreFingerprint()

        XCTAssertEqual(try TransformRunner(connection: connection).run(parameters: RunParameters(), fullRebuild: true).mode, .full)
        XCTAssertEqual(try coreFingerprint(), coreAfterCorrection, "core after the top-ups differs from a full rebuild")
    }

    // MARK: - Helpers

    struct SplitExtract {
        let root: URL
        /// Every file, with the contacts dated before the cut.
        let base: URL
        /// contacts.csv only: the contacts from the cut on.
        let month: URL
        let monthRows: Int
        /// contacts.csv only: one earlier contact re-sent as completed.
        let correction: URL
        let resentID: String
        /// contacts.csv only: a new contact dated before `cut`, and the corrected contact re-sent
        /// again dated in the new month.
        let lateAndMoved: URL
        /// Dated 2024-11-20; the corrected contact is moved to 2024-12-16.
        let lateID: String
    }

    /// A generated small extract, its contacts split at `cut` by their contact_at date.
    func splitExtract() throws -> SplitExtract {
        let binary = throughcareBinary()
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("\(binary.path) is missing") }
            throw XCTSkip("build the CLI first (swift build)")
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tc-topup-\(UUID().uuidString)")
        let full = root.appendingPathComponent("full"), base = root.appendingPathComponent("base")
        let month = root.appendingPathComponent("month"), correction = root.appendingPathComponent("correction")
        let lateAndMoved = root.appendingPathComponent("late-and-moved")
        let generated = try runProcess([binary.path, "generate", "--scale", "small", "--seed", "7", "--out", full.path])
        XCTAssertEqual(generated.status, 0, generated.output)
        for directory in [base, month, correction, lateAndMoved] { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        for file in try FileManager.default.contentsOfDirectory(atPath: full.path) where file != "contacts.csv" {
            try FileManager.default.copyItem(at: full.appendingPathComponent(file), to: base.appendingPathComponent(file))
        }
        let lines = try String(contentsOf: full.appendingPathComponent("contacts.csv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        let at = try XCTUnwrap(header.firstIndex(of: "contact_at")), outcome = try XCTUnwrap(header.firstIndex(of: "outcome"))
        var before: [String] = [], after: [String] = []
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if fields[at].prefix(10) >= Self.cut { after.append(line) } else { before.append(line) }
        }
        XCTAssertGreaterThan(after.count, 100, "the extract needs contacts after \(Self.cut)")
        // An earlier contact re-sent with a corrected outcome: the top-up must replace its row.
        let resentIndex = try XCTUnwrap(before.firstIndex { $0.split(separator: ",", omittingEmptySubsequences: false)[outcome] == "cancelled" })
        var resent = before[resentIndex].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        resent[outcome] = "completed"
        try ([lines[0]] + before).joined(separator: "\n").appending("\n")
            .write(to: base.appendingPathComponent("contacts.csv"), atomically: true, encoding: .utf8)
        try ([lines[0]] + after).joined(separator: "\n").appending("\n")
            .write(to: month.appendingPathComponent("contacts.csv"), atomically: true, encoding: .utf8)
        try [lines[0], resent.joined(separator: ",")].joined(separator: "\n").appending("\n")
            .write(to: correction.appendingPathComponent("contacts.csv"), atomically: true, encoding: .utf8)
        var lateContact = before[resentIndex == 0 ? 1 : 0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        lateContact[0] = "CNLATE0000001"
        lateContact[at] = "2024-11-20T10:00:00Z"
        var moved = resent
        moved[at] = "2024-12-16T10:00:00Z"
        try [lines[0], lateContact.joined(separator: ","), moved.joined(separator: ",")].joined(separator: "\n").appending("\n")
            .write(to: lateAndMoved.appendingPathComponent("contacts.csv"), atomically: true, encoding: .utf8)
        return SplitExtract(root: root, base: base, month: month, monthRows: after.count, correction: correction, resentID: resent[0],
                            lateAndMoved: lateAndMoved, lateID: lateContact[0])
    }

    /// Each partition of core.contacts with its rows.
    func partitions() throws -> [[AnyHashable]] {
        try rows("""
            select c.relname::text, (select count(*) from core.contacts as t where t.tableoid = c.oid)::text
            from pg_inherits as i join pg_class as c on c.oid = i.inhrelid
            where i.inhparent = 'core.contacts'::regclass order by 1
            """).map { [$0[0] ?? "", Int($0[1] ?? "") ?? -1] }
    }

    /// Whether core.contacts_recent has statistics of contact_date ("1") or none ("0").
    func recentDateStatistics() throws -> String? {
        try value("select count(*)::text from pg_stats where schemaname = 'core' and tablename = 'contacts_recent' and attname = 'contact_date'")
    }

    /// core.contacts_recent's indexes, each with the index of core.contacts it belongs to.
    func recentIndexes() throws -> [String] {
        try rows("""
            select child.relname::text || ': ' || coalesce(parent.relname::text, '-')
            from pg_index as x
            join pg_class as child on child.oid = x.indexrelid
            left join pg_inherits as i on i.inhrelid = child.oid
            left join pg_class as parent on parent.oid = i.inhparent
            where x.indrelid = 'core.contacts_recent'::regclass order by 1
            """).map { $0[0] ?? "" }
    }

    /// The first date core.contacts_recent holds.
    func recentFrom() throws -> String? {
        try value("""
            select substring(pg_get_expr(c.relpartbound, c.oid) from 'FROM \\(''([0-9-]+)''\\)')
            from pg_class as c where c.oid = 'core.contacts_recent'::regclass
            """)
    }

    func ingest(_ directory: URL, mode: IngestMode, allowRejects: Bool = false) throws {
        let report = try IngestRunner(connection: connection, options: IngestOptions(mode: mode, maxRejectRate: allowRejects ? 1 : 0))
            .run(directory: directory.path)
        XCTAssertFalse(report.anyFailed, "\(directory.lastPathComponent): \(report.files.filter { $0.status != .loaded }.map(\.file))")
    }
}
