import Foundation

extension PostgresConnection {
    /// Runs each SQL file in its own transaction, in the order given. The files are the project's
    /// own (sql/), carry no values, and are idempotent, so running them again is always safe.
    public func runScripts(_ files: [URL]) throws {
        for file in files {
            let script = try String(contentsOf: file, encoding: .utf8)
            do {
                try transaction { try execute(script: script) }
            } catch var error as PostgresError {
                error.message = "\(file.lastPathComponent): \(error.message)"
                throw error
            }
        }
        _ = drainNotices()
    }
}
