import Foundation

/// Which `sql/` folders are once-only DDL and which are models, and the lock the stages share.
///
/// DDL units are applied by `SchemaMigrator` only when their text changes (recorded in
/// `throughcare.schema_version`); models are what a stage runs every time.
public enum SQLLayout {
    /// Ledger, staging, the transform's build records, and the roles and grants: every stage needs them.
    public static let ingestUnit = ["000_ingest"] + staging + ["020_builds", "030_access"]
    /// Staging's tables and the ingest functions that say which staged rows a build reads.
    public static let staging = ["010_staging"]
    /// Metrics and published tables, functions and views: aggregate and what reads its runs.
    public static let metricsUnit = ["300_metrics", "400_published"]
    /// Core's tables, indexes and functions: what the transform's models fill and call.
    public static let coreUnit = ["090_core_schema"]
    /// The transform's models, run in one transaction per build.
    public static let transformModels = ["100_core", "200_quality"]
    /// Every folder, for finding where a function named in an error is defined.
    public static var allFolders: [String] { ingestUnit + coreUnit + transformModels + metricsUnit }
}

/// The advisory lock every stage holds for its whole duration: ingest and transform exclusively
/// (they rewrite staging and core), aggregate shared (runs may compute side by side, on a core
/// that cannot change under them). Readers never take it.
public enum StageLockKey {
    public static let warehouse: Int64 = 2_107_201_301
}

/// How long a stage's DDL (or transform's table rewrites) may wait behind another session's lock
/// before giving up and naming it: THROUGHCARE_LOCK_TIMEOUT seconds, 15 by default.
public enum LockTimeout {
    public static var seconds: Int {
        ProcessInfo.processInfo.environment["THROUGHCARE_LOCK_TIMEOUT"].flatMap { Int($0) }.map { max($0, 1) } ?? 15
    }
}
