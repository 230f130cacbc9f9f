import PostgresClient
import ThroughcareCore
import XCTest

/// The run parameters are named twice by necessity: RunParameters (the tool validates and
/// records them) and metrics.parameter_catalogue() (SQL fills defaults and checks types). They
/// must be the same catalogue: same names, same order, same defaults.
final class ParameterCatalogueTests: AggregateTestCase {
    func testSQLCatalogueIsTheToolsCatalogue() throws {
        // the metrics schema is prepared on a database with a core model
        _ = try load(fixture: "keywork")
        try prepareAggregateSchema()
        let catalogue = try connection.query("select name, default_value from metrics.parameter_catalogue()").rows.map {
            (name: try $0.decode(String.self, column: "name"), value: try $0.decode(String.self, column: "default_value"))
        }
        XCTAssertEqual(catalogue.map(\.name), RunParameters.defaults.map(\.name))
        XCTAssertEqual(catalogue.map(\.value), RunParameters.defaults.map(\.value))
    }
}
