import Pipeline

/// Prints the quality gate's findings as a table on stdout (results, not progress).
enum QualityTable {
    static func print(_ report: QualityGateReport, onlyFindings: Bool = false) {
        var table: [[String]] = [["result", "test", "subject", "found", "of", "share", "max"]]
        for finding in report.findings {
            // Passing contract tests are many and say nothing; they are counted in one line below.
            if finding.kind == .contract && finding.passed { continue }
            if onlyFindings && finding.passed { continue }
            table.append([
                finding.passed ? "ok" : "FAIL", finding.name, finding.subject ?? "", "\(finding.count)",
                finding.outOf.map(String.init) ?? "", finding.value.map { String(format: "%.4f", $0) } ?? "",
                finding.maximum.map { finding.kind == .contract ? "0" : String(format: "%.4f", $0) } ?? "–",
            ])
        }
        let widths = (0..<table[0].count).map { column in table.map { $0[column].count }.max() ?? 0 }
        for (index, row) in table.enumerated() {
            Console.print("  " + row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  "))
            if index == 0 { Console.print("  " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        let contract = report.findings.filter { $0.kind == .contract }
        Console.print("  contract tests: \(contract.filter(\.passed).count) of \(contract.count) passed")
    }
}
