// pg_service.conf entries for the embedded cluster, so psql, Jupyter (psycopg) and dbt reach it
// with `service=throughcare` or PGSERVICE=throughcare and no other argument. Only the named
// section is replaced; every other service in the file is kept as written.

import Foundation

public enum ServiceFile {
    /// The section text for a cluster: host, port, database, user and the pgpass file (libpq 13+
    /// reads `passfile` from a service), never the password itself.
    public static func section(name: String, info: ClusterInfo) -> String {
        """
        [\(name)]
        host=127.0.0.1
        port=\(info.port)
        dbname=\(info.database)
        user=\(info.user)
        passfile=\(info.passFile)

        """
    }

    /// `existing` with section `name` replaced by (or, when absent, followed by) `section`.
    public static func upsert(section: String, named name: String, into existing: String) -> String {
        var kept: [Substring] = []
        var skipping = false
        for line in existing.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("[") && trimmed.hasSuffix("]") {
                skipping = trimmed == "[\(name)]"
            }
            if !skipping { kept.append(line) }
        }
        var text = kept.joined(separator: "\n")
        while text.hasSuffix("\n\n") { text.removeLast() }
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        if !text.isEmpty { text += "\n" }
        return text + section
    }

    /// Writes (or updates) the service `name` in the file at `path` (mode 0600: it names a passfile).
    public static func write(name: String, info: ClusterInfo, to path: String) throws {
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let text = upsert(section: section(name: name, info: info), named: name, into: existing)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
    }

    /// Where libpq looks for a user's services: PGSERVICEFILE, else ~/.pg_service.conf.
    public static var defaultPath: String {
        let environment = ProcessInfo.processInfo.environment
        if let file = environment["PGSERVICEFILE"], !file.isEmpty { return file }
        return NSString(string: "~/.pg_service.conf").expandingTildeInPath
    }
}
