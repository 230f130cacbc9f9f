import ThroughcareCore

// The generator needs to know what some codes *mean* (a `recall` is released differently from a
// `determinate` sentence; only `completed` contacts count), so it names them as Swift cases. The
// code lists themselves belong to ThroughcareCore.ContractCodes: `ContractVocabulary.check()`
// refuses to generate if any code used here is not in the contract's list, so the two cannot drift
// apart silently.

enum EstablishmentType: String, CaseIterable, Sendable {
    case local, training, open, resettlement
    case highSecurity = "high_security"
    case womens, yoi
}

enum EstablishmentOperator: String, CaseIterable, Sendable {
    case publicSector = "public"
    case privateSector = "private"
}

enum StaffRole: String, CaseIterable, Sendable {
    case keyworker
    case prisonPom = "prison_pom"
    case probationPom = "probation_pom"
    case com, spo
    case caseAdmin = "case_admin"
}

enum SentenceType: String, CaseIterable, Sendable {
    case determinate, indeterminate, recall
}

enum Tier: String, CaseIterable, Sendable {
    case a, b, c, d
}

enum RiskOfSeriousHarm: String, CaseIterable, Sendable {
    case low, medium, high
    case veryHigh = "very_high"

    var isHighOrAbove: Bool { self == .high || self == .veryHigh }
}

enum AllocationRole: String, CaseIterable, Sendable {
    case keyworker, pom, com
}

enum ContactType: UInt8, CaseIterable, Sendable {
    case keyworkSession, pomContact, comContact, pomComLiaison, handoverMeeting

    var code: String {
        switch self {
        case .keyworkSession: return "keywork_session"
        case .pomContact: return "pom_contact"
        case .comContact: return "com_contact"
        case .pomComLiaison: return "pom_com_liaison"
        case .handoverMeeting: return "handover_meeting"
        }
    }
}

enum ContactChannel: UInt8, CaseIterable, Sendable {
    case faceToFace, video, phone, written

    var code: String {
        switch self {
        case .faceToFace: return "face_to_face"
        case .video: return "video"
        case .phone: return "phone"
        case .written: return "written"
        }
    }

    /// "live" in metrics.md.
    var isLive: Bool { self == .faceToFace || self == .video }
}

enum ContactOutcome: UInt8, CaseIterable, Sendable {
    case completed, refused, cancelled, didNotAttend

    var code: String {
        switch self {
        case .completed: return "completed"
        case .refused: return "refused"
        case .cancelled: return "cancelled"
        case .didNotAttend: return "did_not_attend"
        }
    }
}

enum AssessmentKind: String, CaseIterable, Sendable {
    case oasys
    case sentencePlan = "sentence_plan"
    case releasePlan = "release_plan"
}

enum Accommodation: String, CaseIterable, Sendable {
    case settled, temporary
    case approvedPremises = "approved_premises"
    case none, unknown
}

enum ContractVocabulary {
    /// Throws if the generator would write a code the contract does not list.
    static func check() throws {
        try require(EstablishmentType.allCases.map(\.rawValue), in: ContractCodes.establishmentTypes, list: "establishment_type")
        try require(EstablishmentOperator.allCases.map(\.rawValue), in: ContractCodes.operators, list: "operator")
        try require(StaffRole.allCases.map(\.rawValue), in: ContractCodes.staffRoles, list: "staff role")
        try require(SentenceType.allCases.map(\.rawValue), in: ContractCodes.sentenceTypes, list: "sentence_type")
        try require(Tier.allCases.map(\.rawValue), in: ContractCodes.tiers, list: "tier")
        try require(RiskOfSeriousHarm.allCases.map(\.rawValue), in: ContractCodes.rosh, list: "rosh")
        try require(AllocationRole.allCases.map(\.rawValue), in: ContractCodes.allocationRoles, list: "allocation role")
        try require(ContactType.allCases.map(\.code), in: ContractCodes.contactTypes, list: "contact_type")
        try require(ContactChannel.allCases.map(\.code), in: ContractCodes.channels, list: "channel")
        try require(ContactOutcome.allCases.map(\.code), in: ContractCodes.outcomes, list: "outcome")
        try require(AssessmentKind.allCases.map(\.rawValue), in: ContractCodes.assessmentKinds, list: "assessment kind")
        try require(Accommodation.allCases.map(\.rawValue), in: ContractCodes.accommodation, list: "accommodation")
        // Allocation roles must be held by the staff roles the contract pairs them with.
        for role in AllocationRole.allCases {
            let allowed = ContractCodes.staffRoles(forAllocationRole: role.rawValue)
            for staffRole in role.staffRoles where !allowed.contains(staffRole.rawValue) {
                throw mismatch(list: "staff role for \(role.rawValue) allocations", code: staffRole.rawValue)
            }
        }
    }

    private static func require(_ codes: [String], in contract: [String], list: String) throws {
        for code in codes where !contract.contains(code) {
            throw mismatch(list: list, code: code)
        }
    }

    private static func mismatch(list: String, code: String) -> ThroughcareError {
        .installation("the extract generator writes \(list) code '\(code)', which ThroughcareCore.ContractCodes does not list; "
            + "update the generator's vocabulary (Sources/ExtractGenerator/ContractVocabulary.swift) to the contract")
    }
}

extension AllocationRole {
    /// Which staff may hold an allocation of this role (data contract: `pom` takes `prison_pom` or
    /// `probation_pom`). Checked against ContractCodes.staffRoles(forAllocationRole:).
    var staffRoles: [StaffRole] {
        switch self {
        case .keyworker: return [.keyworker]
        case .pom: return [.prisonPom, .probationPom]
        case .com: return [.com]
        }
    }
}

/// Pre-encoded UTF-8 of every code, so the contacts writer never re-encodes a `String` per row.
struct CodeBytes: Sendable {
    let contactType: [[UInt8]]
    let channel: [[UInt8]]
    let outcome: [[UInt8]]

    init() {
        contactType = ContactType.allCases.map { Array($0.code.utf8) }
        channel = ContactChannel.allCases.map { Array($0.code.utf8) }
        outcome = ContactOutcome.allCases.map { Array($0.code.utf8) }
    }
}
