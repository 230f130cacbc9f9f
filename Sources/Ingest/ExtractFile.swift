import Foundation
import ThroughcareCore

/// A contract file found in an extract directory.
///
/// Only regular files inside the extract directory are read. A symbolic link is followed only
/// when it resolves to a regular file inside the directory (an extract assembled from links to
/// its own sub-folders still loads); a link that leads outside, a FIFO, a device, a socket or a
/// directory is refused before a byte of it is read, because an extract directory is input we
/// do not control and the file's text can end up in messages and tables.
public struct ExtractFile: Sendable {
    public let entity: ContractEntity
    /// The file as it appears in the extract (also when it is a link).
    public let name: String
    /// What is opened: the resolved path, whose last component is not a link.
    public let path: String
    public let isGzip: Bool
    public let bytes: Int
    /// Device and inode seen at discovery: the opened descriptor must be that same file, so a
    /// swap between listing and opening (a link planted in between) is refused, not followed.
    let device: UInt64
    let inode: UInt64

    /// Finds the contract's files in `directory`, in reference order. `NAME.csv` beside
    /// `NAME.csv.gz`, or a name that is not a regular file inside the directory, is an error for
    /// that entity, reported as a failed file (`refused`).
    static func discover(in directory: String) throws -> (files: [ExtractFile], refused: [ContractEntity: (file: String, message: String)], unknown: [String]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue,
              let root = realPath(directory) else {
            throw ThroughcareError.file("extract directory \(directory) does not exist or is not a directory")
        }
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: root))
        var files: [ExtractFile] = []
        var refused: [ContractEntity: (file: String, message: String)] = [:]
        for entity in ContractEntity.allCases {
            let plain = entity.csvFileName
            let gzip = plain + ".gz"
            switch (names.contains(plain), names.contains(gzip)) {
            case (true, true):
                refused[entity] = (plain, "both \(plain) and \(gzip) are in the extract; keep one")
            case (true, false), (false, true):
                let name = names.contains(plain) ? plain : gzip
                switch inspect(name: name, in: root) {
                case .success(let found):
                    files.append(ExtractFile(entity: entity, name: name, path: found.path, isGzip: name.hasSuffix(".gz"),
                                             bytes: Int(found.status.st_size),
                                             device: UInt64(found.status.st_dev), inode: UInt64(found.status.st_ino)))
                case .failure(let refusal):
                    refused[entity] = (name, refusal.message)
                }
            case (false, false):
                continue
            }
        }
        let known = Set(ContractEntity.allCases.flatMap { [$0.csvFileName, $0.csvFileName + ".gz"] })
        let unknown = names.filter { ($0.hasSuffix(".csv") || $0.hasSuffix(".csv.gz")) && !known.contains($0) }.sorted()
        return (files, refused, unknown)
    }

    struct Refusal: Error {
        let message: String
    }

    /// Where `name` really is, and its status, if it is a regular file inside `root` (itself
    /// resolved). Only metadata is looked at: nothing is opened.
    private static func inspect(name: String, in root: String) -> Result<(path: String, status: stat), Refusal> {
        let listed = root + "/" + name
        var status = stat()
        guard lstat(listed, &status) == 0 else {
            return .failure(Refusal(message: "\(name): cannot examine it: \(String(cString: strerror(errno)))"))
        }
        var path = listed
        if status.st_mode & S_IFMT == S_IFLNK {
            guard let target = realPath(listed) else {
                return .failure(Refusal(message: "\(name) is a symbolic link that leads nowhere (its target does not exist): refused"))
            }
            guard target.hasPrefix(root + "/") else {
                return .failure(Refusal(message: "\(name) is a symbolic link to a file outside the extract directory: refused, nothing of it was read (copy the file into the extract instead)"))
            }
            guard lstat(target, &status) == 0 else {
                return .failure(Refusal(message: "\(name): cannot examine its target: \(String(cString: strerror(errno)))"))
            }
            path = target
        }
        if let kind = Self.nonRegularKind(status.st_mode) {
            return .failure(Refusal(message: "\(name) is \(kind), not a regular file: refused, nothing of it was read"))
        }
        return .success((path, status))
    }

    /// "a directory", "a named pipe (FIFO)", … for anything that is not a regular file.
    static func nonRegularKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a named pipe (FIFO)"
        case S_IFCHR, S_IFBLK: return "a device"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The stored bytes, as on disk (compressed for gzip).
    func openStored() throws -> PlainFileSource {
        do {
            return try PlainFileSource(path: path, expecting: (device, inode))
        } catch var error as IngestFileError {
            error.file = name
            throw error
        }
    }

    func openSource() throws -> ByteSource {
        let stored = try openStored()
        return isGzip ? try GzipFileSource(file: stored) : stored
    }
}
