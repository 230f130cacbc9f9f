import Foundation

/// The tool's version, recorded in every batch and run.
public enum ThroughcareVersion {
    public static let current = "0.1.0"

    /// The git commit of the checkout the tool runs from, when it can be found: the checkout is
    /// the folder holding the tool's own sql/ (never the working directory's). In a worktree
    /// `.git` is a file naming the real git directory, and branch refs live in its common dir.
    public static func gitCommit() -> String? {
        guard let sql = try? ProjectResources.sqlDirectory() else { return nil }
        let dotGit = sql.deletingLastPathComponent().appendingPathComponent(".git")
        var gitDirectory = dotGit
        if let link = try? String(contentsOf: dotGit, encoding: .utf8), link.hasPrefix("gitdir: ") {
            let path = link.dropFirst("gitdir: ".count).trimmingCharacters(in: .whitespacesAndNewlines)
            gitDirectory = resolve(path, against: dotGit.deletingLastPathComponent())
        }
        guard let head = read(gitDirectory.appendingPathComponent("HEAD")) else { return nil }
        guard head.hasPrefix("ref: ") else { return head }
        let ref = String(head.dropFirst(5))
        var directories = [gitDirectory]
        if let common = read(gitDirectory.appendingPathComponent("commondir")) {
            directories.append(resolve(common, against: gitDirectory))
        }
        for directory in directories {
            if let commit = read(directory.appendingPathComponent(ref)) { return commit }
            if let packed = read(directory.appendingPathComponent("packed-refs")) {
                for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) {
                    return String(line.prefix(40))
                }
            }
        }
        return nil
    }

    private static func resolve(_ path: String, against directory: URL) -> URL {
        (path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path)).standardizedFileURL
    }

    private static func read(_ url: URL) -> String? {
        (try? String(contentsOf: url, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
