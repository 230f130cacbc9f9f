import PostgresClient
import TestSupport
import XCTest

final class PostgresClientTests: XCTestCase {
    var database: TestDatabase!
    var connection: PostgresConnection!

    override func setUpWithError() throws {
        database = try TestDatabase()
        connection = try database.connect()
    }

    override func tearDown() {
        connection = nil
        database?.drop()
    }

    func testInterpolatedValuesAreBoundParameters() throws {
        let hostile = "x'); drop table t; --"
        let query: SQLQuery = "select \(hostile)::text as value, \(42) + 1 as answer"
        XCTAssertEqual(query.text, "select $1::text as value, $2 + 1 as answer")
        let row = try connection.query(query).rows[0]
        XCTAssertEqual(try row.decode(String.self, column: "value"), hostile)
        XCTAssertEqual(try row.decode(Int.self, column: "answer"), 43)
    }

    func testNullsRoundTrip() throws {
        let missing: String? = nil
        let row = try connection.query("select \(missing) as missing, \(Optional("a")) as present, null::int as number").rows[0]
        XCTAssertNil(try row["missing", as: String?.self])
        XCTAssertEqual(try row["present", as: String.self], "a")
        XCTAssertNil(try row.decode(Int?.self, column: "number"))
        XCTAssertThrowsError(try row.decode(Int.self, column: "number")) { error in
            XCTAssertEqual("\(error)", "column \"number\" (integer) is NULL; expected Int")
        }
    }

    func testTypedDecoding() throws {
        let row = try connection.query("select 'K1'::text as id, 7::bigint as count, true as flag, 0.25::float8 as share").rows[0]
        XCTAssertEqual(try row["id", as: String.self], "K1")
        XCTAssertEqual(try row["count", as: Int64.self], 7)
        XCTAssertTrue(try row["flag", as: Bool.self])
        XCTAssertEqual(try row["share", as: Double.self], 0.25)
    }

    /// A decoding error says which column, its PostgreSQL type, and the Swift type wanted; a
    /// missing column is named with the columns there are.
    func testDecodingErrorsNameTheColumnAndTypes() throws {
        let row = try connection.query("select 'seven'::text as count, current_date as as_of").rows[0]
        XCTAssertThrowsError(try row["count", as: Int.self]) { error in
            XCTAssertEqual((error as? PostgresError)?.kind, .decoding)
            XCTAssertEqual("\(error)", "column \"count\" (text) cannot be read: \"seven\" is not an integer; expected Int")
        }
        XCTAssertThrowsError(try row["case_id", as: String.self]) { error in
            XCTAssertEqual("\(error)", "column \"case_id\" does not exist in the result (columns: count, as_of); expected String")
        }
        XCTAssertFalse(row.has(column: "case_id"))
    }

    /// Values go with their PostgreSQL type, so the server resolves operators and functions
    /// without casts: a bound Int is a bigint, a Bool a boolean, JSON a jsonb, an array a text[].
    func testValuesAreBoundWithTheirTypes() throws {
        let row = try connection.query("""
            select pg_typeof(\(Int64(1)))::text as int8, pg_typeof(\(true))::text as bool, pg_typeof(\(0.5))::text as float8,
                   pg_typeof(\("x"))::text as text, pg_typeof(\(json: "{\"a\": 1}"))::text as jsonb,
                   pg_typeof(\(["a", "b"]))::text as text_array, pg_typeof(\(nil as Int?))::text as null_int,
                   \(json: "{\"a\": [1, 2]}") -> 'a' ->> 1 as json_path,
                   cardinality(\(["a\"b", "c,d", "NULL"])) as elements
            """).rows[0]
        XCTAssertEqual(try row["int8", as: String.self], "bigint")
        XCTAssertEqual(try row["bool", as: String.self], "boolean")
        XCTAssertEqual(try row["float8", as: String.self], "double precision")
        XCTAssertEqual(try row["text", as: String.self], "text")
        XCTAssertEqual(try row["jsonb", as: String.self], "jsonb")
        XCTAssertEqual(try row["text_array", as: String.self], "text[]")
        XCTAssertEqual(try row["null_int", as: String.self], "bigint")
        XCTAssertEqual(try row["json_path", as: String.self], "2")
        XCTAssertEqual(try row["elements", as: Int.self], 3)
        let strings = ["a\"b", "c,d", "NULL", "back\\slash", ""]
        XCTAssertEqual(try connection.query("select \(strings) as list").scalar([String].self), strings)
    }

    /// Queries compose from safe pieces; the `$n` numbers are given when the statement is sent.
    func testQueriesCompose() throws {
        let conditions: [SQLQuery] = ["n > \(2)", "n < \(5)", "n <> \(3)"]
        var query: SQLQuery = "select count(*) as matches from generate_series(1, \(10)) as n"
        query += " where " + conditions.joined(separator: " and ")
        XCTAssertEqual(query.text, "select count(*) as matches from generate_series(1, $1) as n where n > $2 and n < $3 and n <> $4")
        XCTAssertEqual(try connection.query(query).scalar(Int.self), 1)
        let inner: SQLQuery = "select \("x") as v"
        XCTAssertEqual(try connection.query("select v from (\(inner)) as s where v = \("x")").scalar(String.self), "x")
        let call = SQLQuery.call("pg_catalog.left", ["abc", Int32(2)])
        XCTAssertEqual(call.text, "select * from pg_catalog.left($1, $2)")
        XCTAssertEqual(try connection.call("pg_catalog.left", "abc", Int32(2)).scalar(String.self), "ab")
    }

