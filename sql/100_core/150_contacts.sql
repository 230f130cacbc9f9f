-- core.contacts: every contact whose case is in core, with its Europe/London date and the two
-- flags the metrics filter on. This is the big table (~10 million rows for a national year), so
-- it is loaded the fast way: drop the indexes, load with one INSERT ... SELECT, then build the
-- indexes by sorting once, which is far cheaper than maintaining them row by row.
--
-- The staff member need not be in core: contact metrics look at contact_type only, so a contact
-- recorded by someone missing from staff.csv still counts (quality.orphans and
-- quality.contacts_without_allocation show it).
create table if not exists core.contacts (
    contact_id       text not null,
    case_id          text not null,
    staff_id         text not null,
    contact_type     text not null,
    contact_at       timestamptz not null,
    contact_date     date not null,
    channel          text not null,
    outcome          text not null,
    duration_minutes integer,
    is_completed     boolean not null,
    is_live          boolean not null,
    constraint contacts_pkey primary key (contact_id)
);
comment on table core.contacts is 'Every recorded contact whose case is in core.cases (the big table). Count contacts by distinct contact_id.';
comment on column core.contacts.contact_id is 'Contact identifier.';
comment on column core.contacts.case_id is 'The case the contact is about.';
comment on column core.contacts.staff_id is 'Member of staff who recorded it (may be missing from core.staff; see quality.orphans).';
comment on column core.contacts.contact_type is 'keywork_session, pom_contact, com_contact, pom_com_liaison or handover_meeting.';
comment on column core.contacts.contact_at is 'When the contact happened (an instant; offset-less extract values were read as Europe/London local time).';
comment on column core.contacts.contact_date is 'The contact''s date: contact_at converted to Europe/London and truncated, so 23:30 UTC in British Summer Time is the next day. Every metric uses this date.';
comment on column core.contacts.channel is 'face_to_face, video, phone or written.';
comment on column core.contacts.outcome is 'completed, refused, cancelled or did_not_attend.';
comment on column core.contacts.duration_minutes is 'Length in minutes (0-1440), or NULL.';
comment on column core.contacts.is_completed is 'outcome = completed.';
comment on column core.contacts.is_live is 'channel is face_to_face or video (a "live" contact).';

-- Memory for the sorts behind the index builds; scoped to this transaction.
set local maintenance_work_mem = '256MB';

drop index if exists core.contacts_case_type_date;
drop index if exists core.contacts_date_type;
alter table core.contacts drop constraint if exists contacts_pkey;

truncate core.contacts;

insert into core.contacts (
    contact_id,
    case_id,
    staff_id,
    contact_type,
    contact_at,
    contact_date,
    channel,
    outcome,
    duration_minutes,
    is_completed,
    is_live
)
select
    s.contact_id,
    s.case_id,
    s.staff_id,
    s.contact_type,
    s.contact_at,
    -- explicit zone: the answer must not depend on the session's TimeZone setting
    (s.contact_at at time zone 'Europe/London')::date,
    s.channel,
    s.outcome,
    s.duration_minutes,
    s.outcome = 'completed',
    s.channel in ('face_to_face', 'video')
from staging.contacts as s
where exists (
    select
    from core.cases as c
    where c.case_id = s.case_id
);

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
