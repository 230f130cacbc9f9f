import Foundation

/// A statement and its bound values, built only from safe pieces (as GRDB's `SQL` and
/// postgres-nio's `PostgresQuery`): a string literal is the program's own SQL, every interpolated
/// value becomes a typed `$n` parameter, so a value can never change the statement:
///
///     "select * from core.cases where case_id = \(id) and release_date < \(day)"
///
/// Identifiers cannot be bound; interpolate them with `\(identifier: name)`, which quotes them.
/// Text that is SQL but does not come from a literal (a file of the project's sql/, a statement
/// built elsewhere) must say so with `SQLQuery(unsafeSQL:)`: a `String` never becomes SQL silently.
///
/// Queries compose (`+`, `append`, `joined(separator:)`, `\(sql)`); the `$n` numbers are given only
/// when the statement is sent, so pieces written separately never collide.
public struct SQLQuery: ExpressibleByStringInterpolation, Sendable, CustomStringConvertible {
    enum Fragment: Sendable, Equatable {
        case sql(String)
        case bind(PostgresBind)
    }

    var fragments: [Fragment]

    init(fragments: [Fragment]) {
        self.fragments = fragments
    }

    /// SQL text taken as is: the project's sql/ files and statements built from them. Never text
    /// that holds a value from outside the program.
    public init(unsafeSQL text: String) {
        fragments = text.isEmpty ? [] : [.sql(text)]
    }

    /// SQL text with `$1`, `$2`, ... placeholders and the values they stand for, as in a query
    /// file of the project's sql/ (see `SQLStatement.named`). Placeholders inside quotes, comments
    /// and dollar-quoted bodies are text, not values. Throws when a placeholder has no value or
    /// a value no placeholder.
    public init(unsafeSQL text: String, binds: [any PostgresBindable]) throws {
        var fragments: [Fragment] = []
        var used = Set<Int>()
        var pending = ""
        let characters = Array(text)
        var index = 0
        func skip(until terminator: [Character]) {
            while index < characters.count {
                if Array(characters[index..<min(characters.count, index + terminator.count)]) == terminator {
                    pending += String(terminator)
                    index += terminator.count
                    return
                }
                pending.append(characters[index])
                index += 1
            }
        }
        while index < characters.count {
            let character = characters[index]
            let next: Character? = index + 1 < characters.count ? characters[index + 1] : nil
            if character == "'" || character == "\"" {
                pending.append(character)
                index += 1
                skip(until: [character])
            } else if character == "-", next == "-" {
                skip(until: ["\n"])
            } else if character == "/", next == "*" {
                skip(until: ["*", "/"])
            } else if character == "$", let next, next.isNumber {
                var end = index + 1
                while end < characters.count, characters[end].isNumber { end += 1 }
                let number = Int(String(characters[(index + 1)..<end]))!
                guard (1...binds.count).contains(number) else {
                    throw PostgresError(kind: .server, message: "placeholder $\(number) has no value (\(binds.count) given)")
                }
                if !pending.isEmpty { fragments.append(.sql(pending)) }
                pending = ""
                fragments.append(.bind(binds[number - 1].postgresBind))
                used.insert(number)
                index = end
            } else if character == "$", let close = characters[(index + 1)...].firstIndex(where: { !($0.isLetter || $0 == "_") }),
                      characters[close] == "$" {
                // A dollar quote ($$ or $tag$): its body is text up to the same tag.
                let tag = Array(characters[index...close])
                pending += String(tag)
                index = close + 1
                skip(until: tag)
            } else {
                pending.append(character)
                index += 1
            }
        }
        if !pending.isEmpty { fragments.append(.sql(pending)) }
        guard used.count == binds.count else {
            throw PostgresError(kind: .server, message: "\(binds.count) values given for \(used.count) placeholder(s)")
        }
        self.fragments = fragments
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: Interpolation) {
        fragments = stringInterpolation.fragments
    }

