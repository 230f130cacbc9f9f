import Foundation

/// Finds the project's `sql/` directory at run time: `THROUGHCARE_SQL_DIR`, else the nearest
/// `sql/` above the working directory or above the executable (a checkout's `.build/...`).
public enum ProjectResources {
    public static func sqlDirectory() throws -> URL {
        let fileManager = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["THROUGHCARE_SQL_DIR"] {
            return URL(fileURLWithPath: explicit)
        }
        var starts = [URL(fileURLWithPath: fileManager.currentDirectoryPath)]
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        starts.append(executable.deletingLastPathComponent())
        for start in starts {
            var directory = start.standardizedFileURL
            while true {
                let candidate = directory.appendingPathComponent("sql")
                if fileManager.fileExists(atPath: candidate.appendingPathComponent("000_ingest").path) {
                    return candidate
                }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        throw ThroughcareError.installation("cannot find the sql/ directory; run from the Throughcare checkout or set THROUGHCARE_SQL_DIR")
    }

    /// The `.sql` files of the given top-level folders (e.g. `100_core`), in run order.
    public static func sqlFiles(in folders: [String]) throws -> [URL] {
        let root = try sqlDirectory()
        var files: [URL] = []
        for folder in folders.sorted() {
            let directory = root.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            files += names.filter { $0.hasSuffix(".sql") }.sorted().map { directory.appendingPathComponent($0) }
        }
        return files
    }
}

/// The tool's version, recorded in every batch and run.
public enum ThroughcareVersion {
    public static let current = "0.1.0"

    /// The git commit of the checkout the tool runs from, when it can be found.
    public static func gitCommit() -> String? {
        guard let sql = try? ProjectResources.sqlDirectory() else { return nil }
        let gitDirectory = sql.deletingLastPathComponent().appendingPathComponent(".git")
        guard let head = try? String(contentsOf: gitDirectory.appendingPathComponent("HEAD"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
        if head.hasPrefix("ref: ") {
            let ref = String(head.dropFirst(5))
            if let commit = try? String(contentsOf: gitDirectory.appendingPathComponent(ref), encoding: .utf8) {
                return commit.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if let packed = try? String(contentsOf: gitDirectory.appendingPathComponent("packed-refs"), encoding: .utf8) {
                for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) {
                    return String(line.prefix(40))
                }
            }
            return nil
        }
        return head
    }
}
