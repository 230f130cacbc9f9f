-- Run by transform after a build commits (VACUUM cannot run inside its transaction). It sets the
-- visibility map of the tables just written, so the metric queries' index-only scans of
-- core.contacts read no table pages, and autovacuum does not do the same work later, in the
-- middle of an aggregate. SKIP_LOCKED: a table someone holds is left to autovacuum.
-- PARALLEL 0: workers only share out the index passes, and after a build there is next to nothing
-- for them (a full build deletes nothing; a top-up's few replaced rows are below the 2% of pages
-- for which VACUUM skips the index passes), yet launching them for the history's three large
-- indexes cost 0.29 s of a 0.3 s vacuum after a national top-up; with a month of the history's
-- rows deleted, serial was no slower (16.4 s against 18.2 s, docs/performance.md).
vacuum (skip_locked, parallel 0, analyze off) core.contacts, core.allocations, core.cases, core.assessments, core.case_handover, core.release_outcomes
