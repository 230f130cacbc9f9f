/// Errors every stage reports to the CLI. Each says what went wrong and how to fix it.
public enum ThroughcareError: Error, CustomStringConvertible, Sendable {
    /// A command-line value or configuration entry is wrong.
    case invalidInput(String)
    /// A file could not be used (missing, unreadable, not the contract's format).
    case file(String)
    /// The project's own resources (the sql/ directory) are missing.
    case installation(String)

    public var description: String {
        switch self {
        case let .invalidInput(message), let .file(message), let .installation(message): return message
        }
    }
}
