// Warehouse: what every stage shares about the database it works in — applying the project's DDL
// when it changed, and the lock stages hold. It knows the sql/ layout (ThroughcareCore) and speaks
// to PostgreSQL (PostgresClient); it computes nothing.
//
// Stages (Ingest, Transform, Aggregate) call it before their own work: WarehouseSchema.prepare to
// bring the once-only DDL up to this tool's files, WarehouseSchema.stageLock to hold the stage
// lock for their whole duration. It must not hold models or run stage SQL of its own.
