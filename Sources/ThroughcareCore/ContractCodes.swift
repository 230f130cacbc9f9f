// ThroughcareCore: what every stage shares — the extract contract's code lists, run parameters,
// civil dates and the errors the stages report. It knows nothing of PostgreSQL or files; the
// stages (Ingest, Transform, Aggregate, Export) build on it and never on each other.

/// Code lists of the extract contract (shared/spec/data-contract.md, format v1).
/// Values are lower-case snake_case; ingest accepts any case and trims spaces.
public enum ContractCodes {
    public static let establishmentTypes = ["local", "training", "open", "resettlement", "high_security", "womens", "yoi"]
    public static let operators = ["public", "private"]
    public static let staffRoles = ["keyworker", "prison_pom", "probation_pom", "com", "spo", "case_admin"]
    public static let sentenceTypes = ["determinate", "indeterminate", "recall"]
    public static let tiers = ["a", "b", "c", "d"]
    public static let rosh = ["low", "medium", "high", "very_high"]
    public static let allocationRoles = ["keyworker", "pom", "com"]
    public static let contactTypes = ["keywork_session", "pom_contact", "com_contact", "pom_com_liaison", "handover_meeting"]
    public static let channels = ["face_to_face", "video", "phone", "written"]
    public static let outcomes = ["completed", "refused", "cancelled", "did_not_attend"]
    public static let assessmentKinds = ["oasys", "sentence_plan", "release_plan"]
    public static let accommodation = ["settled", "temporary", "approved_premises", "none", "unknown"]

    /// Staff roles that may hold an allocation of the given allocation role.
    public static func staffRoles(forAllocationRole role: String) -> [String] {
        switch role {
        case "pom": return ["prison_pom", "probation_pom"]
        case "keyworker": return ["keyworker"]
        case "com": return ["com"]
        default: return []
        }
    }
}

/// The contract's files, in reference order: a file only refers to files before it.
public enum ContractEntity: String, CaseIterable, Sendable {
    case establishments, staff, cases, allocations, contacts, assessments, releaseOutcomes = "release_outcomes"

    public var fileStem: String { rawValue }
    public var csvFileName: String { rawValue + ".csv" }

    /// Entities whose rows this entity's rows refer to.
    public var references: [ContractEntity] {
        switch self {
        case .establishments: return []
        case .staff: return [.establishments]
        case .cases: return [.establishments]
        case .allocations: return [.cases, .staff]
        case .contacts: return [.cases, .staff]
        case .assessments: return [.cases, .staff]
        case .releaseOutcomes: return [.cases]
        }
    }
}
