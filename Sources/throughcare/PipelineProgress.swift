import Foundation
import Ingest
import Pipeline

/// Draws a pipeline run on stderr: one line when each stage starts and one when it ends, with its
/// time, so stdout keeps only results (the summary table, the run id).
final class PipelineProgress: PipelineObserver {
    let quiet: Bool
    /// Per-file ingest lines; TerminalProgress writes them to stdout (the ingest command's
    /// result), so they are left out when stdout must hold only a JSON document.
    let files: TerminalProgress?

    init(quiet: Bool, stdoutIsForResults: Bool = false) {
        self.quiet = quiet
        files = quiet || stdoutIsForResults ? nil : TerminalProgress(quiet: quiet)
    }

    var ingestProgress: IngestProgress? { files }

    func stageStarted(_ stage: PipelineStage, _ detail: String) {
        if !quiet { Console.note("▶ \(stage.rawValue): \(detail)") }
    }

    func stageFinished(_ stage: PipelineStage, _ summary: String, seconds: Double) {
        if !quiet { Console.note(String(format: "✓ %@ %.1f s: %@", stage.rawValue, seconds, summary)) }
    }

    func step(_ stage: PipelineStage, _ text: String, seconds: Double) {
        if !quiet { Console.note(String(format: "  %@: %@ in %.1f s", stage.rawValue, text, seconds)) }
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
