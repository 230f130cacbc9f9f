// Notebook: the Jupyter notebook file format (nbformat 4.5) as Codable types, so the run notebook
// is built as values and encoded, never pasted together as JSON text. Only what we write is
// modelled precisely; outputs that a kernel adds are kept as plain JSON values.

import Foundation

/// Any JSON value (the free-form parts of the format: metadata, outputs).
public enum JSONValue: Codable, Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            // whole numbers as integers: nbformat wants execution counts and versions as ints
            if value == value.rounded(), abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

public struct NotebookCell: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable { case markdown, code }

    public var kind: Kind
    /// 1-64 characters of [A-Za-z0-9_-] (nbformat 4.5), unique in the notebook.
    public var id: String
    public var metadata: [String: JSONValue]
    /// Lines, each but the last ending in "\n" (the format's multiline string).
    public var source: [String]
    /// Code cells only; empty until a kernel runs the notebook.
    public var outputs: [JSONValue]
    public var executionCount: Int?

    enum CodingKeys: String, CodingKey {
        case kind = "cell_type", id, metadata, source, outputs
        case executionCount = "execution_count"
    }

    public static func markdown(id: String, _ text: String) -> NotebookCell {
        NotebookCell(kind: .markdown, id: id, metadata: [:], source: lines(text), outputs: [], executionCount: nil)
    }

    public static func code(id: String, _ text: String, tags: [String] = []) -> NotebookCell {
        let metadata: [String: JSONValue] = tags.isEmpty ? [:] : ["tags": .array(tags.map(JSONValue.string))]
        return NotebookCell(kind: .code, id: id, metadata: metadata, source: lines(text), outputs: [], executionCount: nil)
    }

    static func lines(_ text: String) -> [String] {
        var parts = text.components(separatedBy: "\n")
        if parts.last == "" { parts.removeLast() }
        return parts.enumerated().map { index, line in index == parts.count - 1 ? line : line + "\n" }
    }

    public init(kind: Kind, id: String, metadata: [String: JSONValue], source: [String], outputs: [JSONValue], executionCount: Int?) {
        self.kind = kind
        self.id = id
        self.metadata = metadata
        self.source = source
        self.outputs = outputs
        self.executionCount = executionCount
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(Kind.self, forKey: .kind)
        id = try container.decodeIfPresent(String.self, forKey: .id) ?? ""
        metadata = try container.decodeIfPresent([String: JSONValue].self, forKey: .metadata) ?? [:]
        // the format allows one string or a list of lines
        if let text = try? container.decode(String.self, forKey: .source) {
            source = Self.lines(text)
        } else {
            source = try container.decodeIfPresent([String].self, forKey: .source) ?? []
        }
        outputs = try container.decodeIfPresent([JSONValue].self, forKey: .outputs) ?? []
        executionCount = try container.decodeIfPresent(Int.self, forKey: .executionCount)
    }

    /// A markdown cell may not carry outputs or execution_count; a code cell must carry both
    /// (execution_count null when not run), so the keys are chosen by kind.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(id, forKey: .id)
        try container.encode(metadata, forKey: .metadata)
        try container.encode(source, forKey: .source)
        if kind == .code {
            try container.encode(outputs, forKey: .outputs)
            try container.encode(executionCount, forKey: .executionCount)
        }
    }

    public var text: String { source.joined() }
}

public struct Notebook: Codable, Equatable, Sendable {
    public var cells: [NotebookCell]
    public var metadata: [String: JSONValue]
    public var nbformat = 4
    public var nbformatMinor = 5

    enum CodingKeys: String, CodingKey {
        case cells, metadata, nbformat
        case nbformatMinor = "nbformat_minor"
    }

    public init(cells: [NotebookCell], metadata: [String: JSONValue]) {
        self.cells = cells
        self.metadata = metadata
    }

    /// Pretty, key-sorted JSON with a final newline, as Jupyter writes it (diffs stay small).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }
}
