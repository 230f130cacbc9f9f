import Foundation

/// A PostgreSQL type by its OID (`pg_type.oid`), the one libpq sends with each bound value.
/// Binding with the type, instead of as untyped text, lets the server choose the right operator
/// and function without casts at the call site: `\(day)` arrives as a `date`, `\(json: text)` as
/// `jsonb`. The OIDs of built-in types are fixed across PostgreSQL versions.
public struct PostgresDataType: Hashable, Sendable, CustomStringConvertible {
    public let oid: UInt32

    public init(oid: UInt32) { self.oid = oid }

    public static let bool = PostgresDataType(oid: 16)
    public static let int8 = PostgresDataType(oid: 20)
    public static let int2 = PostgresDataType(oid: 21)
    public static let int4 = PostgresDataType(oid: 23)
    public static let text = PostgresDataType(oid: 25)
    public static let oidType = PostgresDataType(oid: 26)
    public static let json = PostgresDataType(oid: 114)
    public static let float4 = PostgresDataType(oid: 700)
    public static let float8 = PostgresDataType(oid: 701)
    public static let varchar = PostgresDataType(oid: 1043)
    public static let date = PostgresDataType(oid: 1082)
    public static let timestamp = PostgresDataType(oid: 1114)
    public static let timestamptz = PostgresDataType(oid: 1184)
    public static let numeric = PostgresDataType(oid: 1700)
    public static let jsonb = PostgresDataType(oid: 3802)
    public static let boolArray = PostgresDataType(oid: 1000)
    public static let textArray = PostgresDataType(oid: 1009)
    public static let int8Array = PostgresDataType(oid: 1016)
    public static let float8Array = PostgresDataType(oid: 1022)
    public static let dateArray = PostgresDataType(oid: 1182)
    public static let jsonbArray = PostgresDataType(oid: 3807)
    /// Let the server infer the type from the statement (what an untyped text bind does).
    public static let unspecified = PostgresDataType(oid: 0)

    static let names: [UInt32: String] = [
        16: "boolean", 20: "bigint", 21: "smallint", 23: "integer", 25: "text", 26: "oid", 114: "json",
        700: "real", 701: "double precision", 1043: "character varying", 1082: "date",
        1114: "timestamp without time zone", 1184: "timestamp with time zone", 1700: "numeric", 3802: "jsonb",
        1000: "boolean[]", 1009: "text[]", 1016: "bigint[]", 1022: "double precision[]", 1182: "date[]",
        3807: "jsonb[]", 19: "name", 18: "\"char\"", 1186: "interval", 2205: "regclass", 705: "unknown",
    ]

    /// The SQL name of the type (`date`, `bigint`), or `type OID n` for one this client does not name.
    public var description: String { Self.names[oid] ?? "type OID \(oid)" }

    /// The SQL spelling for a cast, when this client knows it.
    var castName: String? { oid == 0 ? nil : Self.names[oid] }
}

/// One bound value: its text form (NULL as nil) and the type it is sent as.
public struct PostgresBind: Sendable, Equatable {
    public var text: String?
    public var type: PostgresDataType

    public init(text: String?, type: PostgresDataType) {
        self.text = text
        self.type = type
    }
}

/// Anything that can be bound: a `PostgresEncodable` value, or an Optional of one (nil binds a
/// NULL of the wrapped type, so an absent date still reaches the server as a date).
public protocol PostgresBindable {
    var postgresBind: PostgresBind { get }
}

/// A Swift value that travels as a bound parameter of a known PostgreSQL type.
public protocol PostgresEncodable: PostgresBindable {
    /// The type the server receives; also the type of a NULL of this Swift type.
    static var postgresType: PostgresDataType { get }
    /// The value in PostgreSQL's text input format for `postgresType`.
    var postgresText: String { get }
}

extension PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(text: postgresText, type: Self.postgresType) }
}

extension Optional: PostgresBindable where Wrapped: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(text: self?.postgresText, type: Wrapped.postgresType) }
}

/// A type that can also travel as the element of a PostgreSQL array.
public protocol PostgresArrayElement: PostgresEncodable {
    static var postgresArrayType: PostgresDataType { get }
}

/// A Swift type built from PostgreSQL's text output format.
public protocol PostgresDecodable {
    init(postgresText: String) throws
}

public typealias PostgresCodable = PostgresEncodable & PostgresDecodable

/// The message a `PostgresDecodable` throws for text it cannot read; the row adds the column.
public struct PostgresDecodingFailure: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension String: PostgresCodable, PostgresArrayElement {
    public static var postgresType: PostgresDataType { .text }
    public static var postgresArrayType: PostgresDataType { .textArray }
    public var postgresText: String { self }
    public init(postgresText: String) { self = postgresText }
}

extension Substring: PostgresEncodable {
    public static var postgresType: PostgresDataType { .text }
    public var postgresText: String { String(self) }
}

extension Int: PostgresCodable, PostgresArrayElement {
    public static var postgresType: PostgresDataType { .int8 }
    public static var postgresArrayType: PostgresDataType { .int8Array }
    public var postgresText: String { String(self) }
    public init(postgresText: String) throws {
        guard let value = Int(postgresText) else { throw PostgresDecodingFailure("\"\(postgresText)\" is not an integer") }
        self = value
    }
}

