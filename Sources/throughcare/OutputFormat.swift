import ArgumentParser
import Foundation

/// `--format text|json`: json prints one JSON document on stdout for scripts (run id, as-of
/// date, counts, paths); progress stays on stderr either way.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json

    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        Console.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
