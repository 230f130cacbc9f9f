/// Rows returned by a statement. Values are read by column name into Swift types, so a query
/// that gains or reorders a column cannot shift a value into the wrong field, and a failure names
/// the column, its PostgreSQL type and the Swift type that was expected.
public struct QueryResult: Sendable {
    public let columns: [String]
    /// The PostgreSQL type of each column, in `columns` order.
    public let columnTypes: [PostgresDataType]
    public let rows: [Row]
    /// Rows affected, from the command tag (INSERT/UPDATE/DELETE/COPY); 0 when not reported.
    public let affectedRows: Int

    init(columns: [String], columnTypes: [PostgresDataType], rows: [Row], affectedRows: Int) {
        self.columns = columns
        self.columnTypes = columnTypes
        self.rows = rows
        self.affectedRows = affectedRows
    }

    static let empty = QueryResult(columns: [], columnTypes: [], rows: [], affectedRows: 0)

    /// The columns of a result, shared by its rows.
    final class Layout: Sendable {
        let names: [String]
        let types: [PostgresDataType]
        let index: [String: Int]

        init(names: [String], types: [PostgresDataType]) {
            self.names = names
            self.types = types
            var index: [String: Int] = [:]
            for (position, name) in names.enumerated() where index[name] == nil { index[name] = position }
            self.index = index
        }
    }

    public struct Row: Sendable {
        /// Every column's text as the server sent it (NULL as nil), in column order: for showing a
        /// whole row (`sample` prints them) and for tests comparing rows; read fields by name.
        public let values: [String?]
        let layout: Layout

        /// Decodes column `name`; fails on NULL, on a value the type cannot hold, and when the
        /// result has no such column.
        public func decode<T: PostgresDecodable>(_ type: T.Type, column name: String) throws -> T {
            let position = try self.position(of: name, expecting: "\(T.self)")
            guard let text = values[position] else {
                throw decodingError(name, position, expected: "\(T.self)", "is NULL")
            }
            do {
                return try T(postgresText: text)
            } catch let failure as PostgresDecodingFailure {
                throw decodingError(name, position, expected: "\(T.self)", "cannot be read: \(failure.description)")
            }
        }

        /// Decodes column `name`, NULL becoming nil.
        public func decode<T: PostgresDecodable>(_ type: T?.Type, column name: String) throws -> T? {
            let position = try self.position(of: name, expecting: "\(T.self)?")
            guard values[position] != nil else { return nil }
            return try decode(T.self, column: name)
        }

        /// `row["case_id", as: String.self]`, the same as `decode(_:column:)`.
        public subscript<T: PostgresDecodable>(_ name: String, as type: T.Type) -> T {
            get throws { try decode(type, column: name) }
        }

        public subscript<T: PostgresDecodable>(_ name: String, as type: T?.Type) -> T? {
            get throws { try decode(type, column: name) }
        }

        /// True when the result has a column of that name.
        public func has(column name: String) -> Bool { layout.index[name] != nil }

        func position(of name: String, expecting expected: String) throws -> Int {
            guard let position = layout.index[name] else {
                let known = layout.names.isEmpty ? "none" : layout.names.joined(separator: ", ")
                throw PostgresError(kind: .decoding, message: "column \"\(name)\" does not exist in the result (columns: \(known)); expected \(expected)")
            }
            return position
        }

        func decodingError(_ name: String, _ position: Int, expected: String, _ problem: String) -> PostgresError {
            PostgresError(kind: .decoding, message: "column \"\(name)\" (\(layout.types[position])) \(problem); expected \(expected)")
        }

        /// The first column, for `scalar`.
        func decodeFirst<T: PostgresDecodable>(_ type: T.Type) throws -> T {
            try decode(type, column: layout.names[0])
        }

        func decodeFirst<T: PostgresDecodable>(_ type: T?.Type) throws -> T? {
            try decode(type, column: layout.names[0])
        }
    }

    /// The single value of a one-row, one-column result.
    public func scalar<T: PostgresDecodable>(_ type: T.Type) throws -> T {
        guard let row = rows.first, !columns.isEmpty else {
            throw PostgresError(kind: .decoding, message: "expected one row, got none; expected \(T.self)")
        }
        return try row.decodeFirst(type)
    }

    /// The single value of a one-column result; nil when it is NULL or there is no row.
    public func scalar<T: PostgresDecodable>(_ type: T?.Type) throws -> T? {
        guard let row = rows.first, !columns.isEmpty else { return nil }
        return try row.decodeFirst(type)
    }
}
