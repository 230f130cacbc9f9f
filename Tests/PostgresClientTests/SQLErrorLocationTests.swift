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
}