    /// Placeholders of a statement read from a file: `$n` outside quotes, comments and dollar quotes.
    func testPlaceholdersOfAStatementText() throws {
        let query = try SQLQuery(unsafeSQL: """
            -- $1: the name
            select $1 as name, '$2 is text' as literal, $$ $1 $$ as quoted, $2 + $2 as twice
            """, binds: ["n", 21])
        XCTAssertEqual(query.binds.count, 3)
        let row = try connection.query(query).rows[0]
        XCTAssertEqual(try row["name", as: String.self], "n")
        XCTAssertEqual(try row["literal", as: String.self], "$2 is text")
        XCTAssertEqual(try row["quoted", as: String.self], " $1 ")
        XCTAssertEqual(try row["twice", as: Int.self], 42)
        XCTAssertThrowsError(try SQLQuery(unsafeSQL: "select $2", binds: ["a"]))
        XCTAssertThrowsError(try SQLQuery(unsafeSQL: "select $1", binds: ["a", "b"]))
    }

    func testServerErrorCarriesSQLStateDetailAndHint() throws {
        try connection.execute(script: "create table t (id int primary key)")
        try connection.query("insert into t values (\(1))")
        XCTAssertThrowsError(try connection.query("insert into t values (\(1))")) { error in
            let postgresError = error as? PostgresError
            XCTAssertEqual(postgresError?.sqlState, "23505")
            XCTAssertEqual(postgresError?.kind, .server)
            XCTAssertNotNil(postgresError?.detail)
        }
        XCTAssertThrowsError(try connection.query("select * from no_such_table")) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "42P01")
        }
    }

    func testTransactionRollsBackOnError() throws {
        try connection.execute(script: "create table t (id int)")
        struct Boom: Error {}
        XCTAssertThrowsError(try connection.transaction {
            try connection.query("insert into t values (\(1))")
            throw Boom()
        })
        XCTAssertFalse(connection.inTransaction)
        XCTAssertEqual(try connection.query("select count(*) from t").scalar(Int.self), 0)
    }

    func testCopyRoundTrip() throws {
        try connection.execute(script: "create table t (id int, note text)")
        let stored = try connection.copyIn(into: ["t"], columns: ["id", "note"]) { stream in
            for index in 1...10_000 {
                try stream.write("\(index)\tnote \(index)\n")
            }
            try stream.write("10001\t\\N\n")
        }
        XCTAssertEqual(stored, 10_001)
        XCTAssertEqual(try connection.query("select count(*), count(note), sum(id) from t").rows[0].values, ["10001", "10000", "50015001"])
        var out = [UInt8]()
        try connection.copyOut(select: "select id, note from t where id <= \(2) and note <> \("it's") order by id", format: .csv(header: false)) { chunk in
            out.append(contentsOf: chunk)
        }
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "1,note 1\n2,note 2\n")
    }

    func testFailingCopyIsRolledBackWhole() throws {
        try connection.execute(script: "create table t (id int)")
        XCTAssertThrowsError(try connection.copyIn("copy t (id) from stdin") { stream in
            try stream.write("1\n2\nnot-a-number\n3\n")
        }) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "22P02")
        }
        XCTAssertEqual(try connection.query("select count(*) from t").scalar(Int.self), 0)
        // The connection is still usable afterwards.
        XCTAssertEqual(try connection.query("select 1").scalar(Int.self), 1)
    }

    func testAbortedCopyKeepsNothing() throws {
        try connection.execute(script: "create table t (id int)")
        struct ClientFailure: Error {}
        XCTAssertThrowsError(try connection.copyIn("copy t (id) from stdin") { stream in
            try stream.write("1\n2\n")
            throw ClientFailure()
        }) { error in
            XCTAssertTrue(error is ClientFailure)
        }
        XCTAssertEqual(try connection.query("select count(*) from t").scalar(Int.self), 0)
    }

    func testNoticesAreCollectedNotPrinted() throws {
        try connection.execute(script: "drop table if exists surely_missing")
        XCTAssertTrue(connection.drainNotices().contains { $0.contains("does not exist") })
        XCTAssertTrue(connection.drainNotices().isEmpty)
    }

    func testQuotedIdentifiers() throws {
        let name = "odd \"name\""
        try connection.query("create table \(identifier: name) (id int)")
        XCTAssertEqual(try connection.query("select count(*) from \(identifier: name)").scalar(Int.self), 0)
    }

    func testConnectionErrorIsClear() {
        XCTAssertThrowsError(try PostgresConnection("host=127.0.0.1 port=1 connect_timeout=2")) { error in
            XCTAssertEqual((error as? PostgresError)?.kind, .unreachable, "no session was ever opened: the CLI reports it as unreachable")
            XCTAssertTrue("\(error)".contains("cannot connect"))
        }
    }
}
