-- core.contacts: the table, its comments and its indexes: once-only DDL, applied by the migrator
-- when this file changes. sql/100_core/150_contacts.sql fills it on every full build.
--
-- A partitioned table with one partition, core.contacts_all, holding every row. The partition
-- is what a full build replaces (sql/100_core/150_contacts.sql): it fills a new one with CREATE
-- TABLE AS, which runs in parallel where INSERT ... SELECT cannot, builds its indexes, and
-- attaches it (core.attach_contacts_partition). The parent, which every view and query names,
-- stays the same object, so views on it (quality's, an analyst's) survive each build. Its range
-- covers every contact_id, so the one partition holds all rows and the primary key on
-- contact_id alone stays a real key.
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
) partition by range (contact_id);

-- A database made before the partition: its plain table becomes the partition, rows and indexes
-- kept (renames only, no copy), under a new partitioned core.contacts with the same grants. Views
-- bound to the old table are bound to it again by name, so they read the parent from now on (else
-- they would keep reading the old partition and stop the next full build from dropping it).
-- Whatever else holds on to the old table or its rowtype (another role's view, a materialized
-- view, a foreign key, a function of its rowtype), or lives on it and would go with it at the
-- next full build (a trigger, a policy, extended statistics, a publication), stops the upgrade
-- with its name: nothing changes.
do $$
declare
    session_path text := current_setting('search_path');
    old_table oid := to_regclass('core.contacts');
    old_rowtype oid;
    old_views text[];
    old_definitions text[];
    old_options text[];
    old_grants text[];
    pinned text;
    i int;
begin
    if (select c.relkind from pg_catalog.pg_class as c where c.oid = old_table) is distinct from 'r' then
        return;
    end if;
    -- qualified names in the definitions below, whatever the session's search_path
    perform set_config('search_path', 'pg_catalog', true);
    old_rowtype := (select c.reltype from pg_class as c where c.oid = old_table);
    -- the views this role can make again on the new parent
    select array_agg(v.oid::regclass::text order by v.oid),
           array_agg(pg_get_viewdef(v.oid) order by v.oid),
           array_agg(array_to_string(v.reloptions, ', ') order by v.oid)
      into old_views, old_definitions, old_options
      from pg_class as v
     where v.relkind = 'v'
       and pg_has_role(v.relowner, 'USAGE')
       and exists (select from pg_depend as d
                   join pg_rewrite as r on r.oid = d.objid
                   where d.classid = 'pg_rewrite'::regclass and d.refobjid = old_table and r.ev_class = v.oid);
    select string_agg(held.name, ', ' order by held.name)
      into pinned
      from (select distinct
                   case when d.classid = 'pg_rewrite'::regclass
                        then format('%s %s (owner %s)', case v.relkind when 'm' then 'materialized view' when 'v' then 'view' else 'rule on' end,
                                    v.oid::regclass, pg_get_userbyid(v.relowner))
                        else pg_describe_object(d.classid, d.objid, d.objsubid) end as name
            from pg_depend as d
            left join pg_rewrite as r on d.classid = 'pg_rewrite'::regclass and r.oid = d.objid
            left join pg_class as v on v.oid = r.ev_class
            where d.refobjid in (old_table, old_rowtype)
              and (d.deptype = 'n'
                   or (d.deptype = 'a' and d.classid in ('pg_trigger'::regclass, 'pg_policy'::regclass, 'pg_statistic_ext'::regclass,
                                                         'pg_publication_rel'::regclass, 'pg_rewrite'::regclass)))
              -- remade below: the views above, and the function returning the rowtype
              and not coalesce(v.oid::regclass::text = any (old_views), false)
              and d.objid is distinct from to_regprocedure('core.contacts_from_staging(bigint)')) as held;
    if pinned is not null then
        raise exception 'cannot make core.contacts partitioned: % depend on it and cannot be moved to the new table by %', pinned, current_user
            using errcode = 'dependent_objects_still_exist',
                  hint = 'Drop them (their owners can), run throughcare again, then create them again on core.contacts.';
    end if;
    select array_agg(format('grant %s on core.contacts to %s', g.privilege_type,
                            case when g.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(g.grantee)) end))
      into old_grants
      from pg_class as c
     cross join lateral aclexplode(c.relacl) as g
     where c.oid = old_table
       and g.grantee <> c.relowner;
    drop function if exists core.contacts_from_staging(bigint);
    alter table core.contacts rename to contacts_all;
    alter index core.contacts_pkey rename to contacts_all_pkey;
    create table core.contacts_partitioned (like core.contacts_all) partition by range (contact_id);
    alter table core.contacts_partitioned rename to contacts;
    alter table core.contacts add constraint contacts_pkey primary key (contact_id);
    alter table core.contacts attach partition core.contacts_all for values from (minvalue) to (maxvalue);
    for i in 1 .. coalesce(array_length(old_grants, 1), 0) loop
        execute old_grants[i];
    end loop;
    for i in 1 .. coalesce(array_length(old_views, 1), 0) loop
        execute format('create or replace view %s%s as %s', old_views[i],
                       case when old_options[i] <> '' then format(' with (%s)', old_options[i]) else '' end,
                       old_definitions[i]);
    end loop;
    -- autovacuum never analyses a partitioned table, and an aggregate may run before any build
    analyze core.contacts;
    perform set_config('search_path', session_path, true);
