-- core.contacts: the table, its comments and its indexes: once-only DDL, applied by the migrator
-- when this file changes. sql/100_core/150_contacts.sql fills it on every full build.
--
-- A table partitioned by contact_date into two:
--   core.contacts_history: what the last full build wrote, every date up to its latest contact
--                          (or up to today, when a contact is dated later);
--   core.contacts_recent:  the contacts dated after that, which top-ups (core.top_up_contacts) add.
-- A full build replaces both (sql/100_core/150_contacts.sql): it fills a new history with CREATE
-- TABLE AS, which runs in parallel where INSERT ... SELECT cannot, and attaches it
-- (core.attach_contacts_history), which builds its indexes by sorting once. A month of new
-- contacts then goes to a small table with small indexes, instead of a descent of three B-trees
-- of 300-600 MB per row. The parent, which every view and query names, stays the same object, so
-- views on it (quality's, an analyst's) survive each build.
--
-- A partition key must be part of the primary key, so it is (contact_id, contact_date). contact_id
-- alone is still unique: staging holds one row per contact_id (an incremental load replaces a
-- re-sent contact's row), and every build and top-up takes each staged contact at most once.

-- A database made by an older throughcare: core.contacts was a plain table, or partitioned by
-- contact_id with one partition core.contacts_all. Its rows become core.contacts_history, kept
-- (renames, no copy; only the primary key is built again, with contact_date), under the new
-- core.contacts made below, which gets the old table's grants, indexes (an analyst's too, taken
-- over by the history without a rebuild) and views: views bound to it are
-- made again by name, so they read the new parent (else they would stop the next full build from
-- dropping the history). Whatever else holds on to the old tables or their rowtypes (another
-- role's view, a materialized view, a foreign key, a function of the rowtype), or lives on them
-- and would go with them at the next full build (a trigger, a policy, extended statistics, a
-- publication), stops the upgrade with its name: nothing changes. This block moves the old tables
-- aside and writes down what to make again; the block after the new table finishes.
do $$
declare
    session_path text := current_setting('search_path');
    old_table oid := to_regclass('core.contacts');
    old_kind "char";
    rows_table oid;
    held oid[];
    old_views text[];
    pinned text;
    index_name text;
begin
    select c.relkind into old_kind from pg_catalog.pg_class as c where c.oid = old_table;
    if old_kind is null
       or (old_kind = 'p' and (select a.attname
                               from pg_catalog.pg_partitioned_table as t
                               join pg_catalog.pg_attribute as a on a.attrelid = t.partrelid and a.attnum = t.partattrs[0]
                               where t.partrelid = old_table) = 'contact_date') then
        return;
    end if;
    -- qualified names in the definitions below, whatever the session's search_path
    perform set_config('search_path', 'pg_catalog', true);
    if old_kind = 'r' then
        rows_table := old_table;
    else
        rows_table := to_regclass('core.contacts_all');
        if rows_table is null
           or (select array_agg(i.inhrelid) from pg_inherits as i where i.inhparent = old_table) is distinct from array[rows_table] then
            raise exception 'cannot upgrade core.contacts: it is partitioned, but its one partition is not core.contacts_all'
                using errcode = 'dependent_objects_still_exist';
        end if;
    end if;
    held := array(select o from unnest(array[old_table, rows_table]) as o
                  union select c.reltype from pg_class as c where c.oid in (old_table, rows_table));
    -- the views this role can make again on the new parent
    old_views := array(
        select v.oid::regclass::text
        from pg_class as v
        where v.relkind = 'v'
          and pg_has_role(v.relowner, 'USAGE')
          and exists (select from pg_depend as d
                      join pg_rewrite as r on r.oid = d.objid
                      where d.classid = 'pg_rewrite'::regclass and d.refobjid = old_table and r.ev_class = v.oid)
        order by v.oid);
    select string_agg(h.name, ', ' order by h.name)
      into pinned
      from (select distinct
                   case when d.classid = 'pg_rewrite'::regclass
                        then format('%s %s (owner %s)', case v.relkind when 'm' then 'materialized view' when 'v' then 'view' else 'rule on' end,
                                    v.oid::regclass, pg_get_userbyid(v.relowner))
                        else pg_describe_object(d.classid, d.objid, d.objsubid) end as name
            from pg_depend as d
            left join pg_rewrite as r on d.classid = 'pg_rewrite'::regclass and r.oid = d.objid
            left join pg_class as v on v.oid = r.ev_class
            where d.refobjid = any (held)
              and (d.deptype = 'n'
                   or (d.deptype = 'a' and d.classid in ('pg_trigger'::regclass, 'pg_policy'::regclass, 'pg_statistic_ext'::regclass,
                                                         'pg_publication_rel'::regclass, 'pg_rewrite'::regclass)))
              -- the old parent's own partition
              and not (d.classid = 'pg_class'::regclass and d.objid = any (held))
              -- made again below: the views above, and the function returning the rowtype
              and not coalesce(v.oid::regclass::text = any (old_views), false)
              and not (d.classid = 'pg_proc'::regclass and d.objid = to_regprocedure('core.contacts_from_staging(bigint)'))) as h;
    if pinned is not null then
        raise exception 'cannot upgrade core.contacts: % depend on it and cannot be moved to the new table by %', pinned, current_user
            using errcode = 'dependent_objects_still_exist',
                  hint = 'Drop them (their owners can), run throughcare again, then create them again on core.contacts.';
    end if;
    -- what the block after the new table makes again: grants, then views in the order they were made
    create temporary table contacts_upgrade on commit drop as
    select u.part, row_number() over (order by u.part, u.position) as position, u.statement
    from (select 1 as part, g.position,
                 format('grant %s on core.contacts to %s', g.privilege_type,
                        case when g.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(g.grantee)) end) as statement
          from pg_class as c
          cross join lateral aclexplode(c.relacl) with ordinality as g (grantor, grantee, privilege_type, is_grantable, position)
          where c.oid = old_table
            and g.grantee <> c.relowner
          union all
          -- the old table's own indexes but its key (an analyst's among them), by name, unless the
          -- new table already has one of that name (its own two)
          select 3, row_number() over (order by i.indexrelid),
                 regexp_replace(pg_get_indexdef(i.indexrelid), ' ON (ONLY )?core\.\S+ USING ', ' ON core.contacts USING ')
          from pg_index as i
          where i.indrelid = old_table
            and not i.indisprimary
          union all
          select 2, v.position,
                 format('create or replace view %s%s as %s', v.view,
                        case when c.reloptions is not null then format(' with (%s)', array_to_string(c.reloptions, ', ')) else '' end,
                        pg_get_viewdef(v.view::regclass))
          from unnest(old_views) with ordinality as v (view, position)
          join pg_class as c on c.oid = v.view::regclass) as u;
    drop function if exists core.contacts_from_staging(bigint);
    if old_kind = 'p' then
        alter table core.contacts detach partition core.contacts_all;
        alter table core.contacts rename to contacts_upgrading;
        alter index if exists core.contacts_pkey rename to contacts_upgrading_pkey;
    end if;
    -- the rows keep their indexes, which the new parent's take over when they match (their names
    -- freed for the parent's); the key gains contact_date
    for index_name in select c.conname from pg_constraint as c where c.conrelid = rows_table and c.contype = 'p' loop
        execute format('alter table %s drop constraint %I', rows_table::regclass, index_name);
    end loop;
    for index_name in select c.relname from pg_index as i join pg_class as c on c.oid = i.indexrelid
                      where i.indrelid = rows_table and c.relname !~ '^contacts_history_' loop
        execute format('alter index core.%I rename to %I', index_name,
                       'contacts_history_' || regexp_replace(index_name, '^contacts_(all_)?', ''));
    end loop;
    execute format('alter table %s rename to contacts_history', rows_table::regclass);
    perform set_config('search_path', session_path, true);
