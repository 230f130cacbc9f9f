import PostgresClient
import XCTest

/// No password in any message: libpq's parse errors quote the text they could not read, so a
/// malformed URL used to print its password. These need no server.
final class ConnectionStringTests: XCTestCase {
    func testMalformedURLErrorCarriesNoPassword() {
        for conninfo in [
            "postgresql://u:Secret%zz@host/db",          // bad percent-encoding, quoted by libpq
            "postgresql://u:Secret@[::1/db",             // unterminated IPv6 host: libpq quotes the whole URI
            "postgresql://u:Secret@host:5432/db?sslmode=require&bogus=Secret",
            "host=localhost password=Secret dbname='unterminated",
        ] {
            XCTAssertThrowsError(try PostgresConnection(conninfo), conninfo) { error in
                let text = "\(error) \(String(describing: error)) \(error.localizedDescription)"
                XCTAssertFalse(text.contains("Secret"), "password leaked: \(text)")
                XCTAssertTrue(text.contains("invalid connection string"), text)
            }
            XCTAssertThrowsError(try ConnectionString.replacingDatabase(in: conninfo, with: "x")) { error in
                XCTAssertFalse("\(error)".contains("Secret"), "\(error)")
            }
        }
    }

    func testFailedConnectionDoesNotEchoPassword() throws {
        // Nothing listens on port 1; libpq fails after parsing, with the password in hand.
        for conninfo in [
            "host=127.0.0.1 port=1 user=someone password=Secret7 dbname=x connect_timeout=2",
            "postgresql://someone:Secret7@127.0.0.1:1/x?connect_timeout=2",
        ] {
            XCTAssertThrowsError(try PostgresConnection(conninfo)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("cannot connect"), text)
                XCTAssertFalse(text.contains("Secret7"), text)
                XCTAssertTrue(text.contains("127.0.0.1"), "the host is still named: \(text)")
            }
        }
    }

    func testDetectsPassword() {
        XCTAssertTrue(ConnectionString.containsPassword("host=h password=x dbname=d"))
        XCTAssertTrue(ConnectionString.containsPassword("host=h password = 'a b' dbname=d"))
        XCTAssertTrue(ConnectionString.containsPassword("postgresql://u:pw@h/db"))
        XCTAssertTrue(ConnectionString.containsPassword("postgresql://u@h/db?password=pw"))
        XCTAssertTrue(ConnectionString.containsPassword("postgresql://u:Secret%zz@host/db"), "malformed, still detected")
        XCTAssertFalse(ConnectionString.containsPassword("postgresql://u@h/db"))
        XCTAssertFalse(ConnectionString.containsPassword("host=h user=u dbname=d"))
        XCTAssertFalse(ConnectionString.containsPassword("service=throughcare"))
        XCTAssertEqual(ConnectionString.password(in: "host=h password = 'a b'"), "a b")
        XCTAssertEqual(ConnectionString.password(in: "postgresql://u:p%40w@h/db"), "p@w", "libpq decodes the URL")
    }

    func testRedactKeepsOptionNames() {
        let conninfo = "host=h passwrd=Secret"
        XCTAssertThrowsError(try ConnectionString.parse(conninfo)) { error in
            XCTAssertFalse("\(error)".contains("Secret"))
            XCTAssertTrue("\(error)".contains("invalid connection option"), "\(error)")
        }
        XCTAssertEqual(ConnectionString.redact("missing \"=\" after \"port\"", conninfo: "x", quotedFragments: true), "missing \"=\" after \"port\"")
    }
}