end;
$$;

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

-- A new database's partition, empty until the first full build replaces it.
create table if not exists core.contacts_all partition of core.contacts for values from (minvalue) to (maxvalue);

-- A full build's new partition (sql/100_core/150_contacts.sql), made by CREATE TABLE AS, becomes
-- core.contacts' partition. CREATE TABLE AS makes every column nullable and no key, and a
-- partition must have its parent's NOT NULLs and a primary key matching the parent's: both are
-- read from the parent, not written a second time, and one ALTER adds them all (one scan of the
-- table for the NOT NULLs, one sort for the key: 0.7 s less than two statements for a national
-- year). The range covers every key, so with contact_id NOT NULL the attach reads no row.
create or replace function core.attach_contacts_partition()
returns void
language plpgsql
as $$
declare
    not_null text;
    key_columns text;
begin
    select string_agg(format('alter column %I set not null', a.attname), ', ' order by a.attnum)
      into not_null
      from pg_catalog.pg_attribute as a
     where a.attrelid = 'core.contacts'::regclass
       and a.attnum > 0
       and not a.attisdropped
       and a.attnotnull;
    select string_agg(format('%I', a.attname), ', ' order by k.position)
      into key_columns
      from pg_catalog.pg_constraint as c
     cross join lateral unnest(c.conkey) with ordinality as k (attnum, position)
      join pg_catalog.pg_attribute as a on a.attrelid = c.conrelid and a.attnum = k.attnum
     where c.conrelid = 'core.contacts'::regclass
       and c.contype = 'p';
    execute format('alter table core.contacts_all %s, add constraint contacts_all_pkey primary key (%s)', not_null, key_columns);
    alter table core.contacts attach partition core.contacts_all for values from (minvalue) to (maxvalue);
    comment on table core.contacts_all is 'The one partition of core.contacts, holding every row; each full build replaces it. Query core.contacts.';
end;
$$;
comment on function core.attach_contacts_partition() is 'Makes core.contacts_all, just filled by a full build, the partition of core.contacts: the parent''s NOT NULL columns and primary key, then ATTACH PARTITION for every contact_id.';

-- How a staged contact becomes a core contact, written once for the full build
-- (sql/100_core/150_contacts.sql) and for a top-up (core.top_up_contacts): the contacts of
-- batches after p_after_batch (0: all of them).
-- A plain SQL function, so the planner inlines it into each INSERT.
create or replace function core.contacts_from_staging(p_after_batch bigint)
returns setof core.contacts
language sql
stable
-- so the full build's CREATE TABLE AS can run it in parallel workers
parallel safe
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
