import Foundation

/// The safety rules for the folders the embedded cluster lives in. The tool runs as root or as
/// a user and deletes whole cluster folders, so a folder is trusted only after `lstat` (a link is
/// judged as a link, never followed), and only folders carrying our marker are ever removed.
enum ClusterFolder {
    /// Written into a cluster folder right after we create it; nothing else is ever deleted.
    static let markerName = ".throughcare-cluster"

    enum Kind { case missing, directory, other(mode_t) }

    /// The file type at `url` without following a final symlink.
    static func kind(_ url: URL) throws -> (Kind, stat) {
        var status = stat()
        guard lstat(url.path, &status) == 0 else {
            if errno == ENOENT { return (.missing, status) }
            throw LocalPostgresError.unsafeFolder("cannot examine \(url.path): \(String(cString: strerror(errno)))")
        }
        let type = status.st_mode & S_IFMT
        return (type == S_IFDIR ? .directory : .other(type), status)
    }

    /// Refuses `url` unless it is a real directory owned by `owner` without the `forbidden` mode
    /// bits. `what` names it in the message, which also says how to fix it.
    static func check(_ url: URL, owner: uid_t, forbidden: mode_t, what: String) throws {
        let (kind, status) = try kind(url)
        switch kind {
        case .missing:
            throw LocalPostgresError.unsafeFolder("\(what) \(url.path) does not exist")
        case let .other(type):
            let name = type == S_IFLNK ? "a symbolic link" : "not a directory"
            throw LocalPostgresError.unsafeFolder("refusing \(what) \(url.path): it is \(name). Remove it or set THROUGHCARE_PG_ROOT to a private directory")
        case .directory:
            break
        }
        if status.st_uid != owner {
            throw LocalPostgresError.unsafeFolder("refusing \(what) \(url.path): owned by uid \(status.st_uid), expected uid \(owner). Someone else may control it; move it away or set THROUGHCARE_PG_ROOT")
        }
        if status.st_mode & forbidden != 0 {
            let mode = String(status.st_mode & 0o7777, radix: 8)
            let wanted = String(0o777 & ~forbidden & 0o777, radix: 8)
            throw LocalPostgresError.unsafeFolder("refusing \(what) \(url.path): mode \(mode) lets other users in; fix with: chmod \(wanted) \(url.path)")
        }
    }

    /// Refuses a parent others could write to (rename our folder away and plant another),
    /// unless it is sticky like /tmp, where only an entry's owner may rename or remove it.
    static func checkParent(of url: URL) throws {
        let parent = url.deletingLastPathComponent()
        var status = stat()
        guard stat(parent.path, &status) == 0 else { return }
        if status.st_mode & (S_IWGRP | S_IWOTH) != 0 && status.st_mode & S_ISVTX == 0 {
            throw LocalPostgresError.unsafeFolder("refusing \(url.path): its parent \(parent.path) is writable by other users and not sticky; choose another THROUGHCARE_PG_ROOT")
        }
    }

    static func hasMarker(_ folder: URL) -> Bool {
        var status = stat()
        return lstat(folder.appendingPathComponent(markerName).path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
    }

    /// Removes a tree without ever following a symlink: links are unlinked, not entered.
    static func removeTree(_ url: URL) throws {
        let (kind, _) = try kind(url)
        switch kind {
        case .missing:
            return
        case .other:
            guard unlink(url.path) == 0 || errno == ENOENT else {
                throw LocalPostgresError.unsafeFolder("cannot remove \(url.path): \(String(cString: strerror(errno)))")
            }
        case .directory:
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path) {
                try removeTree(url.appendingPathComponent(name))
            }
            guard rmdir(url.path) == 0 || errno == ENOENT else {
                throw LocalPostgresError.unsafeFolder("cannot remove \(url.path): \(String(cString: strerror(errno)))")
            }
        }
    }
}
