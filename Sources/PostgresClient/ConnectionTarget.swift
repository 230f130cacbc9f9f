// Which database a command talks to, by the rules PostgreSQL users expect: an explicit
// --database/-d, then DATABASE_URL, then libpq's own environment (PGSERVICE, PGHOST, … — any of
// them set means "let libpq decide", exactly as psql would), and only then the embedded cluster.
// Before, PGSERVICE or PGHOST alone were ignored and a private cluster started instead.

public enum ConnectionTarget: Equatable, Sendable {
    case explicit(String)
    case databaseURL(String)
    /// libpq reads the environment itself; the names say which variables decided it.
    case libpqEnvironment([String])
    case embedded

    /// libpq environment variables that choose a server or a database. PGPASSWORD, PGPASSFILE or
    /// PGSERVICEFILE alone say how to log in, not where, so they do not count.
    public static let libpqVariables = ["PGSERVICE", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER"]

    public static func resolve(database: String?, environment: [String: String]) -> ConnectionTarget {
        if let database, !database.isEmpty { return .explicit(database) }
        if let url = environment["DATABASE_URL"], !url.isEmpty { return .databaseURL(url) }
        let set = libpqVariables.filter { !(environment[$0] ?? "").isEmpty }
        if !set.isEmpty { return .libpqEnvironment(set) }
        return .embedded
    }

    /// The conninfo to give libpq, or nil for the embedded cluster. The empty string makes libpq
    /// take every setting from PG* variables and service files.
    public var conninfo: String? {
        switch self {
        case let .explicit(text), let .databaseURL(text): return text
        case .libpqEnvironment: return ""
        case .embedded: return nil
        }
    }

    /// How it was chosen, for -v.
    public var origin: String {
        switch self {
        case .explicit: return "--database"
        case .databaseURL: return "DATABASE_URL"
        case let .libpqEnvironment(names): return "libpq environment (\(names.joined(separator: ", ")))"
        case .embedded: return "the embedded local cluster"
        }
    }
}
