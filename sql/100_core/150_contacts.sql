-- core.contacts: every contact whose case is in core, with its Europe/London date and the two
-- flags the metrics filter on. This is the big table (~10 million rows for a national year), so
-- it is loaded the fast way: drop the indexes, load with one INSERT ... SELECT, then build the
-- indexes by sorting once, which is far cheaper than maintaining them row by row.
--
-- The staff member need not be in core: contact metrics look at contact_type only, so a contact
-- recorded by someone missing from staff.csv still counts (quality.orphans and
-- quality.contacts_without_allocation show it).

-- Memory for the sorts behind the index builds; scoped to this transaction.
set local maintenance_work_mem = '256MB';

drop index if exists core.contacts_case_type_date;
drop index if exists core.contacts_date_type;
alter table core.contacts drop constraint if exists contacts_pkey;

truncate core.contacts;

insert into core.contacts
select * from core.contacts_from_staging(0);

alter table core.contacts add constraint contacts_pkey primary key (contact_id);

-- The metric queries ask "this case's contacts of these types between two dates" (keywork and
-- POM gaps within the observed window, pre-release and handover windows before a release date).
-- Equality columns first, the range column last; the INCLUDE columns let the usual filters
-- (completed, live, not written) be answered from the index without visiting the table.
create index contacts_case_type_date
    on core.contacts (case_id, contact_type, contact_date)
    include (is_completed, is_live, channel);

-- The as-of date is max(contact_date) over all contacts, and volumes count contacts of a type
-- dated in a month: a date-led index answers the first from its last leaf page and the second
-- with one range scan.
create index contacts_date_type
    on core.contacts (contact_date, contact_type)
    include (case_id, is_completed);

analyze core.contacts;
