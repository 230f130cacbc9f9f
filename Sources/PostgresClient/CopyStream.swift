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
        return last ?? QueryResult(columns: [], rows: [], affectedRows: 0)
    }
}

extension PostgresConnection {
    /// Runs a `COPY ... FROM STDIN` statement and lets `body` stream the data.
    /// If `body` throws, the COPY is aborted (the server discards every row) and the error rethrown.
    /// Returns the number of rows the server stored.
    @discardableResult
    public func copyIn(_ statement: String, flushThreshold: Int = 1 << 20, _ body: (CopyInStream) throws -> Void) throws -> Int {
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
    public func copyOut(_ statement: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
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
