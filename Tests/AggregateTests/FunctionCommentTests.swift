import Foundation
import XCTest

/// The project comments every object it creates: tables, views and columns are checked in
/// StatisticsTests and TransformRulesTests; this checks the functions the tool calls by name.
final class FunctionCommentTests: AggregateTestCase {
    func testEveryFunctionHasAComment() throws {
        try load(fixture: "keywork")
        try prepareAggregateSchema()
        let schemas = ["throughcare", "ingest", "staging", "core", "quality", "intermediate", "metrics", "published"]
        XCTAssertGreaterThan(try value("""
            select count(*) from pg_catalog.pg_proc as p join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
            where n.nspname = any (\(schemas))
            """).flatMap(Int.init) ?? 0, 50, "the tool's functions are there")
        let uncommented = try column("""
            select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
            from pg_catalog.pg_proc as p
            join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
            where n.nspname = any (\(schemas))
              and obj_description(p.oid, 'pg_proc') is null
            order by 1
            """)
        XCTAssertEqual(uncommented.compactMap { $0 }, [])
    }
}
