/// Rows returned by a statement, decoded from PostgreSQL's text format into Swift values.
public struct QueryResult: Sendable {
    public let columns: [String]
    public let rows: [Row]
    /// Rows affected, from the command tag (INSERT/UPDATE/DELETE/COPY); 0 when not reported.
    public let affectedRows: Int

    public struct Row: Sendable {
        public let values: [String?]
        let columnIndex: [String: Int]

        public subscript(_ index: Int) -> String? { values[index] }

        public subscript(_ name: String) -> String? {
            guard let index = columnIndex[name] else { return nil }
            return values[index]
        }

        /// Decodes column `index`; fails on NULL or a value the type cannot hold.
        public func decode<T: PostgresDecodable>(_ type: T.Type, at index: Int) throws -> T {
            guard let text = values[index] else {
                throw PostgresError(kind: .decoding, message: "column \(index) is NULL, expected \(T.self)")
            }
            return try T(postgresText: text)
        }

        /// Decodes column `index`, NULL becoming nil.
        public func decode<T: PostgresDecodable>(_ type: T?.Type, at index: Int) throws -> T? {
            guard let text = values[index] else { return nil }
            return try T(postgresText: text)
        }

        public func decode<T: PostgresDecodable>(_ type: T.Type, column name: String) throws -> T {
            guard let index = columnIndex[name] else {
                throw PostgresError(kind: .decoding, message: "no column \(name)")
            }
            return try decode(type, at: index)
        }

        public func decode<T: PostgresDecodable>(_ type: T?.Type, column name: String) throws -> T? {
            guard let index = columnIndex[name] else {
                throw PostgresError(kind: .decoding, message: "no column \(name)")
            }
            return try decode(type, at: index)
        }

        public func decode<A: PostgresDecodable, B: PostgresDecodable>(_ types: (A, B).Type) throws -> (A, B) {
            (try decode(A.self, at: 0), try decode(B.self, at: 1))
        }

        public func decode<A: PostgresDecodable, B: PostgresDecodable, C: PostgresDecodable>(_ types: (A, B, C).Type) throws -> (A, B, C) {
            (try decode(A.self, at: 0), try decode(B.self, at: 1), try decode(C.self, at: 2))
        }
    }

    /// The single value of a one-row, one-column result.
    public func scalar<T: PostgresDecodable>(_ type: T.Type) throws -> T {
        guard let row = rows.first, !row.values.isEmpty else {
            throw PostgresError(kind: .decoding, message: "expected one row, got none")
        }
        return try row.decode(type, at: 0)
    }

    public func scalar<T: PostgresDecodable>(_ type: T?.Type) throws -> T? {
        guard let row = rows.first, !row.values.isEmpty else { return nil }
        return try row.decode(type, at: 0)
    }
}

/// A Swift type built from PostgreSQL's text output format.
public protocol PostgresDecodable {
    init(postgresText: String) throws
}

extension String: PostgresDecodable {
    public init(postgresText: String) { self = postgresText }
}

extension Int: PostgresDecodable {
    public init(postgresText: String) throws {
        guard let value = Int(postgresText) else {
            throw PostgresError(kind: .decoding, message: "\"\(postgresText)\" is not an integer")
        }
        self = value
    }
}

extension Int64: PostgresDecodable {
    public init(postgresText: String) throws {
        guard let value = Int64(postgresText) else {
            throw PostgresError(kind: .decoding, message: "\"\(postgresText)\" is not an integer")
        }
        self = value
    }
}

extension Double: PostgresDecodable {
    public init(postgresText: String) throws {
        guard let value = Double(postgresText) else {
            throw PostgresError(kind: .decoding, message: "\"\(postgresText)\" is not a number")
        }
        self = value
    }
}

extension Bool: PostgresDecodable {
    public init(postgresText: String) throws {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw PostgresError(kind: .decoding, message: "\"\(postgresText)\" is not a boolean")
        }
    }
}
