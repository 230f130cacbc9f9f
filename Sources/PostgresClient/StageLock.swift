import Foundation

/// A session-level advisory lock held for a whole stage. Readers never take it, so it blocks
/// only other stages; a process that dies releases it with its connection.
public struct StageLock {
    public enum Mode: Sendable { case exclusive, shared }

    let connection: PostgresConnection
    let key: Int64
    let mode: Mode

    /// Takes the lock, waiting as long as it takes. `waiting` is called first when the lock is
    /// held, with a sentence naming the session(s) holding it (application_name says which stage and run).
    public static func acquire(_ connection: PostgresConnection, key: Int64, mode: Mode,
                               waiting: (String) -> Void = { _ in }) throws -> StageLock {
        let taken = mode == .exclusive
            ? try connection.query("select pg_try_advisory_lock(\(key))").scalar(Bool.self)
            : try connection.query("select pg_try_advisory_lock_shared(\(key))").scalar(Bool.self)
        if !taken {
            waiting("waiting for " + (try holders(connection, key: key)) + " to finish")
            // A blocking wait joins PostgreSQL's lock queue, so a stream of shared holders cannot
            // starve a waiting exclusive one. A session lock outlives the transaction that took it.
            try connection.transaction {
                try connection.setLocal("lock_timeout", "0")
                if mode == .exclusive {
                    try connection.query("select pg_advisory_lock(\(key))")
                } else {
                    try connection.query("select pg_advisory_lock_shared(\(key))")
                }
            }
        }
        return StageLock(connection: connection, key: key, mode: mode)
    }

    public func release() {
        _ = mode == .exclusive
            ? try? connection.query("select pg_advisory_unlock(\(key))")
            : try? connection.query("select pg_advisory_unlock_shared(\(key))")
    }

    /// Names the sessions holding the lock: "throughcare transform build 7 (pid 123, since 12:00:01)".
    static func holders(_ connection: PostgresConnection, key: Int64) throws -> String {
        let rows = try connection.query("""
            select format('%s (pid %s, since %s)', coalesce(nullif(a.application_name, ''), 'another session'),
                          a.pid, a.backend_start::timestamp(0)) as holder
            from pg_locks as l
            join pg_stat_activity as a on a.pid = l.pid
            where l.locktype = 'advisory' and l.granted
              and l.classid = (\(key) >> 32)::oid and l.objid = (\(key) & 4294967295)::oid and l.objsubid = 1
              and l.database = (select oid from pg_database where datname = current_database())
            order by a.pid
            """).rows.map { try $0.decode(String.self, column: "holder") }
        return rows.isEmpty ? "another session" : rows.joined(separator: ", ")
    }
}

extension PostgresConnection {
    /// Names this session in pg_stat_activity, so others waiting for it can say whom they wait for.
    public func setApplicationName(_ name: String) throws {
        try query("select set_config('application_name', \(name), false)")
    }
}
