import Foundation

/// Lines parked in a temporary file until the connection is free: one connection runs one COPY
/// at a time, and memory must stay flat however many lines there are.
///
/// Spooled lines are rejected rows, that is extract data, so the file is private: made with
/// mkstemp (mode 0600) in a per-user directory of mode 0700 (see `privateDirectory`), and
/// unlinked as soon as it is open. Reads and writes go through the descriptor; nothing is left
/// on disk however the process ends, SIGKILL included, and no other user can open it meanwhile.
final class SpoolFile {
    private let handle: FileHandle
    private var pending: [UInt8] = []
    private(set) var lineCount = 0

    /// Name of the per-user directory under the temporary root.
    static func directoryName() -> String { "throughcare-\(geteuid())" }

    /// `root` defaults to $TMPDIR (else /tmp); tests pass their own.
    init(file: String, temporaryRoot root: String? = nil) throws {
        let directory: String
        do {
            directory = try Self.privateDirectory(in: root ?? Self.defaultRoot())
        } catch var error as IngestFileError {
            error.file = file
            throw error
        }
        var template = Array((directory + "/spool-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw IngestFileError(file: file, line: nil, message: "cannot create a temporary file in \(directory): \(String(cString: strerror(errno)))")
        }
        // Gone from the directory at once: only this descriptor reaches the data now.
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard fchmod(descriptor, 0o600) == 0, unlink(path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            close(descriptor)
            throw IngestFileError(file: file, line: nil, message: "cannot make the temporary file in \(directory) private: \(reason)")
        }
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        pending.reserveCapacity(1 << 16)
    }

    /// $TMPDIR when set, else /tmp, without a trailing slash.
    static func defaultRoot() -> String {
        var root = ProcessInfo.processInfo.environment["TMPDIR"] ?? ""
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        return root.isEmpty ? "/tmp" : root
    }

    /// `root/throughcare-<uid>`, created 0700 if absent, then checked with lstat: a real
    /// directory (not a link someone planted in a shared /tmp), owned by us, with no group or
    /// other permissions. Anything else is refused rather than repaired: it is not ours.
    static func privateDirectory(in root: String) throws -> String {
        let directory = root + "/" + directoryName()
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw IngestFileError(file: "", line: nil, message: "cannot create the private temporary directory \(directory): \(String(cString: strerror(errno)))")
        }
        var status = stat()
        guard lstat(directory, &status) == 0 else {
            throw IngestFileError(file: "", line: nil, message: "cannot examine the private temporary directory \(directory): \(String(cString: strerror(errno)))")
        }
        let problem: String?
        if status.st_mode & S_IFMT == S_IFLNK {
            problem = "it is a symbolic link"
        } else if status.st_mode & S_IFMT != S_IFDIR {
            problem = "it is not a directory"
        } else if status.st_uid != geteuid() {
            problem = "it belongs to user \(status.st_uid), not to us (\(geteuid()))"
        } else if status.st_mode & 0o077 != 0 {
            problem = "its mode \(String(status.st_mode & 0o777, radix: 8)) lets other users in (it must be 700)"
        } else {
            problem = nil
        }
        if let problem {
            throw IngestFileError(file: "", line: nil, message: "refusing the temporary directory \(directory): \(problem); remove it, or set TMPDIR to a private directory")
        }
        return directory
    }

    /// Adds one line; `body` appends its bytes, newline included.
    func appendLine(_ body: (inout [UInt8]) -> Void) throws {
        body(&pending)
        lineCount += 1
        if pending.count > 1 << 16 { try flush() }
    }

    private func flush() throws {
        try handle.write(contentsOf: pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// Streams every line to `write`, in chunks of up to 1 MiB.
    func replay(_ write: ([UInt8]) throws -> Void) throws {
        try flush()
        try handle.seek(toOffset: 0)
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            try write([UInt8](chunk))
        }
    }

    /// The first bytes written, for messages.
    func prefix(_ maximum: Int) throws -> [UInt8] {
        try flush()
        try handle.seek(toOffset: 0)
        defer { _ = try? handle.seekToEnd() }
        return [UInt8](try handle.read(upToCount: maximum) ?? Data())
    }
}
