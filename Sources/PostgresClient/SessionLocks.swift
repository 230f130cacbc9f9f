/// Who holds locks on the project's tables: what a command that gave up waiting for a lock says,
/// so the person running it knows whom to ask, or which pid to end.
public enum SessionLocks {
    /// A lock-timeout error (55P03) rewritten to name the sessions holding the project's tables.
    /// Call it after the failed transaction has rolled back, while the holders still hold on.
    public static func explain(_ error: PostgresError, waitedSeconds: Int, connection: PostgresConnection, doing: String) -> PostgresError {
        var described = error
        described.message = "\(doing) gave up after waiting \(waitedSeconds) s for a table lock (\(error.message))"
        let holders = (try? describeHolders(connection)) ?? []
        described.hint = holders.isEmpty
            ? "Another session held a lock on a table this step changes; run the command again when it has finished."
            : "Held by " + holders.joined(separator: "; ")
                + ". Ask for that transaction to end (or end it: select pg_terminate_backend(pid)), then run the command again; THROUGHCARE_LOCK_TIMEOUT sets the wait in seconds."
        return described
    }

    /// "pid 123 (user alice, application 'psql', idle in transaction since …, last statement: …)".
    public static func describeHolders(_ connection: PostgresConnection) throws -> [String] {
        try connection.query("""
            select format('pid %s (user %s, application %L, %s since %s, last statement: %s)',
                          a.pid, a.usename, a.application_name, a.state,
                          coalesce(a.xact_start, a.backend_start)::timestamp(0), left(a.query, 80)) as holder
            from pg_stat_activity as a
            where a.pid <> pg_backend_pid()
              and a.datname = current_database()
              and exists (select from pg_locks as l
                          join pg_class as c on c.oid = l.relation
                          join pg_namespace as n on n.oid = c.relnamespace
                          where l.pid = a.pid and l.granted and n.nspname in ('ingest', 'staging', 'core', 'quality', 'metrics', 'published', 'throughcare'))
            order by a.pid
            """).rows.map { try $0.decode(String.self, column: "holder") }
    }
}
