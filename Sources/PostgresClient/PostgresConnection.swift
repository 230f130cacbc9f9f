import Foundation
import CLibPQ

/// A transaction's isolation level (`begin isolation level …`): the one a caller needs whatever
/// the session's default; add others when a caller needs them.
public enum TransactionIsolation: String, Sendable {
    case readCommitted = "read committed"
}

/// One libpq connection. Not Sendable: keep it owned by one task, open one per task.
public final class PostgresConnection {
    let handle: OpaquePointer
    private let noticeSink: NoticeSink
    /// The string the connection was opened with, to hand to a child that must reach the same
    /// database (the export's notebook kernel, by environment). It may hold a password: never print it.
    public let conninfo: String

    /// Opens a connection from a URL (`postgresql://user@host:port/db`) or a conninfo string.
    /// Server NOTICEs are collected in `notices` rather than printed to stderr.
    /// Errors never carry the password: a malformed string fails in `ConnectionString.parse`
    /// (whose message is redacted) before libpq sees it, and libpq's connection failures are
    /// redacted the same way.
    public init(_ conninfo: String) throws {
        self.conninfo = conninfo
        _ = try ConnectionString.parse(conninfo)
        guard let handle = PQconnectdb(conninfo) else {
            throw PostgresError(kind: .unreachable, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = ConnectionString.redact(String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines(), conninfo: conninfo)
            PQfinish(handle)
            throw PostgresError(kind: .unreachable, message: "cannot connect to PostgreSQL: \(message)")
        }
        self.handle = handle
        self.noticeSink = NoticeSink()
        PQsetNoticeProcessor(handle, { context, message in
            guard let context, let message else { return }
            let sink = Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue()
            let text = String(cString: message).trimmingTrailingNewlines()
            if let handler = sink.handler { handler(text) } else { sink.messages.append(text) }
        }, Unmanaged.passUnretained(noticeSink).toOpaque())
    }

    deinit {
        PQfinish(handle)
    }

    /// Where this connection went, never with its password: for -v and for messages.
    public var target: String {
        func text(_ pointer: UnsafeMutablePointer<CChar>?) -> String { pointer.map { String(cString: $0) } ?? "?" }
        return "host=\(text(PQhost(handle))) port=\(text(PQport(handle))) dbname=\(text(PQdb(handle))) user=\(text(PQuser(handle)))"
    }

    /// Receives each server notice or warning ("WARNING:  …", "NOTICE:  …") as it arrives,
    /// instead of collecting it for `drainNotices`.
    public var noticeHandler: ((String) -> Void)? {
        get { noticeSink.handler }
        set { noticeSink.handler = newValue }
    }

    /// Server notices received since the last call (e.g. "table does not exist, skipping").
    public func drainNotices() -> [String] {
        defer { noticeSink.messages.removeAll() }
        return noticeSink.messages
    }

    /// The project's sql/ files. When set, an error raised inside one of their functions is given
    /// its `location` (file and line, from CONTEXT) as it is thrown, so every place that stores or
    /// shows the error (metrics.runs.error_message, the CLI) names the line to edit.
    public var sqlSourceFiles: [URL] = []

    /// Runs one statement with its values bound (typed, see `PostgresEncodable`) and returns its rows.
    @discardableResult
    public func query(_ query: SQLQuery) throws -> QueryResult {
        let text = query.text
        let binds = query.binds
        let types = binds.map { $0.type.oid }
        let result = withCStringArray(binds.map(\.text)) { values in
            types.withUnsafeBufferPointer { types in
                PQexecParams(handle, text, Int32(binds.count), binds.isEmpty ? nil : types.baseAddress, values, nil, nil, 0)
            }
        }
        return try consume(result, query: text)
    }

    /// Calls one of the project's functions by name with its arguments bound:
    /// `call("metrics.execute_run", runID)` runs `select * from metrics.execute_run($1)`.
    @discardableResult
    public func call(_ function: String, _ arguments: any PostgresBindable...) throws -> QueryResult {
        try query(.call(function, arguments))
    }

    /// Runs a script of statements (the project's sql/ files, or fixed commands such as `begin`).
    /// A script carries no values: a value interpolated into one would be a `$n` parameter, which
    /// only a single statement sent with `query` can have, and where a statement cannot take one
    /// (`create database $1`) the server would only say "syntax error at or near $1". Identifiers
    /// go in with `\(identifier:)`; values through `query` or `call`.
    public func execute(script: SQLQuery) throws {
        guard script.binds.isEmpty else {
            throw PostgresError(kind: .server, sqlState: "42601",
                                message: "a script cannot take bound values (\(script.binds.count) given): send the statement with query(), or interpolate identifiers with \\(identifier:)",
                                query: script.text)
        }
        let text = script.text
        let result = PQexec(handle, text)
        _ = try consume(result, query: text)
    }

    /// Sets a run-time parameter for the rest of the transaction (`set local`), the value bound.
    public func setLocal(_ name: String, _ value: String) throws {
        try query("select set_config(\(name), \(value), true)")
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws. With
    /// an isolation level, whatever the session's default (`default_transaction_isolation`).
    public func transaction<T>(isolation: TransactionIsolation? = nil, _ body: () throws -> T) throws -> T {
        try execute(script: SQLQuery(unsafeSQL: isolation.map { "begin isolation level \($0.rawValue)" } ?? "begin"))
        do {
            let value = try body()
            try execute(script: "commit")
            return value
        } catch {
            _ = PQexec(handle, "rollback").map { PQclear($0) }
            throw error
        }
    }

    /// True while a transaction is open (or failed and awaiting rollback).
    public var inTransaction: Bool {
        PQtransactionStatus(handle) != PQTRANS_IDLE
    }

    /// The server's process id, e.g. to cancel or terminate this session from another one.
    public var backendPID: Int32 { PQbackendPID(handle) }

    func consume(_ result: OpaquePointer?, query: String) throws -> QueryResult {
        guard let result else {
            throw PostgresError(kind: .connection, message: String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines(), query: query)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return Self.decodeRows(result)
        default:
            var error = Self.error(from: result, query: query)
            if error.location == nil, !sqlSourceFiles.isEmpty {
                error.location = SQLSourceMap.functionLocation(of: error, in: sqlSourceFiles)
            }
            if PQstatus(handle) == CONNECTION_BAD {
                error.kind = .connection
                // A FATAL the server sent just before closing may reach libpq only as text.
                let full = String(cString: PQresultErrorMessage(result)) + String(cString: PQerrorMessage(handle))
                if error.sqlState == nil, full.contains("terminating connection due to administrator command") {
                    error.sqlState = "57P01"
                }
            }
            throw error
        }
    }

    /// True when the session is gone (terminated, server restarted, network lost).
    public var isLost: Bool { PQstatus(handle) == CONNECTION_BAD }

    /// Opens the session again with the same parameters, e.g. to record why the previous one died.
    public func reconnect() throws {
        PQreset(handle)
        guard PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(kind: .unreachable, message: "cannot reconnect to PostgreSQL: \(lastErrorMessage)")
        }
    }

    static func decodeRows(_ result: OpaquePointer) -> QueryResult {
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        var columns: [String] = []
        var types: [PostgresDataType] = []
        for column in 0..<columnCount {
            columns.append(String(cString: PQfname(result, Int32(column))))
            types.append(PostgresDataType(oid: PQftype(result, Int32(column))))
        }
        let layout = QueryResult.Layout(names: columns, types: types)
        var rows: [QueryResult.Row] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(row), Int32(column))))
                }
            }
            rows.append(QueryResult.Row(values: values, layout: layout))
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return QueryResult(columns: columns, columnTypes: types, rows: rows, affectedRows: affected)
    }

    static func error(from result: OpaquePointer, query: String?) -> PostgresError {
        // The PG_DIAG_* codes of postgres_ext.h: one letter each.
        func field(_ code: Unicode.Scalar) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.value)) else { return nil }
            return String(cString: value)
        }
        let primary = field("M")
            ?? String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines()
        var error = PostgresError(
            kind: .server,
            sqlState: field("C"),
            message: primary,
            detail: field("D"),
            hint: field("H"),
            context: field("W"),
            query: query
        )
        error.position = field("P").flatMap { Int($0) }
        error.internalPosition = field("p").flatMap { Int($0) }
        error.internalQuery = field("q")
        error.severity = field("V") ?? field("S")
        error.schemaName = field("s")
        error.tableName = field("t")
        error.columnName = field("c")
        error.dataTypeName = field("d")
        error.constraintName = field("n")
        return error
    }

    var lastErrorMessage: String {
        String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines()
    }
}

/// Collects server notices for one connection; touched only by the owning task. With a handler,
/// each notice is handed over the moment libpq receives it (during the statement), so long steps
/// can report progress live.
final class NoticeSink {
    var messages: [String] = []
    var handler: ((String) -> Void)?
}

/// Calls `body` with a C array of NUL-terminated strings (NULL for nil) valid during the call.
func withCStringArray<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    if strings.isEmpty { return body(nil) }
    let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } ?? nil }
    defer { pointers.forEach { free($0) } }
    return pointers.map { UnsafePointer($0) }.withUnsafeBufferPointer { body($0.baseAddress) }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = Substring(self)
        while let last = text.last, last == "\n" || last == "\r" || last == " " { text.removeLast() }
        return String(text)
    }
}
