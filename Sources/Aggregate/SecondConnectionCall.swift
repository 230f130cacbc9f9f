// One call of a project function on a connection of its own, on a thread of its own, while the
// caller's connection goes on: a run's volumes are computed this way beside its case metrics, so
// the server works on both cores (docs/performance.md, seventh session). The connection is
// opened, used and closed on that thread (a PGconn belongs to one thread); only the outcome and
// the server's notices cross back.

import Foundation
import PostgresClient

final class SecondConnectionCall: @unchecked Sendable {
    /// Guards `outcome`; signalled when the call has ended.
    private let ended = NSCondition()
    private var outcome: (result: Result<Void, any Error>, notices: [String])?

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
                try own.setApplicationName(applicationName)
                try own.call(function, runID)
            }
            ended.lock()
            outcome = (result, notices)
            ended.broadcast()
            ended.unlock()
        }.start()
    }

    /// Waits for the call to end; returns its server notices, or throws its error.
    func wait() throws -> [String] {
        ended.lock()
        defer { ended.unlock() }
        while outcome == nil { ended.wait() }
        try outcome!.result.get()
        return outcome!.notices
    }
}
