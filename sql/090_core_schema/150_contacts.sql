-- core.contacts: the table, its comments and its indexes: once-only DDL, applied by the migrator
-- when this file changes. sql/100_core/150_contacts.sql fills it on every full build.
-- Its secondary indexes are not here, and its primary key is here only for a new table: the model
-- drops them before each full load and builds them after it (one sort each), which is far
-- cheaper than keeping them up to date row by row.
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

-- How a staged contact becomes a core contact, written once for the full build
-- (sql/100_core/150_contacts.sql) and for a top-up (core.top_up_contacts): the contacts of
-- batches after p_after_batch (0: all of them).
-- A plain SQL function, so the planner inlines it into each INSERT.
create or replace function core.contacts_from_staging(p_after_batch bigint)
returns setof core.contacts
language sql
stable
as $$
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
    from ingest.staged_contacts(p_after_batch) as s
    where exists (
        select
        from core.cases as c
        where c.case_id = s.case_id
    );
$$;
comment on function core.contacts_from_staging(bigint) is 'The core rows of the staged contacts of batches after p_after_batch (0: every staged contact) whose case is in core.cases.';

-- A top-up build (see core.top_up_point): only contacts arrived since the previous build, loaded
-- incrementally, so every other core table is already current. A contact re-sent with the same
-- contact_id replaces its old row; a new one is added. The indexes are kept and updated in place
-- (cheap for a month of contacts, unlike rebuilding them for all of them).
create or replace function core.top_up_contacts(p_after_batch bigint)
returns table (contacts_inserted bigint, contacts_replaced bigint)
language plpgsql
as $$
declare
    replaced bigint;
    inserted bigint;
begin
    if not exists (select from ingest.batch_files as f
                   where f.entity = 'contacts' and f.status = 'loaded' and f.batch_id > p_after_batch) then
        -- nothing loaded since: core is current (no scan of staging, no fresh statistics needed)
        return query select 0::bigint, 0::bigint;
        return;
    end if;
    -- A contact in core was in staging when core was built, and an incremental load keeps every
    -- staged key (it replaces rows, it removes none): so an arriving contact can have a row in
    -- core only if its load replaced a staged row. When no load since replaced any (the usual
    -- month of new contacts), there is nothing to look for.
    replaced := 0;
    if exists (select from ingest.batch_files as f
               where f.entity = 'contacts' and f.status = 'loaded' and f.batch_id > p_after_batch
                 and f.rows_replaced is distinct from 0) then
        -- Every staged key since, not only those whose case is in core: a contact re-sent under a
        -- case core does not hold must lose its old row too. As one array the keys are looked up
        -- in the primary key, sorted, one probe each (a join would hash-probe all ~10 million
        -- core rows).
        delete from core.contacts as c
        where c.contact_id = any (array(
            select s.contact_id from ingest.staged_contacts(p_after_batch) as s));
        get diagnostics replaced = row_count;
    end if;
    insert into core.contacts
    select * from core.contacts_from_staging(p_after_batch);
    get diagnostics inserted = row_count;
    -- the date histogram must cover the new month, or plans for it assume it is empty
    analyze core.contacts;
    return query select inserted, replaced;
end;
$$;
comment on function core.top_up_contacts(bigint) is 'Brings core.contacts up to date with the contacts staged by batches after p_after_batch (loaded incrementally): re-sent contacts replace their rows, new ones are added; returns how many rows were inserted and how many earlier rows they replaced.';
