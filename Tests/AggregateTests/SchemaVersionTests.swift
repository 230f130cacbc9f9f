import Foundation
import PostgresClient
import ThroughcareCore
import Transform
import TestSupport
import ThroughcareCore
import Warehouse
import XCTest

/// `throughcare.schema_version` is the one record of the schema: each unit's checksum (step 0)
/// and the metrics unit's forward-only steps. A database made before that kept two records
/// (one row per unit there, the steps in a table `metrics.schema_version`); it is brought to
/// the one record without losing when each step was applied.
final class SchemaVersionTests: AggregateTestCase {
    func testOneRecordHoldsEveryUnitAndEveryStep() throws {
        try load(fixture: "keywork")
        try aggregate(from: "2024-01-01", to: "2024-04-01")

        XCTAssertEqual(try column("select unit from throughcare.schema_version where step = 0 order by unit"),
                       ["core", "ingest", "metrics"])
        XCTAssertEqual(try column("select step::text from throughcare.schema_version where unit = 'metrics' and step > 0 order by step"),
                       ["1", "2", "3", "4", "5", "6", "7", "8"])
        XCTAssertEqual(try value("select count(*)::text from throughcare.schema_version where (step = 0) <> (checksum is not null)"), "0")
        XCTAssertEqual(try value("select count(*)::text from throughcare.schema_version where tool_version is null"), "0",
                       "each unit and each step names the tool that applied it")
        // the old name still answers, from the one record
        XCTAssertEqual(try value("select relkind::text from pg_class where oid = 'metrics.schema_version'::regclass"), "v")
        XCTAssertEqual(try value("select string_agg(version::text, ',' order by version) from metrics.schema_version"), "1,2,3,4,5,6,7,8")
    }

    /// The metric models call core's functions, so an aggregate by a newer tool than the last
    /// transform brings core's DDL up to its own files first.
    func testAggregateBringsCoreFunctionsUpToThisTool() throws {
        try load(fixture: "keywork")
        try aggregate(from: "2024-01-01", to: "2024-04-01")
        // core as an older tool left it: without a function the metric models call
        try connection.execute(script: """
            create or replace function core.responsible_on(p_case_id text, p_day date) returns text language sql stable as $$
                select case when h.handover_date is null then h.responsible_throughout when p_day is null then null
                            when p_day >= h.handover_date then 'com' else 'pom' end
                from core.case_handover as h where h.case_id = p_case_id
            $$;
            drop function core.responsible_given(date, text, date);
            update throughcare.schema_version set checksum = 'older' where unit = 'core' and step = 0;
            """)

        XCTAssertGreaterThan(try aggregate(from: "2024-01-01", to: "2024-04-01"), 0)
        XCTAssertEqual(try value("select count(*)::text from throughcare.schema_version where unit = 'core' and checksum = 'older'"), "0")
        XCTAssertEqual(try value("select (to_regprocedure('core.responsible_given(date, text, date)') is not null)::text"), "true")
    }

    /// core.contacts as a tool before the partitions made it, a plain table, with views on it (an
    /// analyst's, and one on that): the upgrade makes the table the history partition, every row
    /// kept, and binds the views to the new parent, so full builds can replace the partitions
    /// beneath them.
    func testPlainContactsOfAnOlderToolBecomeTheHistoryKeepingRowsAndViews() throws {
        try load(fixture: "keywork")
        let rowsBefore = try coreFingerprint()
        try makeContactsPlainAsAnOlderToolLeftThem()
        try assertUpgradeKeepsRowsViewsAndGrants(rowsBefore: rowsBefore)
    }

    /// core.contacts as the last tool made it, partitioned by contact_id with one partition
    /// core.contacts_all: that partition becomes the history, rows and views kept, and the old
    /// parent goes.
    func testContactsPartitionedByIDBecomeTheHistoryKeepingRowsAndViews() throws {
        try load(fixture: "keywork")
        let rowsBefore = try coreFingerprint()
        try makeContactsPartitionedByIDAsTheLastToolLeftThem()
        try assertUpgradeKeepsRowsViewsAndGrants(rowsBefore: rowsBefore)
        XCTAssertEqual(try value("select coalesce(to_regclass('core.contacts_upgrading')::text, 'gone')"), "gone")
        XCTAssertNil(try value("select to_regprocedure('core.attach_contacts_partition()')::text"), "the last layout's function goes with it")
    }

