// Ingest: streams contract files (CSV, optionally gzip) into staging through COPY, validating
// every rule of shared/spec/data-contract.md on the way and keeping every refused row in
// ingest.rejects. It owns the ingest and staging schemas and never touches core or metrics.

import CZlib
import Foundation

/// A forward-only stream of a file's decoded bytes.
protocol ByteSource: AnyObject {
    /// Fills `buffer` from the start; returns 0 at the end of the data.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Bytes of the stored file consumed so far (compressed bytes for gzip), for progress.
    var storedBytesRead: Int { get }
    /// Receives every stored byte (compressed bytes for gzip) as it is read.
    var digest: StreamingSHA256? { get set }
}

/// Reads a plain file with read(2): no memory mapping, so memory stays flat for any size.
final class PlainFileSource: ByteSource {
    private let descriptor: Int32
    private(set) var storedBytesRead = 0
    var digest: StreamingSHA256?

    /// Opens `path` without following a final symbolic link and without blocking (a FIFO would
    /// otherwise wait for a writer forever), then checks the opened descriptor itself: it must be
    /// a regular file, and when `expecting` is given, that very file (device, inode). Checking
    /// the descriptor, not the path, leaves no gap between the check and the read.
    init(path: String, expecting identity: (device: UInt64, inode: UInt64)? = nil) throws {
        let name = (path as NSString).lastPathComponent
        descriptor = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = errno == ELOOP ? "it is a symbolic link (it changed after the extract was listed)" : String(cString: strerror(errno))
            throw IngestFileError(file: name, line: nil, message: "cannot open: \(reason)")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw IngestFileError(file: name, line: nil, message: "cannot examine the opened file: \(reason)")
        }
        if let kind = ExtractFile.nonRegularKind(status.st_mode) {
            close(descriptor)
            throw IngestFileError(file: name, line: nil, message: "it is \(kind), not a regular file: refused, nothing of it was read")
        }
        if let identity, identity.device != UInt64(status.st_dev) || identity.inode != UInt64(status.st_ino) {
            close(descriptor)
            throw IngestFileError(file: name, line: nil, message: "the file was replaced after the extract was listed: refused, nothing of it was read")
        }
        // Regular files never block; clear the flag so reads behave plainly.
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
    }

    deinit { close(descriptor) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let count = Foundation.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 {
                storedBytesRead += count
                if count > 0 { digest?.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) }
                return count
            }
            if errno == EINTR { continue }
            throw IngestFileError(file: "", line: nil, message: "read failed: \(String(cString: strerror(errno)))")
        }
    }
}

/// Inflates a gzip file (one or more members) as it is read.
final class GzipFileSource: ByteSource {
    private let file: PlainFileSource
    private var stream = z_stream()
    private var input: UnsafeMutableRawBufferPointer
    private var finished = false
    private var sawEndOfMember = false
    var storedBytesRead: Int { file.storedBytesRead }
    var digest: StreamingSHA256? {
        get { file.digest }
        set { file.digest = newValue }
    }

    init(file: PlainFileSource) throws {
        self.file = file
        input = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        // 15 + 32: accept a gzip (or zlib) header, detected automatically.
        let status = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            input.deallocate()
            throw IngestFileError(file: "", line: nil, message: "cannot start gzip decoder (zlib status \(status))")
        }
    }

    deinit {
        inflateEnd(&stream)
        input.deallocate()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if finished { return 0 }
        stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(buffer.count)
        while stream.avail_out > 0 {
            if stream.avail_in == 0 {
                let count = try file.read(into: input)
                if count == 0 {
                    // Input ended: fine only right after a complete member.
                    if !sawEndOfMember {
                        throw IngestFileError(file: "", line: nil, message: "the gzip stream is truncated (the file ends before the compressed data does)")
                    }
                    finished = true
                    break
                }
                stream.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_in = uInt(count)
            }
            sawEndOfMember = false
            let status = inflate(&stream, Z_NO_FLUSH)
            switch status {
            case Z_OK, Z_BUF_ERROR:
                continue
            case Z_STREAM_END:
                // Concatenated gzip members are legal: reset and keep going.
                sawEndOfMember = true
                inflateReset(&stream)
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                throw IngestFileError(file: "", line: nil, message: "the gzip data is corrupt: \(message)")
            }
        }
        return buffer.count - Int(stream.avail_out)
    }
}

/// A file that cannot be read as the contract's CSV at all: the whole file fails.
public struct IngestFileError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int?
    public var message: String

    public var description: String {
        if let line { return "\(file), line \(line): \(message)" }
        return file.isEmpty ? message : "\(file): \(message)"
    }
}
