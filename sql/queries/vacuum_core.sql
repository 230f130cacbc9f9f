-- Run by transform after a build commits (VACUUM cannot run inside its transaction). It sets the
-- visibility map of the tables just written, so the metric queries' index-only scans of
-- core.contacts read no table pages, and autovacuum does not do the same work later, in the
-- middle of an aggregate. SKIP_LOCKED: a table someone holds is left to autovacuum.
vacuum (skip_locked, analyze off) core.contacts, core.allocations, core.cases, core.assessments, core.case_handover, core.release_outcomes
