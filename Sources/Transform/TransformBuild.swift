/// What one transform made: its build, and whether it rebuilt core or topped it up.
public struct TransformBuild: Sendable, Equatable {
    public enum Mode: String, Sendable {
        /// Core rebuilt from all of staging, every model file run.
        case full
        /// Only the contacts loaded incrementally since the previous build were added to core.
        case topUp = "top_up"
    }

    public let buildID: Int64
    public let mode: Mode
    /// Contact rows written to core by a top-up (0 for a full build).
    public let contactsInserted: Int64
    /// Earlier contact rows a top-up replaced because the contact was re-sent.
    public let contactsReplaced: Int64
    /// Whether a top-up rebuilt core.contacts_recent (filled without its indexes, then attached,
    /// which builds them by sorting) rather than adding its rows in place.
    public let recentRebuilt: Bool

    /// One line for a person: what the build did.
    public var summary: String {
        switch mode {
        case .full: "build \(buildID): full rebuild"
        case .topUp: "build \(buildID): top-up, \(contactsInserted) contact(s) in, \(contactsReplaced) replaced\(recentRebuilt ? ", recent partition rebuilt" : "")"
        }
    }
}