end;
$$;

-- the last layout's, replaced by core.attach_contacts_history below
drop function if exists core.attach_contacts_partition();

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
    constraint contacts_pkey primary key (contact_id, contact_date)
) partition by range (contact_date);

-- Each partition has these indexes: a full build's history gets them when it is attached (built
-- then by sorting, on both cores), a recent partition when it is made.
--
-- The metric queries ask "this case's contacts of these types between two dates" (keywork and
-- POM gaps within the observed window, pre-release and handover windows before a release date).
-- Equality columns first, the range column last; the INCLUDE columns let the usual filters
-- (completed, live, not written) be answered from the index without visiting the table.
create index if not exists contacts_case_type_date
    on core.contacts (case_id, contact_type, contact_date)
    include (is_completed, is_live, channel);

-- The as-of date is max(contact_date) over all contacts, and volumes count contacts of a type
-- dated in a month: a date-led index answers the first from its last leaf page and the second
-- with one range scan.
create index if not exists contacts_date_type
    on core.contacts (contact_date, contact_type)
    include (case_id, is_completed);

comment on table core.contacts is 'Every recorded contact whose case is in core.cases (the big table). Count contacts by distinct contact_id.';
comment on column core.contacts.contact_id is 'Contact identifier (unique; the primary key adds contact_date, the partition key).';
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

