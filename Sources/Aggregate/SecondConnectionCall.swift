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
    /// Why no connection could be opened (too many connections, a role's connection limit); the
    /// call then never ran.
    private var connectionFailure: (any Error)?
    private var notices: [String] = []
    private var cancelRequest: PostgresCancelRequest?
    private var cancelled = false

    /// Starts `function(runID)` at once on a new connection to the database `connection` reached.
    init(sameDatabaseAs connection: PostgresConnection, applicationName: String, function: String, runID: Int64) {
        let conninfo = connection.conninfo
        let sqlSourceFiles = connection.sqlSourceFiles
        Thread { [self] in
            var notices: [String] = []
            var connectionFailure: (any Error)?
            let result = Result<Void, any Error> {
                let own: PostgresConnection
                do { own = try PostgresConnection(conninfo) } catch { connectionFailure = error; throw error }
                own.sqlSourceFiles = sqlSourceFiles
                defer { notices = own.drainNotices() }
                try startUnlessCancelled(own)
                try own.setApplicationName(applicationName)
                try startUnlessCancelled(own)
                try own.call(function, runID)
            }
            ended.lock()
            outcome = result
            self.connectionFailure = connectionFailure
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
    /// wanted); `wait` then returns once the statement notices. A cancel that reaches the session
    /// between two statements is ignored by the server, so `wait` sends it again every second
    /// until the call has ended.
    func cancel() {
        ended.lock()
        cancelled = true
        ended.unlock()
        sendCancel()
    }

    private func sendCancel() {
        ended.lock()
        let request = outcome == nil ? cancelRequest : nil
        ended.unlock()
        request?.send()
    }

    /// How the call ended, when it did not fail.
    enum Ending {
        case ran
        /// No connection could be opened, so the call did not run: the caller may make it itself.
        case notConnected(any Error)
    }

    /// Waits for the call to end, hands its server notices to `relay` (once, however often this
    /// is called), then says how it ended or throws the call's error.
    @discardableResult
    func wait(relayingNoticesTo relay: ((String) -> Void)?) throws -> Ending {
        ended.lock()
        while outcome == nil {
            if cancelled {
                if !ended.wait(until: Date(timeIntervalSinceNow: 1)) {
                    ended.unlock()
                    sendCancel()
                    ended.lock()
                }
            } else {
                ended.wait()
            }
        }
        let result = outcome!
        let connectionFailure = connectionFailure
        let unrelayed = notices
        notices = []
        ended.unlock()
        for notice in unrelayed { relay?(notice) }
        if let connectionFailure { return .notConnected(connectionFailure) }
        try result.get()
        return .ran
    }
}
