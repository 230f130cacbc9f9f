// PostgresClient: a small, safe Swift layer over libpq. Values always travel as bound
// parameters (PQexecParams); SQL text comes only from the program or from the project's sql/
// files. A connection belongs to one task at a time: it is not Sendable.

/// An error reported by libpq or the server, with everything PostgreSQL said about it.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// `invalidConnectionString`: the URL or conninfo is malformed; `unreachable`: no session could
    /// be opened; `connection`: an open session was lost.
    public enum Kind: Sendable { case invalidConnectionString, unreachable, connection, server, copy, decoding }
    public var kind: Kind
    /// Five-character SQLSTATE code, e.g. `23505` for a unique violation.
    public var sqlState: String?
    public var message: String
    public var detail: String?
    public var hint: String?
    /// The call stack of functions the error was raised in, innermost first (CONTEXT:
    /// "PL/pgSQL function metrics.execute_run(bigint) line 42 at PERFORM").
    public var context: String?
    /// The statement that failed, for context in logs.
    public var query: String?
    /// 1-based character offset of the error in the statement text (POSITION), when the server gave one.
    public var position: Int?
    /// The statement a function ran internally when it failed (INTERNAL QUERY), and the 1-based
    /// character offset of the error in it (INTERNAL POSITION): for an error in a statement of a
    /// PL/pgSQL function, or in a SQL function's body, POSITION is empty and these say where.
    public var internalQuery: String?
    public var internalPosition: Int?
    /// ERROR, FATAL or PANIC (not localised).
    public var severity: String?
    /// The object the error is about, when the server names it (constraint violations, casts).
    public var schemaName: String?
    public var tableName: String?
    public var columnName: String?
    public var dataTypeName: String?
    public var constraintName: String?
    /// `sql/<folder>/<file>.sql:<line>:<column>` of the fault when known (SQLSourceMap), so an error
    /// in the project's SQL names the place to edit, not only the file.
    public var location: String?

    public init(kind: Kind, sqlState: String? = nil, message: String, detail: String? = nil, hint: String? = nil,
                context: String? = nil, query: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.context = context
        self.query = query
    }

    /// SQLSTATE raised by the project's own guards (`raise ... using errcode = 'TC001'`) when the
    /// data is not in a state the stage may work from; the CLI gives it its own exit code.
    public static let notReadySQLState = "TC001"

    /// What ended the session, in words a person can act on, when the server or the network did.
    /// libpq reports all of these as "server closed the connection unexpectedly" otherwise.
    public var sessionEnd: SessionEnd? {
        switch sqlState {
        case "57P01": return .terminatedByAdministrator
        case "57P02", "57P03": return .serverShutdown
        case "57014": return .cancelled
        default: return kind == .connection ? .connectionLost : nil
        }
    }

    public enum SessionEnd: Sendable {
        case terminatedByAdministrator, serverShutdown, cancelled, connectionLost

        public var explanation: String {
            switch self {
            case .terminatedByAdministrator: return "the session was terminated by an administrator (pg_terminate_backend)"
            case .serverShutdown: return "the server shut down or crashed during the statement"
            case .cancelled: return "the statement was cancelled (pg_cancel_backend, Ctrl-C or statement_timeout)"
            case .connectionLost: return "the connection to the server was lost"
            }
        }
    }

    /// True when the session is gone, so the work must be retried on a new connection.
    public var isConnectionLost: Bool {
        switch sessionEnd {
        case .terminatedByAdministrator?, .serverShutdown?, .connectionLost?: return true
        default: return false
        }
    }

    public var description: String {
        var text = location.map { "\($0): \(message)" } ?? message
        if let sqlState { text = "\(text) (SQLSTATE \(sqlState))" }
        if let end = sessionEnd { text += ": \(end.explanation)" }
        if let detail, !detail.isEmpty { text += "\nDETAIL: \(detail)" }
        if let hint, !hint.isEmpty { text += "\nHINT: \(hint)" }
        // With a location the file says where; without, the statement is the only clue (as psql shows it).
        if location == nil, let internalQuery, !internalQuery.isEmpty {
            text += "\nINTERNAL QUERY: \(internalQuery)"
            if let internalPosition { text += "\nINTERNAL POSITION: \(internalPosition)" }
        }
        if let context, !context.isEmpty { text += "\nCONTEXT: \(context)" }
        return text
    }
}