-- The partitions' indexes named after the parent's (contacts_history_case_type_date), as plans
-- show them: an index PostgreSQL makes for a partition when it is attached gets a name of its
-- columns. Run after each attach (core.attach_contacts_history, core.top_up_contacts).
create or replace function core.name_contacts_partition_indexes()
returns void
language plpgsql
as $$
declare
    index_names text;
begin
    for index_names in
        select format('alter index core.%I rename to %I', child.relname, p.relname || '_' || substr(parent.relname, length('contacts_') + 1))
        from pg_catalog.pg_inherits as i
        join pg_catalog.pg_class as child on child.oid = i.inhrelid
        join pg_catalog.pg_class as parent on parent.oid = i.inhparent
        join pg_catalog.pg_index as x on x.indexrelid = child.oid
        join pg_catalog.pg_class as p on p.oid = x.indrelid
        where parent.oid in (select y.indexrelid from pg_catalog.pg_index as y where y.indrelid = 'core.contacts'::regclass)
          -- the tool's; another's index keeps the names PostgreSQL gave its partitions
          and parent.relname like 'contacts\_%'
          and p.relname in ('contacts_history', 'contacts_recent')
          and child.relname <> p.relname || '_' || substr(parent.relname, length('contacts_') + 1)
          -- an index an older tool left under that name keeps it (an upgraded history)
          and to_regclass(format('core.%I', p.relname || '_' || substr(parent.relname, length('contacts_') + 1))) is null
    loop
        execute index_names;
    end loop;
end;
$$;
comment on function core.name_contacts_partition_indexes() is 'Renames the indexes of core.contacts_history and core.contacts_recent that belong to core.contacts'' own indexes after those (contacts_<partition>_<index>), unless that name is taken.';

-- A full build's new history (sql/100_core/150_contacts.sql), made by CREATE TABLE AS, becomes
-- core.contacts' partition for every date up to its latest contact, and a new, empty
-- core.contacts_recent takes every later date. CREATE TABLE AS makes every column nullable and no
-- key, and a partition must have its parent's NOT NULLs and a primary key matching the parent's:
-- both are read from the parent, not written a second time. One ALTER adds them with a CHECK of
-- the range, all verified in one scan of the table (0.7 s less than two statements for a national
-- year), so the attach that follows need not scan it again; the attach builds the parent's other
-- indexes on it. The latest date is one more (parallel) scan, 0.7 s.
create or replace function core.attach_contacts_history()
returns date
language plpgsql
as $$
declare
    not_null text;
    key_columns text;
    boundary date;
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
    -- EXECUTE, not SELECT INTO: PL/pgSQL asks SELECT INTO for one row, and a query run for a
    -- number of rows gets no parallel workers (1.0 s against 0.5-0.7 s for a national year)
    execute 'select max(h.contact_date) + 1 from core.contacts_history as h' into boundary;
    -- no contacts: every date is recent
    boundary := coalesce(boundary, '-infinity');
    -- A contact dated after today (a mistyped year) would put every later month's contacts in the
    -- history, the slow way: such contacts go to the recent partition instead, with the new ones.
    if boundary > (now() at time zone 'Europe/London')::date + 1 then
        boundary := (now() at time zone 'Europe/London')::date + 1;
        create temporary table contacts_after_today on commit drop as
        select * from core.contacts_history as h where h.contact_date >= boundary;
        delete from core.contacts_history as h where h.contact_date >= boundary;
    end if;
    execute format('alter table core.contacts_history %s, add constraint contacts_history_dates check (contact_date < %L), add constraint contacts_history_pkey primary key (%s)',
                   not_null, boundary, key_columns);
    execute format('alter table core.contacts attach partition core.contacts_history for values from (minvalue) to (%L)', boundary);
    alter table core.contacts_history drop constraint contacts_history_dates;
    execute format('create table core.contacts_recent partition of core.contacts for values from (%L) to (maxvalue)', boundary);
    if to_regclass('pg_temp.contacts_after_today') is not null then
        insert into core.contacts_recent select * from pg_temp.contacts_after_today;
        drop table pg_temp.contacts_after_today;
    end if;
    perform core.name_contacts_partition_indexes();
    comment on table core.contacts_history is 'The partition of core.contacts holding what the last full build wrote: every contact dated up to its latest one (or up to today, if a contact was dated later). Query core.contacts.';
    comment on table core.contacts_recent is 'The partition of core.contacts holding contacts dated after the last full build''s latest one, added by top-ups. Query core.contacts.';
    return boundary;