    /// An old plain table without a primary key is upgraded all the same: the history gets the key.
    func testPlainContactsWithoutAKeyBecomeTheHistory() throws {
        try load(fixture: "keywork")
        let rowsBefore = try coreFingerprint()
        try makeContactsPlainAsAnOlderToolLeftThem(withKey: false)
        try WarehouseSchema.prepare(connection, [.core])
        XCTAssertEqual(try value("select pg_get_constraintdef(oid) from pg_constraint where conrelid = 'core.contacts_history'::regclass and contype = 'p'"),
                       "PRIMARY KEY (contact_id, contact_date)")
        XCTAssertEqual(try coreFingerprint(), rowsBefore)
    }

    /// With core.contacts in an older shape and core's DDL to apply: an analyst's views and a
    /// grant on it survive the upgrade and the full builds after it, and the old rows are the
    /// history partition until the first full build replaces it.
    private func assertUpgradeKeepsRowsViewsAndGrants(rowsBefore: String?, file: StaticString = #filePath, line: UInt = #line) throws {
        try connection.execute(script: """
            create index by_staff on core.contacts (staff_id);
            create view public.contacts_per_case with (security_barrier) as
                select case_id, count(*) as contacts from core.contacts group by case_id;
            create view public.busiest_case as select * from public.contacts_per_case order by contacts desc, case_id limit 1;
            grant references on core.contacts to public;
            """)
        let oldRows = try value("select min(tableoid)::oid::text from core.contacts")
        // the old rows' indexes on (case_id, …) and on (staff_id), the tool's and an analyst's
        let oldIndexes = try column("""
            select i.indexrelid::text from pg_index as i
            where i.indrelid = (select min(tableoid) from core.contacts) and i.indkey[0] in (2, 3)
            order by i.indkey[0]
            """)
        XCTAssertEqual(oldIndexes.count, 2, file: file, line: line)
        let boundary = try XCTUnwrap(value("select (max(contact_date) + 1)::text from core.contacts"))
        let perCase = try rows("select case_id, contacts::text from public.contacts_per_case order by case_id")
        XCTAssertGreaterThan(perCase.count, 0, file: file, line: line)

        try WarehouseSchema.prepare(connection, [.core])
        XCTAssertEqual(try value("select pg_get_partkeydef('core.contacts'::regclass)"), "RANGE (contact_date)", file: file, line: line)
        XCTAssertEqual(try value("select 'core.contacts_history'::regclass::oid::text"), oldRows,
                       "the old rows' table, not a copy, is the history", file: file, line: line)
        XCTAssertEqual(try rows("""
            select c.relname::text, pg_get_expr(c.relpartbound, c.oid)
            from pg_inherits as i join pg_class as c on c.oid = i.inhrelid
            where i.inhparent = 'core.contacts'::regclass order by 1
            """), [["contacts_history", "FOR VALUES FROM (MINVALUE) TO ('\(boundary)')"],
                   ["contacts_recent", "FOR VALUES FROM ('\(boundary)') TO (MAXVALUE)"]],
               file: file, line: line)
        XCTAssertEqual(try coreFingerprint(), rowsBefore, file: file, line: line)
        XCTAssertEqual(try column("""
            select distinct d.refobjid::regclass::text
            from pg_depend as d join pg_rewrite as r on r.oid = d.objid
            where r.ev_class = 'public.contacts_per_case'::regclass and d.refobjid::regclass::text like 'core.%'
            """), ["core.contacts"], file: file, line: line)
        XCTAssertEqual(try value("select array_to_string(reloptions, ',') from pg_class where oid = 'public.contacts_per_case'::regclass"),
                       "security_barrier=true", file: file, line: line)
        XCTAssertEqual(try column("""
            select distinct v.relname::text
            from pg_depend as d join pg_rewrite as r on r.oid = d.objid join pg_class as v on v.oid = r.ev_class
            where d.refobjid = 'core.contacts_history'::regclass
            """), [], "the tool's quality views, made again on the old table, read the parent too", file: file, line: line)
        XCTAssertGreaterThan(try count("quality.summary"), 0, file: file, line: line)
        XCTAssertEqual(try value("""
            select count(*)::text from pg_class as c cross join lateral aclexplode(c.relacl) as g
            where c.oid = 'core.contacts'::regclass and g.grantee = 0 and g.privilege_type = 'REFERENCES'
            """), "1", "the old table's grants are the parent's", file: file, line: line)
        XCTAssertEqual(try column("""
            select i.inhrelid::text from pg_inherits as i
            where i.inhparent in ('core.contacts_case_type_date'::regclass, 'core.by_staff'::regclass)
              and i.inhrelid in (select indexrelid from pg_index where indrelid = 'core.contacts_history'::regclass)
            order by i.inhparent = 'core.by_staff'::regclass
            """), oldIndexes, "the old indexes, the analyst's too, are the new parent's, not built again", file: file, line: line)
        XCTAssertEqual(try value("select indrelid::regclass::text from pg_index where indexrelid = 'core.by_staff'::regclass"), "core.contacts",
                       file: file, line: line)
        XCTAssertEqual(try value("select pg_get_constraintdef(oid) from pg_constraint where conrelid = 'core.contacts_history'::regclass and contype = 'p'"),
                       "PRIMARY KEY (contact_id, contact_date)", file: file, line: line)

        // A full build drops the old rows' table: nothing may still hold on to it.
        try TransformRunner(connection: connection).run(parameters: RunParameters(), fullRebuild: true)
        XCTAssertNotEqual(try value("select 'core.contacts_history'::regclass::oid::text"), oldRows, file: file, line: line)
        XCTAssertEqual(try coreFingerprint(), rowsBefore, file: file, line: line)
        assertRows(try rows("select case_id, contacts::text from public.contacts_per_case order by case_id"), perCase, file: file, line: line)
        XCTAssertEqual(try value("select count(*)::text from public.busiest_case"), "1", file: file, line: line)
        XCTAssertEqual(try value("select count(*)::text from pg_inherits where inhparent = 'core.by_staff'::regclass"), "2",
                       "the analyst's index is on both new partitions", file: file, line: line)
        XCTAssertGreaterThan(try aggregate(from: "2024-01-01", to: "2024-04-01"), 0, file: file, line: line)
    }

