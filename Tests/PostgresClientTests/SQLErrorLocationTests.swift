import Foundation
import PostgresClient
import TestSupport
import XCTest

/// A SQL error reads sql/<folder>/<file>.sql:<line>:<column>: message, with the PL/pgSQL context:
/// for a statement by its POSITION, and for an error raised inside a function by the function's
/// definition and CONTEXT's line.
final class SQLErrorLocationTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sqlmap-\(UUID().uuidString)/sql/900_test")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder.deletingLastPathComponent().deletingLastPathComponent())
    }

    func write(_ name: String, _ text: String) throws -> URL {
        let file = folder.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    func testErrorInsideAFunctionNamesItsFileAndLine() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        let functions = try write("910_functions.sql", """
            -- a helper that fails on its sixth body line
            create or replace function public.share_of(p_part bigint, p_whole bigint)
            returns numeric
            language plpgsql
            as $$
            declare
                result numeric;
            begin
                -- p_whole = 0 divides by zero here
                result := p_part::numeric / p_whole;
                return result;
            end;
            $$;
            """)
        let caller = try write("920_caller.sql", "select public.share_of(1, 0);\n")
        XCTAssertThrowsError(try connection.executeScripts([functions, caller])) { error in
            guard let error = error as? PostgresError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.location, "sql/900_test/910_functions.sql:10:5", error.description)
            XCTAssertTrue(error.description.hasPrefix("sql/900_test/910_functions.sql:10:5: division by zero"), error.description)
            XCTAssertTrue(error.description.contains("CONTEXT: PL/pgSQL function share_of(bigint,bigint) line 6"), error.description)
        }
    }

    func testStatementErrorNamesItsLineAndColumn() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        let file = try write("930_view.sql", """
            create table public.things (id integer);

            create view public.thing_view as
            select id, no_such_column
            from public.things;
            """)
        XCTAssertThrowsError(try connection.executeScripts([file])) { error in
            guard let error = error as? PostgresError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.location, "sql/900_test/930_view.sql:4:12", error.description)
            XCTAssertTrue(error.description.contains("column \"no_such_column\" does not exist"), error.description)
        }
    }

    /// CONTEXT's "PL/pgSQL function metrics.execute_run(bigint) line 42" is line 42 of the body,
    /// counted from the line of the opening dollar quote, in the file that defines the function.
    func testContextLineOfExecuteRunMapsIntoItsFile() throws {
        let file = repositoryRoot().appendingPathComponent("sql/300_metrics/370_execute_run.sql")
        let lines = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
        let definition = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("create or replace function metrics.execute_run(") })
        let opening = try XCTUnwrap(lines[definition...].firstIndex { $0.contains("$$") })
        var error = PostgresError(kind: .server, message: "division by zero",
                                  context: "PL/pgSQL function metrics.fill_rates(bigint) line 3 at SQL statement\nPL/pgSQL function metrics.execute_run(bigint) line 42 at PERFORM")
        // The innermost frame wins when its function is found; here only execute_run's file is given.
        let location = try XCTUnwrap(SQLSourceMap.functionLocation(of: error, in: [file]))
        XCTAssertTrue(location.hasPrefix("sql/300_metrics/370_execute_run.sql:\(opening + 42):"), location)
        error.context = "PL/pgSQL function execute_run(bigint) line 42 at PERFORM"
        XCTAssertEqual(SQLSourceMap.functionLocation(of: error, in: [file]), location, "the schema may be left out of CONTEXT")
    }

    /// An error in a statement of a PL/pgSQL function, found only when it runs (a missing column),
    /// is placed by INTERNAL POSITION at its line and column, and the error carries that field.
    /// With `sqlSourceFiles` set the location is there as `query` throws, without a script run.
    func testInternalPositionNamesTheLineAndColumnInsideAFunction() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        let functions = try write("940_functions.sql", """
            create or replace function public.count_things()
            returns bigint
            language plpgsql
            as $$
            begin
                return (select count(*)
                        from pg_class
                        where no_such_column > 0);
            end;
            $$;
            """)
        try connection.executeScripts([functions])
        connection.sqlSourceFiles = [functions]
        XCTAssertThrowsError(try connection.call("public.count_things")) { error in
            guard let error = error as? PostgresError else { return XCTFail("\(error)") }
            XCTAssertNotNil(error.internalQuery, error.description)
            XCTAssertNotNil(error.internalPosition, error.description)
            XCTAssertEqual(error.location, "sql/900_test/940_functions.sql:8:19", error.description)
            XCTAssertTrue(error.description.contains("CONTEXT: PL/pgSQL function count_things() line 3"), error.description)
        }
    }

    /// A SQL-language function names no line, only its statement: the location is where that
    /// statement starts in the file.
    func testErrorInASQLFunctionNamesItsStatement() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        let functions = try write("950_functions.sql", """
            create or replace function public.ratio(p_part bigint, p_whole bigint)
            returns bigint
            language sql
            as $$
                select 1;
                -- the second statement divides
                select p_part / p_whole;
            $$;
            """)
        try connection.executeScripts([functions])
        connection.sqlSourceFiles = [functions]
        XCTAssertThrowsError(try connection.query("select public.ratio(\(1), \(0)) from generate_series(1, \(2))")) { error in
            guard let error = error as? PostgresError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.location, "sql/900_test/950_functions.sql:7:5", error.description)
            XCTAssertTrue(error.description.contains("CONTEXT: SQL function \"ratio\" statement 2"), error.description)
        }
    }
}
