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
        let row = try connection.query("select \(missing)::text, \(Optional("a"))::text, null::int").rows[0]
        XCTAssertNil(row[0])
        XCTAssertEqual(row[1], "a")
        XCTAssertNil(try row.decode(Int?.self, at: 2))
        XCTAssertThrowsError(try row.decode(Int.self, at: 2))
    }

    func testTypedDecoding() throws {
        let row = try connection.query("select 'K1'::text, 7::bigint, true, 0.25::float8").rows[0]
        let (id, count) = try row.decode((String, Int64).self)
        XCTAssertEqual(id, "K1")
        XCTAssertEqual(count, 7)
        XCTAssertTrue(try row.decode(Bool.self, at: 2))
        XCTAssertEqual(try row.decode(Double.self, at: 3), 0.25)
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
        let stored = try connection.copyIn("copy t (id, note) from stdin") { stream in
            for index in 1...10_000 {
                try stream.write("\(index)\tnote \(index)\n")
            }
            try stream.write("10001\t\\N\n")
        }
        XCTAssertEqual(stored, 10_001)
        XCTAssertEqual(try connection.query("select count(*), count(note), sum(id) from t").rows[0].values, ["10001", "10000", "50015001"])
        var out = [UInt8]()
        try connection.copyOut("copy (select id, note from t where id <= 2 order by id) to stdout with (format csv)") { chunk in
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