extension Int64: PostgresCodable, PostgresArrayElement {
    public static var postgresType: PostgresDataType { .int8 }
    public static var postgresArrayType: PostgresDataType { .int8Array }
    public var postgresText: String { String(self) }
    public init(postgresText: String) throws {
        guard let value = Int64(postgresText) else { throw PostgresDecodingFailure("\"\(postgresText)\" is not an integer") }
        self = value
    }
}

extension Int32: PostgresCodable {
    public static var postgresType: PostgresDataType { .int4 }
    public var postgresText: String { String(self) }
    public init(postgresText: String) throws {
        guard let value = Int32(postgresText) else { throw PostgresDecodingFailure("\"\(postgresText)\" is not a 32-bit integer") }
        self = value
    }
}

extension Double: PostgresCodable, PostgresArrayElement {
    public static var postgresType: PostgresDataType { .float8 }
    public static var postgresArrayType: PostgresDataType { .float8Array }
    /// Swift's shortest round-tripping form; PostgreSQL reads `inf`/`nan` as `Infinity`/`NaN`.
    public var postgresText: String {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return "\(self)"
    }
    public init(postgresText: String) throws {
        switch postgresText {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(postgresText) else { throw PostgresDecodingFailure("\"\(postgresText)\" is not a number") }
            self = value
        }
    }
}

extension Bool: PostgresCodable, PostgresArrayElement {
    public static var postgresType: PostgresDataType { .bool }
    public static var postgresArrayType: PostgresDataType { .boolArray }
    public var postgresText: String { self ? "true" : "false" }
    public init(postgresText: String) throws {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw PostgresDecodingFailure("\"\(postgresText)\" is not a boolean")
        }
    }
}

/// An instant: sent as `timestamptz` in UTC with microseconds, read from any `timestamptz` text.
extension Date: PostgresCodable {
    public static var postgresType: PostgresDataType { .timestamptz }
    public var postgresText: String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: self)
    }
    public init(postgresText: String) throws {
        // Output of timestamptz in ISO DateStyle: "2024-03-01 12:00:00.123456+00" (offset may be "+05:30").
        var text = postgresText.replacingOccurrences(of: " ", with: "T")
        if let sign = text.lastIndex(where: { $0 == "+" || $0 == "-" }), sign > text.index(text.startIndex, offsetBy: 10) {
            let offset = text[text.index(after: sign)...]
            if offset.count == 2 { text += ":00" }
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = text.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        guard let date = formatter.date(from: text) else {
            throw PostgresDecodingFailure("\"\(postgresText)\" is not a timestamp with time zone")
        }
        self = date
    }
}

/// A JSON document bound as `jsonb`. The text is the program's own serialisation (e.g.
/// `RunParameters.json`); the server checks that it parses.
public struct PostgresJSON: PostgresEncodable, PostgresDecodable, PostgresArrayElement, Sendable, Equatable {
    public var text: String
    public init(_ text: String) { self.text = text }
    public static var postgresType: PostgresDataType { .jsonb }
    public static var postgresArrayType: PostgresDataType { .jsonbArray }
    public var postgresText: String { text }
    public init(postgresText: String) { self.text = postgresText }
}

/// Arrays go as PostgreSQL array literals (`{"a","b\"c"}`), every element quoted, so no element
/// can end the literal early.
extension Array: PostgresBindable, PostgresEncodable where Element: PostgresArrayElement {
    public static var postgresType: PostgresDataType { Element.postgresArrayType }
    public var postgresText: String {
        "{" + map { element in
            "\"" + element.postgresText.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }.joined(separator: ",") + "}"
    }
}

/// A one-dimensional array read from its text form (`{a,"b c",NULL}`); a NULL element fails,
/// since the Swift element type cannot hold it.
extension Array: PostgresDecodable where Element: PostgresDecodable {
    public init(postgresText: String) throws {
        var characters = Substring(postgresText)
        // An explicit lower bound ("[0:1]={...}") is not something this client writes or reads.
        guard characters.first == "{", characters.last == "}" else {
            throw PostgresDecodingFailure("\"\(postgresText)\" is not an array")
        }
        characters = characters.dropFirst().dropLast()
        var elements: [Element] = []
        guard !characters.isEmpty else {
            self = []
            return
        }
        var index = characters.startIndex
        while index <= characters.endIndex {
            var text = ""
            var quoted = false
            if index < characters.endIndex, characters[index] == "\"" {
                quoted = true
                index = characters.index(after: index)
                while index < characters.endIndex, characters[index] != "\"" {
                    if characters[index] == "\\" { index = characters.index(after: index) }
                    guard index < characters.endIndex else { break }
                    text.append(characters[index])
                    index = characters.index(after: index)
                }
                if index < characters.endIndex { index = characters.index(after: index) }
            } else {
                while index < characters.endIndex, characters[index] != "," {
                    text.append(characters[index])
                    index = characters.index(after: index)
                }
            }
            if !quoted, text == "NULL" {
                throw PostgresDecodingFailure("\"\(postgresText)\" has a NULL element")
            }
            if !quoted, text.hasPrefix("{") {
                throw PostgresDecodingFailure("\"\(postgresText)\" is not a one-dimensional array")
            }
            elements.append(try Element(postgresText: text))
            guard index < characters.endIndex else { break }
            index = characters.index(after: index)   // the comma
        }
        self = elements
    }
}
