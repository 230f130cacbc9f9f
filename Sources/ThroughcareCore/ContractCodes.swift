// ThroughcareCore: what every stage shares — the extract contract (ExtractContract.swift: files,
// columns, types, keys, references, code lists, row rules), run parameters, the civil calendar
// and the errors the stages report. It knows nothing of PostgreSQL or files; the stages (Ingest,
// Transform, Aggregate, Export) build on it and never on each other.

/// A code list of the extract contract (shared/spec/data-contract.md, format v1). Each code is
/// written once, as the raw value of a case; the order of the cases is the contract's order.
/// Values are lower-case snake_case; ingest accepts any case and trims spaces.
public protocol ContractCode: RawRepresentable, CaseIterable, Hashable, Sendable where RawValue == String, AllCases == [Self] {}

extension ContractCode {
    /// The code as written in an extract file.
    public var code: String { rawValue }
    /// Every code of the list, in the contract's order.
    public static var codes: [String] { allCases.map(\.rawValue) }
    /// The case's position in `allCases` (for tables indexed by code).
    public var ordinal: Int { Self.allCases.firstIndex(of: self)! }
}

public enum EstablishmentType: String, ContractCode {
    case local, training, open, resettlement
    case highSecurity = "high_security"
    case womens, yoi
}

public enum EstablishmentOperator: String, ContractCode {
    case publicSector = "public"
    case privateSector = "private"
}

public enum StaffRole: String, ContractCode {
    case keyworker
    case prisonPom = "prison_pom"
    case probationPom = "probation_pom"
    case com, spo
    case caseAdmin = "case_admin"
}

public enum SentenceType: String, ContractCode {
    case determinate, indeterminate, recall
}

public enum Tier: String, ContractCode {
    case a, b, c, d
}

public enum RiskOfSeriousHarm: String, ContractCode {
    case low, medium, high
    case veryHigh = "very_high"
}

public enum AllocationRole: String, ContractCode {
    case keyworker, pom, com

    /// Which staff roles may hold an allocation of this role (data contract: "`pom` takes
    /// `prison_pom` or `probation_pom`"). The one statement of the rule: ingest's check, the
    /// generator's allocations and `quality.allocation_role_mismatches` (checked by a test) follow it.
    public var staffRoles: [StaffRole] {
        switch self {
        case .keyworker: return [.keyworker]
        case .pom: return [.prisonPom, .probationPom]
        case .com: return [.com]
        }
    }
}

public enum ContactType: String, ContractCode {
    case keyworkSession = "keywork_session"
    case pomContact = "pom_contact"
    case comContact = "com_contact"
    case pomComLiaison = "pom_com_liaison"
    case handoverMeeting = "handover_meeting"

    /// Allocation roles whose holder takes part in (and so may record) this contact, from the
    /// contract's descriptions: keyworker with prisoner, POM with prisoner, COM with prisoner,
    /// POM and COM about the case, POM, COM and prisoner together.
    /// `quality.contacts_without_allocation` follows it (checked by a test).
    public var recordedBy: [AllocationRole] {
        switch self {
        case .keyworkSession: return [.keyworker]
        case .pomContact: return [.pom]
        case .comContact: return [.com]
        case .pomComLiaison, .handoverMeeting: return [.pom, .com]
        }
    }
}

public enum ContactChannel: String, ContractCode {
    case faceToFace = "face_to_face"
    case video, phone, written
}

public enum ContactOutcome: String, ContractCode {
    case completed, refused, cancelled
    case didNotAttend = "did_not_attend"
}

public enum AssessmentKind: String, ContractCode {
    case oasys
    case sentencePlan = "sentence_plan"
    case releasePlan = "release_plan"
}

public enum Accommodation: String, ContractCode {
    case settled, temporary
    case approvedPremises = "approved_premises"
    case none, unknown
}

/// The code lists as strings, derived from the enums above (for SQL checks and messages).
public enum ContractCodes {
    public static var establishmentTypes: [String] { EstablishmentType.codes }
    public static var operators: [String] { EstablishmentOperator.codes }
    public static var staffRoles: [String] { StaffRole.codes }
    public static var sentenceTypes: [String] { SentenceType.codes }
    public static var tiers: [String] { Tier.codes }
    public static var rosh: [String] { RiskOfSeriousHarm.codes }
    public static var allocationRoles: [String] { AllocationRole.codes }
    public static var contactTypes: [String] { ContactType.codes }
    public static var channels: [String] { ContactChannel.codes }
    public static var outcomes: [String] { ContactOutcome.codes }
    public static var assessmentKinds: [String] { AssessmentKind.codes }
    public static var accommodation: [String] { Accommodation.codes }

    /// Staff roles that may hold an allocation of the given allocation role (none for a code
    /// that is not an allocation role).
    public static func staffRoles(forAllocationRole role: String) -> [String] {
        AllocationRole(rawValue: role)?.staffRoles.map(\.rawValue) ?? []
    }
}
