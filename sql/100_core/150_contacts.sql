-- core.contacts: every contact whose case is in core, with its Europe/London date and the two
-- flags the metrics filter on. This is the big table (~10 million rows for a national year), so
-- it is loaded the fast way: a new partition filled by one parallel CREATE TABLE AS, then its
-- indexes built by sorting once, which is far cheaper than maintaining them row by row.
--
-- The staff member need not be in core: contact metrics look at contact_type only, so a contact
-- recorded by someone missing from staff.csv still counts (quality.orphans and
-- quality.contacts_without_allocation show it).

-- Memory for the sorts behind the index builds; scoped to this transaction.
set local maintenance_work_mem = '256MB';

-- The old rows go with their partition (sql/090_core_schema/150_contacts.sql); core.contacts
-- itself, and every view on it, stays.
alter table core.contacts detach partition core.contacts_all;
drop table core.contacts_all;

-- CREATE TABLE AS, unlike INSERT ... SELECT, runs its query in parallel workers: the Europe/London
-- dates, the flags and the semi-join to cases computed on both cores, the leader only writing
-- (11 s against 21 s for a national year). The planner charges every row for crossing from the
-- workers to the leader and so keeps 9 million rows on one core; that charge is not a difference
-- between the plans here, since the leader writes every row either way.
set local parallel_tuple_cost = 0;
create table core.contacts_all as
select * from core.contacts_from_staging(0);
set local parallel_tuple_cost to default;

-- its NOT NULLs and primary key, then it is the partition
select core.attach_contacts_partition();

-- The metric queries ask "this case's contacts of these types between two dates" (keywork and
-- POM gaps within the observed window, pre-release and handover windows before a release date).
-- Equality columns first, the range column last; the INCLUDE columns let the usual filters
-- (completed, live, not written) be answered from the index without visiting the table.
create index contacts_case_type_date
    on core.contacts_all (case_id, contact_type, contact_date)
    include (is_completed, is_live, channel);

-- The as-of date is max(contact_date) over all contacts, and volumes count contacts of a type
-- dated in a month: a date-led index answers the first from its last leaf page and the second
-- with one range scan.
create index contacts_date_type
    on core.contacts_all (contact_date, contact_type)
    include (case_id, is_completed);

-- The parent's statistics (for joins on its columns) and the partition's (for its scans).
analyze core.contacts;
