-- core.contacts: every contact whose case is in core, with its Europe/London date and the two
-- flags the metrics filter on. This is the big table (~10 million rows for a national year), so
-- it is loaded the fast way: a new history partition filled by one parallel CREATE TABLE AS, then
-- its indexes built by sorting once, which is far cheaper than maintaining them row by row
-- (the table, its partitions and indexes: sql/090_core_schema/150_contacts.sql).
--
-- The staff member need not be in core: contact metrics look at contact_type only, so a contact
-- recorded by someone missing from staff.csv still counts (quality.orphans and
-- quality.contacts_without_allocation show it).

-- Memory for the sorts behind the index builds; scoped to this transaction.
set local maintenance_work_mem = '256MB';

-- The old rows go with their partitions; core.contacts itself, and every view on it, stays.
drop table core.contacts_recent;
drop table core.contacts_history;

-- CREATE TABLE AS, unlike INSERT ... SELECT, runs its query in parallel workers: the Europe/London
-- dates, the flags and the semi-join to cases computed on both cores, the leader only writing
-- (11 s against 21 s for a national year). The planner charges every row for crossing from the
-- workers to the leader and so keeps 9 million rows on one core; that charge is not a difference
-- between the plans here, since the leader writes every row either way.
set local parallel_tuple_cost = 0;
create table core.contacts_history as
select * from core.contacts_from_staging(0);
set local parallel_tuple_cost to default;

-- its NOT NULLs, key and indexes; then it is the partition up to its latest date, and an empty
-- core.contacts_recent takes the dates after
select core.attach_contacts_history();

-- The parent's statistics (for joins on its columns) and the partitions' (for their scans).
analyze core.contacts;
