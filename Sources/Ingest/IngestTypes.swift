/// How a load treats rows already in staging.
public enum IngestMode: String, Sendable {
    /// The extract is the whole truth: after a file loads, rows of that entity absent from it are gone.
    case full
    /// Monthly top-ups: rows are upserted by key and nothing is deleted.
    case incremental
}

public struct IngestOptions: Sendable {
    public var mode: IngestMode
    /// A file with a larger share of rejected rows is refused whole (default 5%).
    public var maxRejectRate: Double
    /// In incremental mode a file identical to one loaded before a later file of its entity is
    /// refused, because upserting it again would undo that later file's corrections; true loads
    /// it anyway (the CLI's `--allow-replay`).
    public var allowReplay: Bool

    public init(mode: IngestMode = .full, maxRejectRate: Double = 0.05, allowReplay: Bool = false) {
        self.mode = mode
        self.maxRejectRate = maxRejectRate
        self.allowReplay = allowReplay
    }
}

/// What became of one file.
public struct FileReport: Sendable {
    public enum Status: String, Sendable {
        case loaded
        case skippedUnchanged = "skipped_unchanged"
        case skippedDependency = "skipped_dependency"
        case failed
    }

    public var file: String
    public var status: Status
    public var rowsRead = 0
    public var rowsLoaded = 0
    public var rowsRejected = 0
    /// Incremental loads: staged rows the file replaced (same key); nil for a full load.
    public var rowsReplaced: Int?
    /// Incremental loads: how many of the file's keys were looked up among the staged rows
    /// (all of them without a saved filter of the staged keys; usually none with one).
    public var keysLookedUp: Int?
    public var bytes = 0
    public var sha256: String?
    public var seconds = 0.0
    public var message: String?
    public var warnings: [String] = []
    /// Rows the server parsed from text although the file went as binary COPY (see
    /// BinaryCopyFormat): near a clock change, outside the offset table, sub-microsecond.
    public var rowsSentAsText = 0

    public var megabytesPerSecond: Double {
        seconds > 0 ? Double(bytes) / 1_048_576 / seconds : 0
    }
}

public struct IngestReport: Sendable {
    public var batchID: Int64
    public var files: [FileReport]
    public var warnings: [String]

    public var anyFailed: Bool {
        files.contains { $0.status == .failed || $0.status == .skippedDependency }
    }
}

/// Receives progress while a file streams in; the CLI draws it on a terminal.
public protocol IngestProgress: AnyObject {
    func fileStarted(_ file: String, bytes: Int)
    func fileProgress(rows: Int, storedBytes: Int)
    func fileFinished(_ report: FileReport)
    /// Another stage holds the warehouse; the message names it.
    func waiting(_ message: String)
}

extension IngestProgress {
    public func waiting(_ message: String) {}
}
