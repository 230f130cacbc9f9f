import Foundation

/// A statement and its bound values. Interpolated values become `$n` parameters, so a value can
/// never change the statement: `"select * from core.cases where case_id = \(id)"`.
/// Identifiers cannot be bound; interpolate them with `\(identifier: name)`, which quotes them.
public struct SQLQuery: ExpressibleByStringInterpolation, Sendable {
    public var text: String
    public var parameters: [String?]

    public init(_ text: String, parameters: [String?] = []) {
        self.text = text
        self.parameters = parameters
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    public init(stringInterpolation: Interpolation) {
        self.init(stringInterpolation.text, parameters: stringInterpolation.parameters)
    }

    public struct Interpolation: StringInterpolationProtocol {
        var text = ""
        var parameters: [String?] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + interpolationCount * 3)
        }

        public mutating func appendLiteral(_ literal: String) {
            text += literal
        }

        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            parameters.append(value?.postgresText)
            text += "$\(parameters.count)"
        }

        /// A quoted identifier (schema, table or column name from configuration).
        public mutating func appendInterpolation(identifier: String) {
            text += quoteIdentifier(identifier)
        }

        /// SQL the program itself wrote (never user input), e.g. a list of column names.
        public mutating func appendInterpolation(unsafeRaw sql: String) {
            text += sql
        }
    }
}

/// Quotes an identifier the way PostgreSQL's quote_ident does.
public func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// A Swift value that can travel as a text-format bound parameter.
public protocol PostgresEncodable {
    var postgresText: String { get }
}

extension String: PostgresEncodable { public var postgresText: String { self } }
extension Substring: PostgresEncodable { public var postgresText: String { String(self) } }
extension Int: PostgresEncodable { public var postgresText: String { String(self) } }
extension Int32: PostgresEncodable { public var postgresText: String { String(self) } }
extension Int64: PostgresEncodable { public var postgresText: String { String(self) } }
extension Double: PostgresEncodable { public var postgresText: String { "\(self)" } }
extension Bool: PostgresEncodable { public var postgresText: String { self ? "true" : "false" } }
