// Cancelling what a connection is running from another thread: libpq's PGcancel is made for it
// (PQcancel only reads it, so it may be sent while the connection's own thread waits in a query).

import CLibPQ

/// A connection's cancel key, to send the server "cancel what this session is running" from any
/// thread. The statement then fails with SQLSTATE 57014; a session that is idle ignores it.
public final class PostgresCancelRequest: @unchecked Sendable {
    private let cancel: OpaquePointer

    init?(_ connection: OpaquePointer) {
        guard let cancel = PQgetCancel(connection) else { return nil }
        self.cancel = cancel
    }

    deinit {
        PQfreeCancel(cancel)
    }

    /// Sends the request; false when it could not be delivered.
    @discardableResult
    public func send() -> Bool {
        var message = [CChar](repeating: 0, count: 256)
        return PQcancel(cancel, &message, Int32(message.count)) == 1
    }
}

extension PostgresConnection {
    /// The key to cancel this session's running statement from another thread; nil if libpq has none.
    public func cancelRequest() -> PostgresCancelRequest? {
        PostgresCancelRequest(handle)
    }
}
