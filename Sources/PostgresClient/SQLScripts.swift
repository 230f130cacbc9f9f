import Foundation

extension PostgresConnection {
    /// Runs each SQL file in its own transaction, in the order given. The files are the project's
    /// own (sql/), carry no values, and are idempotent, so running them again is always safe.
    public func runScripts(_ files: [URL]) throws {
        for file in files {
            try transaction { try executeScripts([file]) }
        }
    }

    /// Runs the files in the caller's transaction, in order; an error names the file it came from.
    public func executeScripts(_ files: [URL], step: ((URL, Double) -> Void)? = nil) throws {
        for file in files {
            let script = try String(contentsOf: file, encoding: .utf8)
            let started = DispatchTime.now().uptimeNanoseconds
            do {
                try execute(script: SQLQuery(unsafeSQL: script))
            } catch var error as PostgresError {
                error.location = SQLSourceMap.location(of: error, script: script, file: file)
                    ?? SQLSourceMap.functionLocation(of: error, in: files) ?? error.location
                if error.location == nil { error.message = "\(SQLSourceMap.displayPath(file)): \(error.message)" }
                throw error
            }
            step?(file, Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        }
        _ = drainNotices()
    }

    /// The version of a set of the project's SQL files: SHA-256 (hex) of their names and text, in
    /// order. Schema units are applied again when it changes; a transform top-up extends only a
    /// core built from files with the same checksum.
    public func checksum(ofScripts files: [URL]) throws -> String {
        var text = ""
        for file in files {
            text += "-- file: \(file.lastPathComponent)\n" + (try String(contentsOf: file, encoding: .utf8)) + "\n"
        }
        return try query("select encode(sha256(convert_to(\(text), 'UTF8')), 'hex')").scalar(String.self)
    }

    /// Records the outcome of work that just failed: `body` runs on this connection, reconnected
    /// once if the failure took the session with it. Errors are dropped, because the caller is
    /// already reporting one; a stage row this could not update is swept by the next stage
    /// (its session is gone).
    public func afterFailure(_ body: (PostgresConnection) throws -> Void) {
        if isLost { try? reconnect() }
        if inTransaction { _ = try? execute(script: "rollback" as SQLQuery) }
        try? body(self)
    }
}
