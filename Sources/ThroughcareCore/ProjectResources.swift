import Foundation

/// Finds the project's `sql/` directory: the SQL the tool runs with the rights of its database
/// role (the owner, or a superuser given with --database), so it must come from the tool itself
/// and never from wherever the user happens to be (`cd /tmp/x/extract && throughcare ingest .`
/// once ran a planted `/tmp/x/sql`). In order: `THROUGHCARE_SQL_DIR`; the install beside the
/// executable (`<bindir>/../share/throughcare/sql`); a checkout holding the executable
/// (`.build/...`), found by walking up a few levels from the executable to a folder with both
/// `Package.swift` and `sql/`. The working directory is never consulted. The directory found
/// must be trusted (see `checkTrusted`).
public enum ProjectResources {
    /// How far above the executable a checkout may be: `.build/<triple>/debug/<exe>` is 4.
    static let checkoutSearchLevels = 6

    public static func sqlDirectory() throws -> URL {
        try sqlDirectory(environment: ProcessInfo.processInfo.environment, executable: executableURL())
    }

    /// `sqlDirectory()` with its inputs given, for tests.
    public static func sqlDirectory(environment: [String: String], executable: URL?) throws -> URL {
        if let explicit = environment["THROUGHCARE_SQL_DIR"], !explicit.isEmpty {
            let directory = URL(fileURLWithPath: explicit).standardizedFileURL
            try checkTrusted(directory)
            return directory
        }
        guard let executable else {
            throw ThroughcareError.installation("cannot tell where the throughcare executable is, so cannot find its sql/ directory; set THROUGHCARE_SQL_DIR")
        }
        let binDirectory = executable.deletingLastPathComponent()
        let installed = binDirectory.deletingLastPathComponent().appendingPathComponent("share/throughcare/sql")
        if isSQLDirectory(installed) {
            try checkTrusted(installed)
            return installed
        }
        var directory = binDirectory
        for _ in 0..<checkoutSearchLevels {
            let candidate = directory.appendingPathComponent("sql")
            if isSQLDirectory(candidate),
               FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                try checkTrusted(candidate)
                return candidate
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
        throw ThroughcareError.installation("""
            cannot find the sql/ directory of this throughcare (\(executable.path)): looked in \(installed.path) \
            and for a checkout (Package.swift beside sql/) up to \(checkoutSearchLevels) levels above the executable. \
            Install the sql/ folder there or set THROUGHCARE_SQL_DIR
            """)
    }

    /// The running executable, symlinks resolved. On Linux `/proc/self/exe` names the real file;
    /// `argv[0]` is only a fallback when absolute, since a bare name found on PATH would resolve
    /// against the working directory, the very place we must not read SQL from.
    static func executableURL() -> URL? {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"), path.hasPrefix("/") {
            return URL(fileURLWithPath: path).standardizedFileURL
        }
        if let first = CommandLine.arguments.first, first.hasPrefix("/") {
            return URL(fileURLWithPath: first).resolvingSymlinksInPath()
        }
        return nil
    }

    static func isSQLDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("000_ingest").path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Refuses a directory (or file) someone other than us could have written: a symlink, one
    /// owned by another user than us or root, or one group- or world-writable. `lstat`, so a
    /// link is judged as a link and not as what it points to.
    public static func checkTrusted(_ url: URL) throws {
        var status = stat()
        guard lstat(url.path, &status) == 0 else {
            throw ThroughcareError.installation("cannot use the sql directory \(url.path): \(String(cString: strerror(errno)))")
        }
        let kind = status.st_mode & S_IFMT
        if kind == S_IFLNK {
            throw ThroughcareError.installation("refusing the SQL at \(url.path): it is a symbolic link; point THROUGHCARE_SQL_DIR at the real directory")
        }
        if status.st_uid != 0 && status.st_uid != getuid() {
            throw ThroughcareError.installation("refusing the SQL at \(url.path): it is owned by uid \(status.st_uid), neither you (\(getuid())) nor root; the tool runs this SQL with your database rights")
        }
        if status.st_mode & (S_IWGRP | S_IWOTH) != 0 {
            let mode = String(status.st_mode & 0o7777, radix: 8)
            throw ThroughcareError.installation("refusing the SQL at \(url.path): mode \(mode) lets others change it; fix with: chmod go-w \(url.path)")
        }
    }

    /// The `.sql` files of the given top-level folders (e.g. `100_core`), in run order. Each
    /// folder and file passes `checkTrusted` too: a writable one would let others plant SQL.
    public static func sqlFiles(in folders: [String]) throws -> [URL] {
        let root = try sqlDirectory()
        var files: [URL] = []
        for folder in folders.sorted() {
            let directory = root.appendingPathComponent(folder)
            try checkTrusted(directory)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for name in names.filter({ $0.hasSuffix(".sql") }).sorted() {
                let file = directory.appendingPathComponent(name)
                try checkTrusted(file)
                files.append(file)
            }
        }
        return files
    }
}
