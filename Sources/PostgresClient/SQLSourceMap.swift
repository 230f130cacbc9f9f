// Maps a server error back to the place in the project's sql/ files that caused it: a statement
// error by its POSITION in the file that was sent, and an error raised inside a PL/pgSQL function
// by CONTEXT's "PL/pgSQL function NAME(...) line N", found in the file that defines NAME. Before,
// an error named only its file, and a failing function in a 300-line file took a search.

import Foundation

public enum SQLSourceMap {
    /// `sql/<folder>/<file>` for a file under a sql/ folder, else the path as given.
    public static func displayPath(_ file: URL) -> String {
        let components = file.standardizedFileURL.pathComponents
        if let index = components.lastIndex(of: "sql"), index < components.count - 1 {
            return components[index...].joined(separator: "/")
        }
        return file.path
    }

    /// The error's place in `script` (the text of `file`) from its POSITION.
    public static func location(of error: PostgresError, script: String, file: URL) -> String? {
        // A POSITION of a statement inside a function points into that function's own text, not
        // the file: only trust it when no PL/pgSQL frame is involved.
        guard let position = error.position, position > 0, !(error.context ?? "").contains("PL/pgSQL function") else { return nil }
        let (line, column) = lineAndColumn(ofCharacter: position, in: script)
        return "\(displayPath(file)):\(line):\(column)"
    }

    /// The place of the innermost frame of CONTEXT whose function is defined in `files`: for
    /// "PL/pgSQL function metrics.execute_run(bigint) line 42 at PERFORM" the line of the file
    /// that is the function's line 42; for "SQL function "share_of" statement 2" the start of
    /// that statement. INTERNAL POSITION, when the server gives one, narrows it to the column.
    public static func functionLocation(of error: PostgresError, in files: [URL]) -> String? {
        guard let context = error.context else { return nil }
        let frames = self.frames(context)
        guard !frames.isEmpty else { return nil }
        let texts = files.compactMap { file in (try? String(contentsOf: file, encoding: .utf8)).map { (file, $0) } }
        for (index, frame) in frames.enumerated() {
            for (file, text) in texts {
                guard let body = functionBody(of: frame.function, in: text) else { continue }
                // The internal query is the innermost frame's statement (or a SQL function's whole body).
                let statement = index == 0 ? error.internalPosition.flatMap { position in error.internalQuery.map { ($0, position) } } : nil
                let (line, column) = place(of: frame, body: body, statement: statement)
                return "\(displayPath(file)):\(line):\(column)"
            }
        }
        return nil
    }

    /// One line of CONTEXT, innermost first.
    struct Frame: Equatable {
        enum Kind: Equatable { case plpgsql, sql }
        var kind: Kind
        var function: String
        /// PL/pgSQL: the function-relative line; SQL: the statement number (1 when not given).
        var number: Int
    }

    /// "PL/pgSQL function metrics.fill_rates(bigint) line 12 at SQL statement" → (plpgsql,
    /// metrics.fill_rates, 12); "SQL function "share_of" statement 1" → (sql, share_of, 1).
    static func frames(_ context: String) -> [Frame] {
        context.components(separatedBy: "\n").compactMap { line -> Frame? in
            if let start = line.range(of: "PL/pgSQL function ") {
                let rest = line[start.upperBound...]
                guard let parenthesis = rest.firstIndex(of: "("), let lineWord = rest.range(of: " line ") else { return nil }
                guard let number = Int(rest[lineWord.upperBound...].prefix { $0.isNumber }) else { return nil }
                return Frame(kind: .plpgsql, function: String(rest[..<parenthesis]), number: number)
            }
            if let start = line.range(of: "SQL function \"") {
                let rest = line[start.upperBound...]
                guard let close = rest.firstIndex(of: "\"") else { return nil }
                let after = rest[rest.index(after: close)...]
                let number = after.range(of: " statement ").flatMap { Int(after[$0.upperBound...].prefix { $0.isNumber }) } ?? 1
                return Frame(kind: .sql, function: String(rest[..<close]), number: number)
            }
            return nil
        }
    }

    /// "PL/pgSQL function metrics.fill_rates(bigint) line 12 at SQL statement" → (metrics.fill_rates, 12).
    static func innermostFrame(_ context: String) -> (function: String, line: Int)? {
        frames(context).first { $0.kind == .plpgsql }.map { ($0.function, $0.number) }
    }

