import Foundation
import ThroughcareCore

/// A contract file found in an extract directory.
public struct ExtractFile: Sendable {
    public let entity: ContractEntity
    public let path: String
    public let name: String
    public let isGzip: Bool
    public let bytes: Int

    /// Finds the contract's files in `directory`, in reference order. `NAME.csv` beside
    /// `NAME.csv.gz` is an error for that entity, reported as a failed file.
    static func discover(in directory: String) throws -> (files: [ExtractFile], conflicts: [ContractEntity: String], unknown: [String]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ThroughcareError.file("extract directory \(directory) does not exist or is not a directory")
        }
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: directory))
        var files: [ExtractFile] = []
        var conflicts: [ContractEntity: String] = [:]
        for entity in ContractEntity.allCases {
            let plain = entity.csvFileName
            let gzip = plain + ".gz"
            switch (names.contains(plain), names.contains(gzip)) {
            case (true, true):
                conflicts[entity] = "both \(plain) and \(gzip) are in the extract; keep one"
            case (true, false), (false, true):
                let name = names.contains(plain) ? plain : gzip
                let path = (directory as NSString).appendingPathComponent(name)
                // stat(2) follows symbolic links: the size is the data's, not the link's.
                var status = stat()
                let size = stat(path, &status) == 0 ? Int(status.st_size) : 0
                files.append(ExtractFile(entity: entity, path: path, name: name, isGzip: name.hasSuffix(".gz"), bytes: size))
            case (false, false):
                continue
            }
        }
        let known = Set(ContractEntity.allCases.flatMap { [$0.csvFileName, $0.csvFileName + ".gz"] })
        let unknown = names.filter { ($0.hasSuffix(".csv") || $0.hasSuffix(".csv.gz")) && !known.contains($0) }.sorted()
        return (files, conflicts, unknown)
    }

    func openSource() throws -> ByteSource {
        isGzip ? try GzipFileSource(path: path) : try PlainFileSource(path: path)
    }
}
