// Reads a pipeline file: YAML → Yams node tree (which keeps line and column marks) → the Codable
// PipelineDefinition. Every failure — YAML syntax, unknown key, wrong type, bad value, missing
// key — becomes `FILE:LINE:COLUMN: message` saying how to fix it, before any work is done.

import CCrypto
import Foundation
import ThroughcareCore
import Yams

/// A pipeline file that failed to read, at a place in it.
public struct PipelineFileError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var line: Int
    public var column: Int
    public var message: String

    public var description: String { "\(path):\(line):\(column): \(message)" }
}

/// A pipeline read from disk, with what a run records about it.
public struct LoadedPipeline: Sendable {
    public var definition: PipelineDefinition
    /// The file as given on the command line.
    public var path: String
    /// The file's text, recorded on the run so the review can be repeated exactly.
    public var text: String
    /// SHA-256 of the file's bytes (hex).
    public var sha256: String

    /// The folder relative paths in the file are read against: the file's own folder, so a
    /// pipeline means the same whatever directory it is run from.
    public var baseDirectory: URL { URL(fileURLWithPath: path).deletingLastPathComponent() }

    public func resolve(_ path: String) -> URL {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL }
        if path.hasPrefix("~/") {
            return URL(fileURLWithPath: NSString(string: path).expandingTildeInPath).standardizedFileURL
        }
        return baseDirectory.appendingPathComponent(path).standardizedFileURL
    }

    public var extractDirectory: URL { resolve(definition.extract.directory) }
    public var exportDirectory: URL? { definition.exports.map { resolve($0.directory) } }
}

public enum PipelineLoader {
    /// Reads and checks a pipeline file; throws PipelineFileError (bad content) or ThroughcareError.file (unreadable).
    public static func load(path: String) throws -> LoadedPipeline {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ThroughcareError.invalidInput("cannot read pipeline file \(path) (does it exist? pipelines live in pipelines/*.yml)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PipelineFileError(path: path, line: 1, column: 1, message: "the file is not UTF-8 text")
        }
        let definition = try parse(text, path: path)
        return LoadedPipeline(definition: definition, path: path, text: text, sha256: sha256Hex(data))
    }

    /// Parses pipeline text; `path` is only used in messages.
    public static func parse(_ text: String, path: String) throws -> PipelineDefinition {
        let node: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else {
                throw PipelineFileError(path: path, line: 1, column: 1, message: "the file is empty; see pipelines/README.md for the keys a pipeline needs")
            }
            node = composed
        } catch let error as YamlError {
            throw fileError(from: error, path: path)
        }
        do {
            return try YAMLDecoder().decode(PipelineDefinition.self, from: node)
        } catch let issue as PipelineIssue {
            let mark = self.mark(of: issue.path, in: node, atKey: issue.atKey)
            throw PipelineFileError(path: path, line: mark?.line ?? 1, column: mark?.column ?? 1, message: issue.message)
        } catch let error as DecodingError {
            throw fileError(from: error, node: node, path: path)
        }
    }

    static func fileError(from error: YamlError, path: String) -> PipelineFileError {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let where_ = context.map { "\($0.text) " } ?? ""
            return PipelineFileError(path: path, line: mark.line, column: mark.column, message: "YAML syntax: \(where_)\(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            return PipelineFileError(path: path, line: context.mark.line, column: context.mark.column,
                                     message: "key \(duplicates.joined(separator: ", ")) is given twice in this mapping; keep one")
        default:
            return PipelineFileError(path: path, line: 1, column: 1, message: "YAML: \(error)")
        }
    }

    static func fileError(from error: DecodingError, node: Node, path: String) -> PipelineFileError {
        func at(_ codingPath: [CodingKey], atKey: Bool = false, _ message: String) -> PipelineFileError {
            let keys = codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            let mark = self.mark(of: keys, in: node, atKey: atKey)
            return PipelineFileError(path: path, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message)
        }
        func name(_ codingPath: [CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case let .keyNotFound(key, context):
            let full = name(context.codingPath + [key])
            return at(context.codingPath, "missing key \(full)\(example(for: full).map { " (e.g. \($0))" } ?? "")")
        case let .typeMismatch(type, context):
            let got = value(at: context.codingPath, in: node)
            return at(context.codingPath, "\(name(context.codingPath)) must be \(describe(type))\(got.map { " (got \($0))" } ?? "")")
        case let .valueNotFound(type, context):
            return at(context.codingPath, "\(name(context.codingPath)) is empty; it must be \(describe(type))")
        case let .dataCorrupted(context):
            let got = value(at: context.codingPath, in: node)
            return at(context.codingPath, "\(name(context.codingPath)): \(context.debugDescription)\(got.map { " (got \($0))" } ?? "")")
        @unknown default:
            return PipelineFileError(path: path, line: 1, column: 1, message: "\(error)")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Bool.Type: return "true or false"
        case is Int.Type: return "a whole number"
        case is Double.Type: return "a number"
        case is String.Type: return "text (a single value, not a list or mapping)"
        default:
            let name = "\(type)"
            if name.hasPrefix("Dictionary") || name.contains("KeyedDecodingContainer") { return "a mapping (key: value lines)" }
            if name.hasPrefix("Array") || name.contains("Unkeyed") { return "a list (- item lines)" }
            return "a \(name)"
        }
    }

    static func example(for key: String) -> String? {
        [
            "name": "name: quarterly-inspection",
            "extract": "extract: {directory: ../extracts/2024-q3, mode: full}",
            "extract.directory": "directory: ../extracts/2024-q3",
            "range": "range: {from: 2024-07-01, to: 2024-10-01}",
            "range.from": "from: 2024-07-01",
            "range.to": "to: 2024-10-01 (exclusive)",
            "sample.size": "size: 60",
            "sample.seed": "seed: q3-2024",
        ][key]
    }

    /// The value text at a coding path, quoted, for "got …" in messages.
    static func value(at path: [CodingKey], in root: Node) -> String? {
        let keys = path.map { $0.intValue.map(String.init) ?? $0.stringValue }
        guard let node = find(keys, in: root)?.value else { return nil }
        switch node {
        case let .scalar(scalar): return "\"\(scalar.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        default: return nil
        }
    }

    /// Where a coding path points in the file: the key's own mark when asked (an unknown key),
    /// else its value's; the nearest existing parent when the path runs out (a missing key).
    static func mark(of path: [String], in root: Node, atKey: Bool) -> Mark? {
        var prefix = path
        while true {
            if let found = find(prefix, in: root) {
                if atKey && prefix.count == path.count, let key = found.key { return key.mark }
                return found.value.mark ?? found.key?.mark
            }
            if prefix.isEmpty { return root.mark }
            prefix.removeLast()
        }
    }

    static func find(_ path: [String], in root: Node) -> (key: Node?, value: Node)? {
        var current = root
        var key: Node?
        for component in path {
            switch current {
            case let .mapping(mapping):
                guard let pair = mapping.first(where: { $0.key.string == component }) else { return nil }
                key = pair.key
                current = pair.value
            case let .sequence(sequence):
                guard let index = Int(component), index >= 0, index < sequence.count else { return nil }
                key = nil
                current = sequence[index]
            default:
                return nil
            }
        }
        return (key, current)
    }

    public static func sha256Hex(_ data: Data) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        data.withUnsafeBytes { bytes in
            _ = EVP_Digest(bytes.baseAddress, bytes.count, &digest, nil, EVP_sha256(), nil)
        }
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
