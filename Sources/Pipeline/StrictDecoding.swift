// Strict decoding for pipeline files. Codable alone ignores unknown keys and reports type errors
// as a coding path; a review file with a misspelt key must fail instead of silently running with
// a default, and the message must point at the place. So every type rejects keys it does not
// know, and every error carries the coding path that PipelineLoader maps to line and column.

import ThroughcareCore

/// A problem found while decoding, at a coding path (the key itself when `atKey`, else its value).
public struct PipelineIssue: Error, Sendable {
    public var path: [String]
    public var atKey: Bool
    public var message: String

    init(_ path: [CodingKey], atKey: Bool = false, _ message: String) {
        self.path = path.map { $0.intValue.map(String.init) ?? $0.stringValue }
        self.atKey = atKey
        self.message = message
    }
}

/// A coding key for any name or index.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init(index: Int) {
        stringValue = String(index)
        intValue = index
    }
    init?(intValue: Int) { self.init(index: intValue) }
}

extension Decoder {
    /// A keyed container that refuses keys `Key` does not list.
    func strictContainer<Key: CodingKey & CaseIterable>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let any: KeyedDecodingContainer<AnyCodingKey>
        do {
            any = try container(keyedBy: AnyCodingKey.self)
        } catch {
            let expected = Key.allCases.map(\.stringValue).joined(separator: ", ")
            throw PipelineIssue(codingPath, "expected a mapping with keys \(expected)")
        }
        let known = Key.allCases.map(\.stringValue)
        for key in any.allKeys where !known.contains(key.stringValue) {
            let hint = closest(key.stringValue, in: known).map { "did you mean \($0)? " } ?? ""
            throw PipelineIssue(codingPath + [key], atKey: true,
                                "unknown key \"\(key.stringValue)\"; \(hint)allowed here: \(known.joined(separator: ", "))")
        }
        return try container(keyedBy: Key.self)
    }
}

extension KeyedDecodingContainer {
    /// An enum value given as text, with the choices named when it is not one of them.
    func decodeChoice<T: RawRepresentable & CaseIterable>(_ type: T.Type, forKey key: Key) throws -> T? where T.RawValue == String {
        guard let text = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let value = T(rawValue: text) else {
            let choices = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw PipelineIssue(codingPath + [key], "\(key.stringValue) is one of \(choices) (got \"\(text)\")")
        }
        return value
    }

    func decodeDate(forKey key: Key) throws -> CivilDate {
        let text = try decode(String.self, forKey: key)
        guard let date = CivilDate(text) else {
            throw PipelineIssue(codingPath + [key], "\(key.stringValue) is a date YYYY-MM-DD, e.g. 2024-04-01 (got \"\(text)\")")
        }
        return date
    }
}

/// The known name nearest a misspelt one (edit distance at most 2), for "did you mean".
func closest(_ name: String, in known: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
    let scored = known.map { ($0, distance(Array(name), Array($0))) }.filter { $0.1 <= 2 }
    return scored.min { $0.1 < $1.1 }?.0
}
