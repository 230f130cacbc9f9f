import Foundation
import Ingest
import Pipeline

/// Draws a pipeline run on stderr: one line when each stage starts and one when it ends, with its
/// time, so stdout keeps only results (the summary table, the run id).
final class PipelineProgress: PipelineObserver {
    let quiet: Bool
    let files: TerminalProgress

    init(quiet: Bool) {
        self.quiet = quiet
        files = TerminalProgress(quiet: quiet)
    }

    var ingestProgress: IngestProgress? { quiet ? nil : files }

    func stageStarted(_ stage: PipelineStage, _ detail: String) {
        if !quiet { Console.note("▶ \(stage.rawValue): \(detail)") }
    }

    func stageFinished(_ stage: PipelineStage, _ summary: String, seconds: Double) {
        if !quiet { Console.note(String(format: "✓ %@ %.1f s: %@", stage.rawValue, seconds, summary)) }
    }

    func note(_ message: String) {
        Console.note(message)
    }

    func qualityGate(_ report: QualityGateReport) {
        // The table is a result of the run, but stdout is kept for the run's own summary: the
        // gate's table goes to stderr with the progress, failures always shown.
        if quiet && report.passed { return }
        for finding in report.findings where !(finding.kind == .contract && finding.passed) {
            guard !quiet || !finding.passed else { continue }
            let share = finding.value.map { String(format: "%.4f", $0) } ?? "–"
            let limit = finding.maximum.map { String(format: " (max %.4f)", $0) } ?? ""
            Console.note("    \(finding.passed ? "ok  " : "FAIL") \(finding.name)\(finding.subject.map { " \($0)" } ?? ""): \(finding.count)\(finding.outOf.map { "/\($0)" } ?? "") = \(share)\(limit)")
        }
    }
}
