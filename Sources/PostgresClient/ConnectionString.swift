import CLibPQ

/// Connection strings (URL or key=value) read and rewritten with libpq's own parser, and the
/// one place that keeps their passwords out of messages. libpq's parse errors quote the text
/// they could not read (`invalid percent-encoded token: "Secret%zz"`, or the whole URI), so any
/// message that may stem from a connection string goes through `redact` before it is shown.
public enum ConnectionString {
    /// One keyword the string sets, e.g. `host` = `127.0.0.1`.
    public struct Option: Sendable, Equatable {
        public var keyword: String
        public var value: String
    }

    /// The options the string sets explicitly (no defaults, no environment), in libpq's order.
    /// A malformed string throws an error whose message carries no part of the string's values.
    public static func parse(_ conninfo: String) throws -> [Option] {
        switch libpqParse(conninfo) {
        case let .success(options):
            return options
        case let .failure(message):
            throw PostgresError(kind: .invalidConnectionString, message: "invalid connection string: " + redact(message, conninfo: conninfo, quotedFragments: true))
        }
    }

    /// libpq's reading of the string, or its raw (unredacted) error message: never show that.
    static func libpqParse(_ conninfo: String) -> ParseOutcome {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            let message = errorMessage.map { String(cString: $0) } ?? "invalid connection string"
            if let errorMessage { PQfreemem(errorMessage) }
            return .failure(message.trimmingTrailingNewlines())
        }
        defer { PQconninfoFree(options) }
        var parsed: [Option] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                parsed.append(Option(keyword: String(cString: keyword), value: String(cString: value)))
            }
            option += 1
        }
        return .success(parsed)
    }

    enum ParseOutcome {
        case success([Option])
        case failure(String)
    }

    /// The password the string carries, if any: libpq's reading when the string parses, else a
    /// best guess from its shape (so that even a malformed string's password can be redacted).
    public static func password(in conninfo: String) -> String? {
        if case let .success(options) = libpqParse(conninfo) {
            let value = options.first { $0.keyword == "password" }?.value
            return value?.isEmpty == false ? value : nil
        }
        return guessedPassword(in: conninfo)
    }

    /// True when the string itself carries a password (which then shows in `ps` and shell history).
    public static func containsPassword(_ conninfo: String) -> Bool {
        password(in: conninfo) != nil
    }

    /// `message` with every fragment that may come from the string's values replaced by `…`:
    /// the whole string and its password (as written and percent-decoded); for a parse error
    /// (`quotedFragments`) also every double-quoted fragment except option names and single
    /// punctuation (`"="`), since libpq quotes the text it could not read. Connection failures
    /// keep their quoted host and user names, which a person needs to see what went wrong.
    public static func redact(_ message: String, conninfo: String, quotedFragments: Bool = false) -> String {
        var secrets: [String] = [conninfo]
        if let password = password(in: conninfo) {
            secrets.append(password)
            if let decoded = password.removingPercentEncoding { secrets.append(decoded) }
        }
        var text = message
        for secret in secrets.filter({ !$0.isEmpty }).sorted(by: { $0.count > $1.count }) {
            text = text.replacingOccurrences(of: secret, with: "…")
        }
        return quotedFragments ? redactQuotedFragments(text) : text
    }

    /// The same target with another database name.
    public static func replacingDatabase(in conninfo: String, with database: String) throws -> String {
        let options = try parse(conninfo)
        var parts = options.filter { $0.keyword != "dbname" }.map { "\($0.keyword)=\(quote($0.value))" }
        parts.append("dbname=\(quote(database))")
        return parts.joined(separator: " ")
    }

    static func quote(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    /// libpq's option names (`host`, `port`, ...): a quoted one in a message is not a secret.
    static let keywords: Set<String> = {
        guard let defaults = PQconndefaults() else { return [] }
        defer { PQconninfoFree(defaults) }
        var names: Set<String> = []
        var option = defaults
        while let keyword = option.pointee.keyword {
            names.insert(String(cString: keyword))
            option += 1
        }
        return names
    }()

    static func redactQuotedFragments(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "\"") {
            result += rest[...open]
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "\"") else {
                // An unbalanced quote: what follows may be the string itself.
                return result + "…"
            }
            let fragment = rest[afterOpen..<close]
            let harmless = keywords.contains(String(fragment)) || (fragment.count == 1 && fragment.allSatisfy { $0.isPunctuation || $0.isSymbol })
            result += harmless ? String(fragment) : "…"
            result += "\""
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    /// The password of a string libpq could not parse, read the way libpq reads it: in a URL the
    /// user info ends at the first `@` or `/` and the password follows its first `:`; in
    /// key=value form it is the value after `password =`, quoted or up to white space.
    static func guessedPassword(in conninfo: String) -> String? {
        for scheme in ["postgresql://", "postgres://"] where conninfo.hasPrefix(scheme) {
            let authority = conninfo.dropFirst(scheme.count)
            guard let end = authority.firstIndex(where: { $0 == "@" || $0 == "/" }), authority[end] == "@" else { break }
            let userInfo = authority[..<end]
            guard let colon = userInfo.firstIndex(of: ":") else { break }
            let password = userInfo[userInfo.index(after: colon)...]
            if !password.isEmpty { return String(password) }
            break
        }
        var rest = Substring(conninfo)
        while let range = rest.range(of: "password") {
            var index = range.upperBound
            let before = range.lowerBound == conninfo.startIndex ? " " : conninfo[conninfo.index(before: range.lowerBound)]
            while index < rest.endIndex, rest[index] == " " { index = rest.index(after: index) }
            guard before.isWhitespace || before == "?" || before == "&", index < rest.endIndex, rest[index] == "=" else {
                rest = rest[range.upperBound...]
                continue
            }
            index = rest.index(after: index)
            while index < rest.endIndex, rest[index] == " " { index = rest.index(after: index) }
            let value = rest[index...]
            if value.first == "'" {
                let body = value.dropFirst()
                return String(body.prefix { $0 != "'" })
            }
            let word = value.prefix { !$0.isWhitespace && $0 != "&" }
            return word.isEmpty ? nil : String(word)
        }
        return nil
    }
}
