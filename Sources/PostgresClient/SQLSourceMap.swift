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

    /// The place of the innermost PL/pgSQL frame of CONTEXT, searched in `files`.
    public static func functionLocation(of error: PostgresError, in files: [URL]) -> String? {
        guard let context = error.context, let frame = innermostFrame(context) else { return nil }
        for file in files {
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            if let line = bodyLine(of: frame.function, line: frame.line, in: text) {
                let lines = text.components(separatedBy: "\n")
                let column = lines.indices.contains(line - 1) ? (lines[line - 1].firstIndex { $0 != " " }.map { lines[line - 1].distance(from: lines[line - 1].startIndex, to: $0) + 1 } ?? 1) : 1
                return "\(displayPath(file)):\(line):\(column)"
            }
        }
        return nil
    }

    /// "PL/pgSQL function metrics.fill_rates(bigint) line 12 at SQL statement" → (metrics.fill_rates, 12).
    static func innermostFrame(_ context: String) -> (function: String, line: Int)? {
        for frame in context.components(separatedBy: "\n") {
            guard let start = frame.range(of: "PL/pgSQL function ") else { continue }
            let rest = frame[start.upperBound...]
            guard let parenthesis = rest.firstIndex(of: "("), let lineWord = rest.range(of: " line ") else { continue }
            let name = String(rest[..<parenthesis])
            let digits = rest[lineWord.upperBound...].prefix { $0.isNumber }
            guard let line = Int(digits) else { continue }
            return (name, line)
        }
        return nil
    }

    /// File line of line `line` of function `name`'s body: PL/pgSQL counts from the line holding
    /// the opening dollar quote.
    static func bodyLine(of name: String, line: Int, in text: String) -> Int? {
        let lines = text.components(separatedBy: "\n")
        // CONTEXT leaves out the schema when it is on the search path: then any schema matches.
        let escaped = NSRegularExpression.escapedPattern(for: name.lowercased())
        let pattern = "create\\s+(or\\s+replace\\s+)?function\\s+" + (name.contains(".") ? "" : "(\\w+\\.)?") + escaped + "\\s*\\("
        guard let definition = lines.firstIndex(where: { $0.lowercased().range(of: pattern, options: .regularExpression) != nil }) else { return nil }
        guard let opening = lines[definition...].firstIndex(where: { $0.contains("$$") || $0.range(of: #"\$[a-z_]*\$"#, options: .regularExpression) != nil }) else { return nil }
        return opening + line   // opening is 0-based: its own file line is opening + 1 = body line 1
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