    /// Where a function's body starts in a file: the 0-based index of the line holding the
    /// opening dollar quote, and the character index just after it (where the server's body text,
    /// `prosrc`, begins), in the file's lines.
    struct Body {
        var lines: [String]
        var openingLine: Int
        /// Offset in `openingLine` (in characters) just after the opening quote.
        var openingColumn: Int
    }

    static func functionBody(of name: String, in text: String) -> Body? {
        let lines = text.components(separatedBy: "\n")
        // CONTEXT leaves out the schema when it is on the search path: then any schema matches.
        let escaped = NSRegularExpression.escapedPattern(for: name.lowercased())
        let pattern = "create\\s+(or\\s+replace\\s+)?function\\s+" + (name.contains(".") ? "" : "(\\w+\\.)?") + escaped + "\\s*\\("
        guard let definition = lines.firstIndex(where: { $0.lowercased().range(of: pattern, options: .regularExpression) != nil }) else { return nil }
        for index in lines[definition...].indices {
            if let quote = lines[index].range(of: #"\$[A-Za-z_]*\$"#, options: .regularExpression) {
                return Body(lines: lines, openingLine: index, openingColumn: lines[index].distance(from: lines[index].startIndex, to: quote.upperBound))
            }
        }
        return nil
    }

    /// File line of line `line` of function `name`'s body: PL/pgSQL counts from the line holding
    /// the opening dollar quote.
    static func bodyLine(of name: String, line: Int, in text: String) -> Int? {
        functionBody(of: name, in: text).map { $0.openingLine + line }
    }

    /// 1-based file line and column of a frame.
    static func place(of frame: Frame, body: Body, statement: (query: String, position: Int)?) -> (Int, Int) {
        func indentColumn(_ line: Int) -> Int {
            guard body.lines.indices.contains(line - 1) else { return 1 }
            let text = body.lines[line - 1]
            return (text.firstIndex { $0 != " " && $0 != "\t" }.map { text.distance(from: text.startIndex, to: $0) } ?? 0) + 1
        }
        switch frame.kind {
        case .plpgsql:
            // PL/pgSQL line 1 is the line of the opening quote; a statement's text (the internal
            // query) starts where the statement does, so its own lines add on.
            let line = body.openingLine + frame.number
            guard let statement else { return (line, indentColumn(line)) }
            let (extraLines, column) = lineAndColumn(ofCharacter: statement.position, in: statement.query)
            return extraLines == 1 ? (line, indentColumn(line) + column - 1) : (line + extraLines - 1, column)
        case .sql:
            // The internal query of a SQL function is its whole body, from just after the quote.
            if let statement {
                let (extraLines, column) = lineAndColumn(ofCharacter: statement.position, in: statement.query)
                return extraLines == 1 ? (body.openingLine + 1, body.openingColumn + column) : (body.openingLine + extraLines, column)
            }
            let bodyText = ([String(body.lines[body.openingLine].dropFirst(body.openingColumn))]
                + body.lines[(body.openingLine + 1)...]).joined(separator: "\n")
            let offset = statementStart(frame.number, in: bodyText)
            let (extraLines, _) = lineAndColumn(ofCharacter: offset + 1, in: bodyText)
            let line = body.openingLine + extraLines
            return (line, indentColumn(line))
        }
    }

    /// Character offset of the first non-blank character of statement `number` (1-based) of a
    /// SQL function body: statements end at semicolons outside quotes and comments.
    static func statementStart(_ number: Int, in body: String) -> Int {
        var remaining = number - 1
        var quote: Character?
        var inComment = false
        var previous: Character = " "
        var start = 0
        for (offset, character) in body.enumerated() {
            if inComment {
                if character == "\n" { inComment = false }
            } else if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "-" && previous == "-" {
                inComment = true
            } else if character == ";" {
                remaining -= 1
                if remaining == 0 { start = offset + 1 }
            }
            previous = character
            if remaining < 0 { break }
        }
        if number <= 1 { start = 0 }
        // Skip the blank space and line comments before the statement.
        let characters = Array(body)
        var index = start
        while index < characters.count {
            if characters[index].isWhitespace {
                index += 1
            } else if characters[index] == "-", index + 1 < characters.count, characters[index + 1] == "-" {
                while index < characters.count, characters[index] != "\n" { index += 1 }
            } else {
                break
            }
        }
        return index
    }

    /// 1-based line and column of the 1-based character offset `position` (PostgreSQL counts characters).
    static func lineAndColumn(ofCharacter position: Int, in text: String) -> (Int, Int) {
        var line = 1
        var column = 1
        for (index, character) in text.enumerated() {
            if index + 1 >= position { break }
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }
}
