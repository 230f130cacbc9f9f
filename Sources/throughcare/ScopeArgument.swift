import ArgumentParser
import Foundation
import Pipeline

/// `--scope TYPE:ID` on the command line: the same scopes a pipeline file's `scopes:` lists
/// (metrics.md "Scopes"), so a review question can be asked of loaded data without a file.
struct ScopeArgument: ExpressibleByArgument, Sendable {
    var type: String
    var id: String

    init?(argument: String) {
        guard let colon = argument.firstIndex(of: ":") else { return nil }
        let type = argument[..<colon].trimmingCharacters(in: .whitespaces)
        let id = argument[argument.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        guard Scope.types.contains(type), !id.isEmpty, type != "national" || id == "national" else { return nil }
        self.type = type
        self.id = id
    }

    static var defaultValueDescription: String { "TYPE:ID" }
}