end;
$$;
comment on function core.attach_contacts_history() is 'Makes core.contacts_history, just filled by a full build, the partition of core.contacts for every date up to its latest contact or today, whichever is earlier (the parent''s NOT NULL columns, primary key and indexes), and creates core.contacts_recent for every later date, holding any contact dated after today; returns the first date of core.contacts_recent.';

-- Finishing an upgrade (the first block): the old rows become the history, the grants and views
-- are made again on the new table, and the old parent goes.
do $$
declare
    session_path text := current_setting('search_path');
    upgrade_statement text;
begin
    if to_regclass('pg_temp.contacts_upgrade') is null then
        return;
    end if;
    perform set_config('search_path', 'pg_catalog', true);
    for upgrade_statement in select u.statement from pg_temp.contacts_upgrade as u where u.part < 3 order by u.position loop
        execute upgrade_statement;
    end loop;
    drop table if exists core.contacts_upgrading;
    for upgrade_statement in
        select u.statement from pg_temp.contacts_upgrade as u
        where u.part = 3
          and to_regclass(format('core.%I', substring(u.statement from '^CREATE (?:UNIQUE )?INDEX (\S+) '))) is null
        order by u.position
    loop
        execute upgrade_statement;
    end loop;
    drop table pg_temp.contacts_upgrade;
    perform core.attach_contacts_history();
    -- autovacuum never analyses a partitioned table, and an aggregate may run before any build
    analyze core.contacts;
    perform set_config('search_path', session_path, true);
end;
$$;

-- A new database's partitions: an empty history, so every date is recent until the first full build.
do $$
begin
    if to_regclass('core.contacts_history') is null then
        create table core.contacts_history (like core.contacts);
        perform core.attach_contacts_history();
    end if;
