import ThroughcareCore

// The code lists are ThroughcareCore's (ExtractContract.swift, ContractCodes.swift): the generator
// writes the contract's own enums, so it can never write a code the contract does not list. What
// some codes *mean* to the generator (a `recall` is released differently from a `determinate`
// sentence; only live contacts count) is said here.

extension RiskOfSeriousHarm {
    var isHighOrAbove: Bool { self == .high || self == .veryHigh }
}

extension ContactChannel {
    /// "live" in metrics.md.
    var isLive: Bool { self == .faceToFace || self == .video }
}

/// Pre-encoded UTF-8 of every code, so the contacts writer never re-encodes a `String` per row.
struct CodeBytes: Sendable {
    private let contactTypes = CodeTable<ContactType>()
    private let channels = CodeTable<ContactChannel>()
    private let outcomes = CodeTable<ContactOutcome>()

    func bytes(_ type: ContactType) -> [UInt8] { contactTypes[type] }
    func bytes(_ channel: ContactChannel) -> [UInt8] { channels[channel] }
    func bytes(_ outcome: ContactOutcome) -> [UInt8] { outcomes[outcome] }
}

/// A code list's UTF-8, looked up by comparing cases (a handful each; no hashing of strings and
/// no array built per look-up).
struct CodeTable<Code: ContractCode>: Sendable {
    private let entries: [(code: Code, bytes: [UInt8])] = Code.allCases.map { ($0, Array($0.code.utf8)) }

    subscript(code: Code) -> [UInt8] {
        for entry in entries where entry.code == code { return entry.bytes }
        preconditionFailure("every case is in allCases")
    }
}