    /// A view of another role's on the old table cannot be bound to the new parent by this role:
    /// the upgrade stops, names it, and leaves core.contacts as it was.
    func testAnotherRolesViewOnPlainContactsStopsTheUpgradeChangingNothing() throws {
        guard let adminInfo = try TestCluster.adminConninfo(database: database.name) else {
            throw XCTSkip("no superuser for DATABASE_URL's server")
        }
        try load(fixture: "keywork")
        let rowsBefore = try coreFingerprint()
        try makeContactsPlainAsAnOlderToolLeftThem()
        let admin = try PostgresConnection(adminInfo)
        try admin.execute(script: "create view public.analysts_contacts as select contact_id, case_id from core.contacts")

        XCTAssertThrowsError(try WarehouseSchema.prepare(connection, [.core])) { error in
            XCTAssertTrue("\(error)".contains("public.analysts_contacts"), "\(error)")
        }
        XCTAssertEqual(try value("select relkind::text from pg_class where oid = 'core.contacts'::regclass"), "r")
        XCTAssertEqual(try coreFingerprint(), rowsBefore)
        XCTAssertEqual(try value("select count(*)::text from throughcare.schema_version where unit = 'core' and checksum = 'older'"), "1")

        try admin.execute(script: "drop view public.analysts_contacts")
        try WarehouseSchema.prepare(connection, [.core])
        XCTAssertEqual(try value("select pg_get_partkeydef('core.contacts'::regclass)"), "RANGE (contact_date)")
        XCTAssertEqual(try coreFingerprint(), rowsBefore)
    }

    /// core.contacts back in the shape of a tool before the partitions: one plain table keyed by
    /// contact_id with the tool's indexes, a function returning its rowtype, core's DDL to be
    /// applied again.
    private func makeContactsPlainAsAnOlderToolLeftThem(withKey: Bool = true) throws {
        try connection.execute(script: """
            create table core.contacts_plain (like core.contacts);
            insert into core.contacts_plain select * from core.contacts;
            drop table core.contacts cascade;
            alter table core.contacts_plain rename to contacts;
            \(SQLQuery(unsafeSQL: withKey ? "alter table core.contacts add constraint contacts_pkey primary key (contact_id);" : ""))
            \(Self.olderContactsIndexes(on: "core.contacts"))
            """)
        try leaveCoreAsAnOlderToolLeftIt()
    }

