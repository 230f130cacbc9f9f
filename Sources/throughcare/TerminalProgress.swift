import Foundation
import Ingest

/// A live progress line per file (rows, MB/s, percent and ETA) on stderr when it is a terminal;
/// nothing when stderr is piped, in CI, or with --quiet. The final per-file line (a result) goes
/// to stdout either way.
final class TerminalProgress: IngestProgress {
    private let live: Bool
    private let quiet: Bool
    private var file = ""
    private var bytes = 0
    private var started = Date()
    private var lastDraw = Date.distantPast

    init(quiet: Bool) {
        self.quiet = quiet
        let ci = ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty && $0 != "false" } ?? false
        live = !quiet && !ci && Console.stderrIsTerminal
    }

    func fileStarted(_ file: String, bytes: Int) {
        self.file = file
        self.bytes = bytes
        started = Date()
        lastDraw = .distantPast
    }

    func fileProgress(rows: Int, storedBytes: Int) {
        guard live else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.2 else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(storedBytes) / 1_048_576 / elapsed
        var line = "  \(file.padding(toLength: 24, withPad: " ", startingAt: 0)) \(Self.grouped(rows)) rows  \(String(format: "%.1f", rate)) MB/s"
        if bytes > 0 {
            let fraction = min(Double(storedBytes) / Double(bytes), 1)
            let remaining = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
            line += String(format: "  %3.0f%%  ETA %d:%02d", fraction * 100, Int(remaining) / 60, Int(remaining) % 60)
        }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
    }

    func fileFinished(_ report: FileReport) {
        if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        guard !quiet || report.status == .failed || report.status == .skippedDependency else { return }
        Console.print(Self.describe(report))
    }

    func waiting(_ message: String) {
        Console.note(message)
    }

    static func describe(_ report: FileReport) -> String {
        let name = report.file.padding(toLength: 24, withPad: " ", startingAt: 0)
        switch report.status {
        case .loaded:
            var text = "  \(name) read \(grouped(report.rowsRead))  loaded \(grouped(report.rowsLoaded))  rejected \(grouped(report.rowsRejected))  \(String(format: "%.1f MB/s", report.megabytesPerSecond))"
            if !report.warnings.isEmpty { text += "\n    warning: " + report.warnings.joined(separator: "; ") }
            return text
        case .skippedUnchanged:
            return "  \(name) \(report.message ?? "unchanged")"
        case .skippedDependency, .failed:
            return "  \(name) FAILED: \(report.message ?? "")"
        }
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return out
    }
}
