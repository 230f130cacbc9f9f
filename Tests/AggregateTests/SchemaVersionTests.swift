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

    /// core.contacts as a tool before the partition made it, a plain table, with views on it (an
    /// analyst's, and one on that): the upgrade makes the table the partition, every row kept, and
    /// binds the views to the new parent, so full builds can replace the partition beneath them.
    func testPlainContactsOfAnOlderToolBecomeThePartitionKeepingRowsAndViews() throws {
        try load(fixture: "keywork")
        let rowsBefore = try coreFingerprint()
        try makeContactsPlainAsAnOlderToolLeftThem()
        try connection.execute(script: """
            create view public.contacts_per_case with (security_barrier) as
                select case_id, count(*) as contacts from core.contacts group by case_id;
            create view public.busiest_case as select * from public.contacts_per_case order by contacts desc, case_id limit 1;
            grant references on core.contacts to public;
            """)
        let oldTable = try value("select 'core.contacts'::regclass::oid::text")
        let perCase = try rows("select case_id, contacts::text from public.contacts_per_case order by case_id")
        XCTAssertGreaterThan(perCase.count, 0)

        try WarehouseSchema.prepare(connection, [.core])
        XCTAssertEqual(try value("select relkind::text from pg_class where oid = 'core.contacts'::regclass"), "p")
        XCTAssertEqual(try column("select inhrelid::text from pg_inherits where inhparent = 'core.contacts'::regclass"), [oldTable],
                       "the old table, not a copy, is the partition")
        XCTAssertEqual(try coreFingerprint(), rowsBefore)
        XCTAssertEqual(try column("""
            select distinct d.refobjid::regclass::text
            from pg_depend as d join pg_rewrite as r on r.oid = d.objid
            where r.ev_class = 'public.contacts_per_case'::regclass and d.refobjid::regclass::text like 'core.%'
            """), ["core.contacts"])
        XCTAssertEqual(try value("select array_to_string(reloptions, ',') from pg_class where oid = 'public.contacts_per_case'::regclass"),
                       "security_barrier=true")
        XCTAssertEqual(try column("""
            select distinct v.relname::text
            from pg_depend as d join pg_rewrite as r on r.oid = d.objid join pg_class as v on v.oid = r.ev_class
            where d.refobjid = 'core.contacts_all'::regclass and v.oid <> 'core.contacts_all'::regclass
            """), [], "the tool's quality views, made again on the plain table, read the parent too")
        XCTAssertGreaterThan(try count("quality.summary"), 0)
        XCTAssertEqual(try value("""
            select count(*)::text from pg_class as c cross join lateral aclexplode(c.relacl) as g
            where c.oid = 'core.contacts'::regclass and g.grantee = 0 and g.privilege_type = 'REFERENCES'
            """), "1", "the old table's grants are the parent's")

        // A full build drops the old partition: nothing may still hold on to it.
        try TransformRunner(connection: connection).run(parameters: RunParameters(), fullRebuild: true)
        XCTAssertNotEqual(try column("select inhrelid::text from pg_inherits where inhparent = 'core.contacts'::regclass"), [oldTable])
        XCTAssertEqual(try coreFingerprint(), rowsBefore)
        assertRows(try rows("select case_id, contacts::text from public.contacts_per_case order by case_id"), perCase)
        XCTAssertEqual(try value("select count(*)::text from public.busiest_case"), "1")
        XCTAssertGreaterThan(try aggregate(from: "2024-01-01", to: "2024-04-01"), 0)
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
        XCTAssertEqual(try value("select relkind::text from pg_class where oid = 'core.contacts'::regclass"), "p")
        XCTAssertEqual(try coreFingerprint(), rowsBefore)
    }

    /// core.contacts back in the shape of a tool before the partition: one plain table, a function
    /// returning its rowtype, core's DDL to be applied again.
    private func makeContactsPlainAsAnOlderToolLeftThem() throws {
        try connection.execute(script: """
            alter table core.contacts detach partition core.contacts_all;
            drop table core.contacts cascade;
            alter table core.contacts_all rename to contacts;
            alter index core.contacts_all_pkey rename to contacts_pkey;
            create function core.contacts_from_staging(p_after_batch bigint) returns setof core.contacts
                language sql stable as $$ select * from core.contacts $$;
            update throughcare.schema_version set checksum = 'older' where unit = 'core' and step = 0;
            """)
        // the tool's own views (quality's, views on views among them) on the plain table, as an
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