    /// core.contacts as the last tool left it: partitioned by contact_id, its one partition
    /// core.contacts_all holding every row and the indexes.
    private func makeContactsPartitionedByIDAsTheLastToolLeftThem() throws {
        try connection.execute(script: """
            create table core.contacts_all (like core.contacts);
            insert into core.contacts_all select * from core.contacts;
            drop table core.contacts cascade;
            create table core.contacts (like core.contacts_all including all) partition by range (contact_id);
            alter table core.contacts add constraint contacts_pkey primary key (contact_id);
            alter table core.contacts_all add constraint contacts_all_pkey primary key (contact_id);
            alter table core.contacts attach partition core.contacts_all for values from (minvalue) to (maxvalue);
            \(Self.olderContactsIndexes(on: "core.contacts_all"))
            create function core.attach_contacts_partition() returns void language sql as 'select';
            """)
        try leaveCoreAsAnOlderToolLeftIt()
    }

    private static func olderContactsIndexes(on table: String) -> SQLQuery {
        SQLQuery(unsafeSQL: """
        create index contacts_case_type_date on \(table) (case_id, contact_type, contact_date) include (is_completed, is_live, channel);
        create index contacts_date_type on \(table) (contact_date, contact_type) include (case_id, is_completed);
        """)
    }

    private func leaveCoreAsAnOlderToolLeftIt() throws {
        try connection.execute(script: """
            create function core.contacts_from_staging(p_after_batch bigint) returns setof core.contacts
                language sql stable as $$ select * from core.contacts $$;
            update throughcare.schema_version set checksum = 'older' where unit = 'core' and step = 0;
            """)
        // the tool's own views (quality's, views on views among them) on the old table, as an
        // older build left them
        for file in try ProjectResources.sqlFiles(in: ["200_quality"]) {
            try connection.execute(script: SQLQuery(unsafeSQL: try String(contentsOf: file, encoding: .utf8)))
        }
    }

    func testADatabaseWithTwoRecordsIsBroughtToOneKeepingWhenStepsWereApplied() throws {
        try load(fixture: "keywork")
        try aggregate(from: "2024-01-01", to: "2024-04-01")
        // Put the database back in the shape before: one row per unit, the steps in metrics.
        try connection.execute(script: """
            drop view metrics.schema_version;
            create table metrics.schema_version (
                version integer primary key, applied_at timestamptz not null default now(), description text not null);
            insert into metrics.schema_version
            select step, ('2025-03-0' || step || ' 12:00+00')::timestamptz, description
            from throughcare.schema_version where unit = 'metrics' and step > 0;
            create table throughcare.old_version as
            select unit, 'stale'::text as checksum, applied_at, tool_version from throughcare.schema_version where step = 0;
            drop table throughcare.schema_version;
            alter table throughcare.old_version rename to schema_version;
            alter table throughcare.schema_version alter column checksum set not null, add primary key (unit);
            """)

        try TransformRunner(connection: connection).run(parameters: RunParameters())
        let run = try aggregate(from: "2024-01-01", to: "2024-04-01")
        XCTAssertGreaterThan(run, 0)

        XCTAssertEqual(try value("select relkind::text from pg_class where oid = 'metrics.schema_version'::regclass"), "v")
        XCTAssertEqual(try rows("""
            select step::text, to_char(applied_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI')
            from throughcare.schema_version where unit = 'metrics' and step > 0 order by step
            """), (1...8).map { [String($0), "2025-03-0\($0) 12:00"] })
        XCTAssertEqual(try value("select count(*)::text from throughcare.schema_version where step > 0 and tool_version is null"), "8",
                       "steps moved from the old table do not claim this tool applied them")
        XCTAssertEqual(try value("select count(*)::text from throughcare.schema_version where step = 0 and checksum = 'stale'"), "0",
                       "every unit was migrated to this tool's files")
        XCTAssertEqual(try column("select unit from throughcare.schema_version where step = 0 order by unit"),
                       ["core", "ingest", "metrics"])
        XCTAssertEqual(try value("""
            select string_agg(a.attname, ',' order by a.attnum) from pg_attribute as a
            where a.attrelid = 'throughcare.schema_version'::regclass and a.attnum > 0 and not a.attisdropped
            """), "unit,checksum,applied_at,tool_version,step,description")
        XCTAssertNoThrow(try connection.query("insert into throughcare.schema_version (unit, step, description) values ('metrics', 99, 'probe')"))
        assertSQLState("23514", "a step carries no checksum") {
            try self.connection.query("insert into throughcare.schema_version (unit, step, description, checksum) values ('metrics', 98, 'x', 'y')")
        }
    }
}
