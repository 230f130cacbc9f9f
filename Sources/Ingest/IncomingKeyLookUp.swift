/// Which of an incremental file's keys ingest.merge_incoming looks for among the staged rows.
enum IncomingKeyLookUp: String {
    /// No saved filter of the staged keys: any key may be staged.
    case everyKey = "every_key"
    /// Those the filter could not rule out (in pg_temp.duplicate_candidates).
    case candidateKeys = "candidate_keys"
    /// The filter ruled out every key.
    case none
}
