// One call of a project function on a connection of its own, on a thread of its own, while the
// caller's connection goes on: a run's volumes are computed this way beside its case metrics, so
// the server works on both cores (docs/performance.md, seventh session). The connection is
// opened, used and closed on that thread (a PGconn belongs to one thread); only the outcome, the
// server's notices and a cancel key cross back.

import Foundation
import PostgresClient

final class SecondConnectionCall: @unchecked Sendable {
    /// Guards every property below; signalled when the call has ended.
    private let ended = NSCondition()
    private var outcome: Result<Void, any Error>?
    private var notices: [String] = []
    private var cancelRequest: PostgresCancelRequest?
    private var cancelled = false

    /// Starts `function(runID)` at once on a new connection to the database `connection` reached.
    init(sameDatabaseAs connection: PostgresConnection, applicationName: String, function: String, runID: Int64) {
        let conninfo = connection.conninfo
        let sqlSourceFiles = connection.sqlSourceFiles
        Thread { [self] in
            var notices: [String] = []
            let result = Result<Void, any Error> {
                let own = try PostgresConnection(conninfo)
                own.sqlSourceFiles = sqlSourceFiles
                defer { notices = own.drainNotices() }
                try startUnlessCancelled(own)
                try own.setApplicationName(applicationName)
                try startUnlessCancelled(own)
                try own.call(function, runID)
            }
            ended.lock()
            outcome = result
            self.notices = notices
            cancelRequest = nil
            ended.broadcast()
            ended.unlock()
        }.start()
    }

    /// Throws if `cancel` came first; else keeps `own`'s cancel key for it.
    private func startUnlessCancelled(_ own: PostgresConnection) throws {
        ended.lock()
        defer { ended.unlock() }
        if cancelled {
            throw PostgresError(kind: .server, sqlState: "57014", message: "cancelled before it started: the run's other connection failed")
        }
        cancelRequest = own.cancelRequest()
    }

    /// Asks the server to stop the call (the run's other part failed, so its result is not
    /// wanted); `wait` then returns at once, or when the statement notices. A cancel that reaches
    /// the session in the instant between its setup and the call is ignored by the server: the
    /// call then runs to its end, which costs time, never a result.
    func cancel() {
        ended.lock()
        cancelled = true
        let request = outcome == nil ? cancelRequest : nil
        ended.unlock()
        request?.send()
    }

    /// Waits for the call to end, hands its server notices to `relay` (once, however often this
    /// is called), then returns or throws the call's error.
    func wait(relayingNoticesTo relay: ((String) -> Void)?) throws {
        ended.lock()
        while outcome == nil { ended.wait() }
        let result = outcome!
        let unrelayed = notices
        notices = []
        ended.unlock()
        for notice in unrelayed { relay?(notice) }
        try result.get()
    }
}
