import Foundation
import PostgresClient
import ThroughcareCore

/// A statement kept in `sql/queries/NAME.sql`, for the few that cannot be a function: a COPY's
/// SELECT (COPY takes no parameters and a set-returning function does not promise its order) and
/// statements whose result shape the caller streams. The file is read through the same trusted
/// lookup as every other sql/ file; its `$1`, `$2`, ... are bound to the values given, in order.
public enum SQLStatement {
    public static let folder = "queries"

    public static func named(_ name: String, _ binds: any PostgresBindable...) throws -> SQLQuery {
        let root = try ProjectResources.sqlDirectory()
        let directory = root.appendingPathComponent(folder)
        let file = directory.appendingPathComponent(name + ".sql")
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
              FileManager.default.fileExists(atPath: file.path) else {
            throw ThroughcareError.installation("the query \(name) is missing: expected \(SQLSourceMap.displayPath(file))")
        }
        try ProjectResources.checkTrusted(directory)
        try ProjectResources.checkTrusted(file)
        let text = try String(contentsOf: file, encoding: .utf8)
        return try SQLQuery(unsafeSQL: text.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: ";")), binds: binds)
    }

    /// Runs a statement of sql/queries that returns nothing and takes no values (a VACUUM, which
    /// cannot run inside a function or a transaction).
    public static func execute(_ name: String, on connection: PostgresConnection) throws {
        try connection.execute(script: try named(name))
    }
}
