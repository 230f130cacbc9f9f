import Foundation
import CLibPQ

/// Streams rows into `COPY ... FROM STDIN`. Bytes are buffered and handed to libpq in large
/// chunks (one PQputCopyData per ~1 MiB), which is what keeps COPY near the server's own speed.
public final class CopyInStream {
    private let connection: PostgresConnection
    private var buffer: [UInt8] = []
    private let flushThreshold: Int
    public private(set) var bytesSent = 0
    private var finished = false

    init(connection: PostgresConnection, flushThreshold: Int) {
        self.connection = connection
        self.flushThreshold = flushThreshold
        buffer.reserveCapacity(flushThreshold + 64 * 1024)
    }

    /// Appends raw bytes (already in the COPY format of the statement).
    @inline(__always)
    public func write(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { try flush() }
    }

    public func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { try flush() }
    }

    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= flushThreshold { try flush() }
    }

    /// Direct access to the pending buffer, for writers that encode in place.
    @inline(__always)
    public func withBuffer<R>(_ body: (inout [UInt8]) throws -> R) throws -> R {
        let value = try body(&buffer)
        if buffer.count >= flushThreshold { try flush() }
        return value
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        let status = buffer.withUnsafeBufferPointer { pointer in
            pointer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: pointer.count) {
                PQputCopyData(connection.handle, $0, Int32(pointer.count))
            }
        }
        guard status == 1 else {
            throw PostgresError(kind: .copy, message: "COPY data could not be sent: \(connection.lastErrorMessage)")
        }
        bytesSent += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    func end(abortReason: String?) throws -> QueryResult {
        finished = true
        if abortReason == nil { try flush() }
        guard PQputCopyEnd(connection.handle, abortReason) == 1 else {
            throw PostgresError(kind: .copy, message: "COPY could not be ended: \(connection.lastErrorMessage)")
        }
        var last: QueryResult?
        var failure: PostgresError?
        while let result = PQgetResult(connection.handle) {
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK:
                last = PostgresConnection.decodeRows(result)
            default:
                if failure == nil { failure = PostgresConnection.error(from: result, query: "COPY") }
            }
            PQclear(result)
        }
        if let failure { throw failure }
        return last ?? .empty
    }
}

/// The data format of a COPY.
public enum CopyFormat: Sendable {
    case text, binary
    case csv(header: Bool)

    var options: String {
        switch self {
        case .text: return ""
        case .binary: return " (format binary)"
        case let .csv(header): return header ? " (format csv, header)" : " (format csv)"
        }
    }
}

extension PostgresConnection {
    /// `COPY table (columns) FROM STDIN`, every name quoted: `table` is `[schema, name]` or
    /// `[name]`. Streams `body`'s data; returns the rows stored. The names may come from the
    /// contract, never from an extract file.
    @discardableResult
    public func copyIn(into table: [String], columns: [String], format: CopyFormat = .text,
                       flushThreshold: Int = 1 << 20, _ body: (CopyInStream) throws -> Void) throws -> Int {
        // A plain lower-case table name stays unquoted, so the statement reads in pg_stat_activity
        // as people look for it (`copy staging.contacts ...`); anything else is quoted.
        let name = table.map { part in
            part.range(of: "^[a-z_][a-z0-9_]*$", options: .regularExpression) != nil ? part : quoteIdentifier(part)
        }.joined(separator: ".")
        let statement = SQLQuery(unsafeSQL: "copy \(name) (\(columns.map(quoteIdentifier).joined(separator: ", "))) from stdin\(format.options)")
        return try copyIn(statement, flushThreshold: flushThreshold, body)
    }

    /// `COPY (select) TO STDOUT`, handing each chunk to `body`.
    public func copyOut(select: SQLQuery, format: CopyFormat, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try copyOut("copy (" + select + SQLQuery(unsafeSQL: ") to stdout\(format.options)"), body)
    }

    /// The statement with its values written in as quoted, typed literals (`'2024-01-01'::date`),
    /// escaped by libpq for this connection: COPY is the one statement the protocol cannot give
    /// parameters to.
    func inlined(_ query: SQLQuery) throws -> String {
        var text = ""
        for fragment in query.fragments {
            switch fragment {
            case let .sql(sql): text += sql
            case let .bind(bind):
                let cast = bind.type.castName.map { "::\($0)" } ?? ""
                guard let value = bind.text else {
                    text += "null" + cast
                    continue
                }
                guard let escaped = PQescapeLiteral(handle, value, value.utf8.count) else {
                    throw PostgresError(kind: .connection, message: "cannot quote a COPY value: \(lastErrorMessage)")
                }
                defer { PQfreemem(escaped) }
                text += String(cString: escaped) + cast
            }
        }
        return text
    }

    /// Runs a `COPY ... FROM STDIN` statement and lets `body` stream the data.
    /// If `body` throws, the COPY is aborted (the server discards every row) and the error rethrown.
    /// Returns the number of rows the server stored.
    @discardableResult
    public func copyIn(_ query: SQLQuery, flushThreshold: Int = 1 << 20, _ body: (CopyInStream) throws -> Void) throws -> Int {
        let statement = try inlined(query)
        guard let start = PQexec(handle, statement) else {
            throw PostgresError(kind: .copy, message: lastErrorMessage, query: statement)
        }
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            defer { PQclear(start) }
            throw Self.error(from: start, query: statement)
        }
        PQclear(start)
        let stream = CopyInStream(connection: self, flushThreshold: flushThreshold)
        do {
            try body(stream)
        } catch {
            _ = try? stream.end(abortReason: "aborted by client: \(error)")
            throw error
        }
        return try stream.end(abortReason: nil).affectedRows
    }

    /// Runs a `COPY ... TO STDOUT` statement, handing each chunk (a row, in text/CSV formats) to `body`.
    public func copyOut(_ query: SQLQuery, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let statement = try inlined(query)
        guard let start = PQexec(handle, statement) else {
            throw PostgresError(kind: .copy, message: lastErrorMessage, query: statement)
        }
        guard PQresultStatus(start) == PGRES_COPY_OUT else {
            defer { PQclear(start) }
            throw Self.error(from: start, query: statement)
        }
        PQclear(start)
        var bodyError: Error?
        while true {
            var chunk: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(handle, &chunk, 0)
            if length > 0, let chunk {
                if bodyError == nil {
                    do {
                        try chunk.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
                            try body(UnsafeBufferPointer(start: $0, count: Int(length)))
                        }
                    } catch {
                        bodyError = error
                    }
                }
                PQfreemem(chunk)
            } else if length == -1 {
                break
            } else {
                let failure = PostgresError(kind: .copy, message: "COPY TO STDOUT failed: \(lastErrorMessage)", query: statement)
                // Drain the results so the connection can run the next command.
                while let result = PQgetResult(handle) { PQclear(result) }
                throw failure
            }
        }
        var failure: PostgresError?
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) != PGRES_COMMAND_OK, failure == nil {
                failure = Self.error(from: result, query: statement)
            }
            PQclear(result)
        }
        if let failure { throw failure }
        if let bodyError { throw bodyError }
    }
}