    /// The statement text with `$1`, `$2`, ... where the values go.
    public var text: String {
        var text = ""
        var count = 0
        for fragment in fragments {
            switch fragment {
            case let .sql(sql): text += sql
            case .bind:
                count += 1
                text += "$\(count)"
            }
        }
        return text
    }

    /// The bound values in `$n` order.
    public var binds: [PostgresBind] {
        fragments.compactMap { if case let .bind(bind) = $0 { return bind } else { return nil } }
    }

    public var isEmpty: Bool { fragments.isEmpty }

    /// The text, for logs and error messages (values are not shown).
    public var description: String { text }

    public mutating func append(_ other: SQLQuery) {
        fragments.append(contentsOf: other.fragments)
    }

    public static func + (lhs: SQLQuery, rhs: SQLQuery) -> SQLQuery {
        var result = lhs
        result.append(rhs)
        return result
    }

    public static func += (lhs: inout SQLQuery, rhs: SQLQuery) {
        lhs.append(rhs)
    }

    /// `select * from NAME($1, $2, ...)` — a call of one of the project's functions by name, its
    /// arguments bound. `name` is the program's own (`metrics.execute_run`), checked to be a plain
    /// or schema-qualified identifier so that nothing else can ride along.
    public static func call(_ name: String, _ arguments: [any PostgresBindable]) -> SQLQuery {
        precondition(isQualifiedName(name), "not a function name: \(name)")
        var query = SQLQuery(unsafeSQL: "select * from \(name)(")
        for (index, argument) in arguments.enumerated() {
            if index > 0 { query.append(", ") }
            query.fragments.append(.bind(argument.postgresBind))
        }
        query.append(")")
        return query
    }

    static func isQualifiedName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return (1...2).contains(parts.count) && parts.allSatisfy { part in
            guard let first = part.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
            return part.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
        }
    }

    public struct Interpolation: StringInterpolationProtocol {
        var fragments: [Fragment] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            fragments.reserveCapacity(interpolationCount * 2 + 1)
        }

        public mutating func appendLiteral(_ literal: String) {
            guard !literal.isEmpty else { return }
            if case let .sql(previous)? = fragments.last {
                fragments[fragments.count - 1] = .sql(previous + literal)
            } else {
                fragments.append(.sql(literal))
            }
        }

        /// A value, bound with its PostgreSQL type; nil binds a NULL of that type.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            fragments.append(.bind(PostgresBind(text: value?.postgresText, type: Value.postgresType)))
        }

        /// JSON text bound as `jsonb` (nil: a NULL jsonb).
        public mutating func appendInterpolation(json text: String?) {
            appendInterpolation(text.map { PostgresJSON($0) })
        }

        /// A quoted identifier (schema, table or column name from configuration); several make
        /// a qualified name: `\(identifier: "staging", "cases")` is `"staging"."cases"`.
        public mutating func appendInterpolation(identifier name: String, _ more: String...) {
            appendLiteral(([name] + more).map(quoteIdentifier).joined(separator: "."))
        }

        /// Quoted identifiers separated by commas, e.g. a column list.
        public mutating func appendInterpolation(identifiers names: [String]) {
            appendLiteral(names.map(quoteIdentifier).joined(separator: ", "))
        }

        /// Another query, its values kept as values.
        public mutating func appendInterpolation(_ query: SQLQuery) {
            for fragment in query.fragments {
                switch fragment {
                case let .sql(text): appendLiteral(text)
                case .bind: fragments.append(fragment)
                }
            }
        }
    }
}

extension Sequence where Element == SQLQuery {
    /// The queries one after the other, `separator` between them (`", "`, `" and "`).
    public func joined(separator: SQLQuery = "") -> SQLQuery {
        var result = SQLQuery(fragments: [])
        for (index, query) in enumerated() {
            if index > 0 { result.append(separator) }
            result.append(query)
        }
        return result
    }
}

/// Quotes an identifier the way PostgreSQL's quote_ident does.
public func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
