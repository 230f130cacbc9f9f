import Foundation
import TestSupport
import XCTest

/// Issue #10: runners and commands hold no SQL text. They call the functions of sql/ by name
/// (`connection.call`), and the statements that cannot be functions (COPY selects) are files of
/// sql/queries read with `SQLStatement.named`. Only the database client (PostgresClient), the
/// embedded cluster's setup (LocalPostgres) and that loader may build a query from text.
final class SQLTextTests: XCTestCase {
    static let allowed: Set<String> = ["PostgresClient", "LocalPostgres", "CLibPQ", "CCrypto", "CZlib"]
    static let loader = "Sources/Warehouse/SQLStatement.swift"
    /// What a Swift file would use to send SQL text of its own.
    static let patterns = [".query(", "unsafeSQL:", "execute(script:", "copyCSV(\"", "copyOut(select: \""]

    func testRunnersAndCommandsHoldNoSQLText() throws {
        let sources = repositoryRoot().appendingPathComponent("Sources")
        let modules = try FileManager.default.contentsOfDirectory(atPath: sources.path).filter { !Self.allowed.contains($0) }
        XCTAssertTrue(modules.contains("Export") && modules.contains("Pipeline") && modules.contains("throughcare"), "\(modules)")
        var found: [String] = []
        for module in modules.sorted() {
            let folder = sources.appendingPathComponent(module)
            for case let path as String in FileManager.default.enumerator(atPath: folder.path) ?? .init() where path.hasSuffix(".swift") {
                let relative = "Sources/\(module)/\(path)"
                guard relative != Self.loader else { continue }
                let text = try String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)
                for (number, line) in text.components(separatedBy: "\n").enumerated() {
                    for pattern in Self.patterns where line.contains(pattern) {
                        found.append("\(relative):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
                    }
                }
            }
        }
        XCTAssertEqual(found, [], "call a function of sql/ by name, or put a COPY select in sql/queries")
    }
}
