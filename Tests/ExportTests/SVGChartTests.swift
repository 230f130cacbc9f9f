import XCTest
@testable import Export
final class SVGChartTests: XCTestCase {
    func testPlaceholder() {}
}