end;
$$;

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
-- contact_id replaces its old row; a new one is added. A month of new contacts is dated after the
-- last full build's, so its rows go to core.contacts_recent, and a late contact of an earlier
-- month to the history.
--
-- Written row by row, each new row is also an entry in each of the partition's three B-trees: for
-- a national month's 455 k rows, 4.3 s of a 4.5-5.8 s top-up, with four WAL records a row. When
-- the recent partition holds no more rows than arrive (the first month after a full build leaves
-- it empty, the second holds one month), it is taken out of core.contacts instead, its indexes
-- dropped, the rows added to the bare table, and attached again: the attach builds each index by
-- sorting once, as a full build does (docs/transform.md). A bigger recent partition (months of
-- top-ups since a full build) keeps its indexes and takes the rows in place: rebuilding them
-- would sort more rows than arrive. Taking the partition out needs core.contacts to itself until
-- the build commits; a reader holding it (an aggregate, an analyst's query) is not waited for,
-- the rows then go in in place.
drop function if exists core.top_up_contacts(bigint);
create function core.top_up_contacts(p_after_batch bigint)
returns table (contacts_inserted bigint, contacts_replaced bigint, recent_rebuilt boolean)
language plpgsql
as $$
declare
    replaced bigint;
    inserted bigint;
    rebuilt boolean := false;
    recent_from text;
    recent_indexes text[];
    index_drop text;
begin
    if not exists (select from ingest.batch_files as f
                   where f.entity = 'contacts' and f.status = 'loaded' and f.batch_id > p_after_batch) then
        -- nothing loaded since: core is current (no scan of staging, no fresh statistics needed)
        return query select 0::bigint, 0::bigint, false;
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
    -- The partition's first date (a full build's latest contact + 1, or -infinity), and its rows
    -- as its last analyze counted them (a full build's and every top-up's) against the rows the
    -- loads since staged.
    select substring(pg_catalog.pg_get_expr(c.relpartbound, c.oid) from '^FOR VALUES FROM \(''([^'']*)''\) TO \(MAXVALUE\)$')
      into recent_from
      from pg_catalog.pg_class as c
     where c.oid = 'core.contacts_recent'::regclass;
    if recent_from is not null
       and (select greatest(c.reltuples, 0) from pg_catalog.pg_class as c where c.oid = 'core.contacts_recent'::regclass)
           <= (select coalesce(sum(f.rows_loaded), 0) from ingest.batch_files as f
               where f.entity = 'contacts' and f.status = 'loaded' and f.batch_id > p_after_batch) then
        begin
            lock table core.contacts in access exclusive mode nowait;
            rebuilt := true;
        exception when lock_not_available then
            rebuilt := false;
        end;
    end if;
    if rebuilt then
        -- the partition's share of core.contacts' indexes (its primary key among them), which the
        -- attach makes again; an index made on the partition alone stays
        recent_indexes := array(
            select case when k.conname is not null
                        then format('alter table core.contacts_recent drop constraint %I', k.conname)
                        else format('drop index core.%I', child.relname) end
            from pg_catalog.pg_inherits as i
            join pg_catalog.pg_class as child on child.oid = i.inhrelid
            join pg_catalog.pg_index as x on x.indexrelid = child.oid
            left join pg_catalog.pg_constraint as k on k.conindid = child.oid and k.conrelid = x.indrelid
            where x.indrelid = 'core.contacts_recent'::regclass
              and i.inhparent in (select y.indexrelid from pg_catalog.pg_index as y where y.indrelid = 'core.contacts'::regclass));
        alter table core.contacts detach partition core.contacts_recent;
        foreach index_drop in array recent_indexes loop
            execute index_drop;
        end loop;
        insert into core.contacts_recent
        select * from core.contacts_from_staging(p_after_batch);
        get diagnostics inserted = row_count;
        -- a late contact, dated before the partition's range, goes to the history (one scan of the
        -- bare partition, which also checks the range before the attach; usually nothing moves)
        execute format('with moved as (delete from core.contacts_recent as r where r.contact_date < %L returning r.*)
                        insert into core.contacts select * from moved', recent_from);
        execute format('alter table core.contacts attach partition core.contacts_recent for values from (%L) to (maxvalue)', recent_from);
        perform core.name_contacts_partition_indexes();
    else
        insert into core.contacts
        select * from core.contacts_from_staging(p_after_batch);
        get diagnostics inserted = row_count;
    end if;
    -- The date histogram must cover the new month, or plans for it assume it is empty: the plans
    -- of queries on core.contacts estimate a date range from each partition's own statistics, so
    -- the recent partition's are what must be fresh (0.2 s). The parent's, which join estimates
    -- read, and the history's stay as the full build left them: a month's rows barely move them,
    -- and refreshing them would sample the whole history again (a further 0.6 s).
    analyze core.contacts_recent;
    return query select inserted, replaced, rebuilt;
end;
$$;
comment on function core.top_up_contacts(bigint) is 'Brings core.contacts up to date with the contacts staged by batches after p_after_batch (loaded incrementally): re-sent contacts replace their rows, new ones are added; returns how many rows were inserted, how many earlier rows they replaced, and whether core.contacts_recent was rebuilt (taken out, filled without its indexes, attached again) rather than added to in place.';
