import CCrypto
import Foundation

/// SHA-256 of a file as stored, streamed through OpenSSL so any size hashes in constant memory.
enum FileDigest {
    static func sha256(path: String) throws -> String {
        let source = try PlainFileSource(path: path)
        guard let context = EVP_MD_CTX_new() else { throw IngestFileError(file: path, line: nil, message: "OpenSSL could not allocate a digest") }
        defer { EVP_MD_CTX_free(context) }
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try source.read(into: buffer)
            if count == 0 { break }
            EVP_DigestUpdate(context, buffer.baseAddress, count)
        }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest.prefix(Int(length)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
