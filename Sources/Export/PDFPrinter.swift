// PDFPrinter: prints exported report pages to PDF with headless Chromium (Debian package
// `chromium`), for boards that circulate papers rather than links. Chromium is optional: without
// it the caller is told what to install, and nothing else changes.

import Foundation
import LocalPostgres

public enum PDFPrinter {
    /// The first Chromium on PATH, or nil.
    public static func chromium() -> String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for directory in directories {
                let path = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
        }
        return nil
    }

    /// The pages a board prints: national (index.html) and each probation region.
    public static func boardPages(in directory: URL) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        return ["index.html"] + names.filter { $0.hasPrefix("region-") && $0.hasSuffix(".html") }.sorted()
    }

    /// Prints each page to <page>.pdf beside it; returns the PDFs written.
    public static func printBoardPages(in directory: URL, chromium: String) throws -> [URL] {
        var written: [URL] = []
        for page in try boardPages(in: directory) {
            let pdf = directory.appendingPathComponent(page.replacingOccurrences(of: ".html", with: ".pdf"))
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("tc-pdf-\(UUID().uuidString).log")
            defer { try? FileManager.default.removeItem(at: log) }
            var arguments = [chromium, "--headless", "--disable-gpu", "--no-pdf-header-footer",
                             "--print-to-pdf=\(pdf.path)", directory.appendingPathComponent(page).absoluteString]
            // Chromium refuses to run as root inside its sandbox; a root shell (containers, CI) needs this.
            if getuid() == 0 { arguments.insert("--no-sandbox", at: 2) }
            let status = try ChildProcess.run(arguments, environment: ProcessInfo.processInfo.environment, outputPath: log.path)
            guard status == 0, FileManager.default.fileExists(atPath: pdf.path) else {
                let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                throw PDFPrinterError.failed(page: page, status: status, output: String(output.suffix(500)))
            }
            written.append(pdf)
        }
        return written
    }
}

public enum PDFPrinterError: Error, CustomStringConvertible {
    case failed(page: String, status: Int32, output: String)

    public var description: String {
        switch self {
        case .failed(let page, let status, let output): return "chromium could not print \(page) (exit \(status)): \(output)"
        }
    }
}
