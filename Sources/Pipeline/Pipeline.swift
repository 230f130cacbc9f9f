// Pipeline: a review declared in one file (pipelines/*.yml), read with Yams into Codable types and
// run stage by stage through each stage's public API (ingest → transform → check → aggregate →
// sample → export). It owns the file format, the run order and the quality gate; it computes no
// metric itself (that stays in sql/ and the stage modules) and never edits what a stage owns.
//
// Files: PipelineDefinition (the Codable types), StrictDecoding (unknown keys and bad values,
// each tied to the place in the file), PipelineLoader (read, decode, check, hash),
// PipelinePlan (what a run would do), QualityGate (`check`), PipelineRunner (the run itself).
