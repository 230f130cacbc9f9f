-- core.builds: one row per `throughcare transform`, and the checks that keep a build honest.
-- Core itself is rebuilt in one transaction (see Sources/Transform/TransformRunner.swift): a
-- build that dies leaves the previous core whole, and its row here says 'running' until the next
-- stage finds its session gone and marks it failed. The row is written outside that transaction
-- so that a failure is recorded; core.builds is DDL applied once, not a model.
create schema if not exists core;

create table if not exists core.builds (
    build_id            bigserial primary key,
    started_at          timestamptz not null default now(),
    finished_at         timestamptz,
    status              text not null default 'running',
    backend_pid         integer,
    parameters          jsonb not null default '{}',
    ingest_batches      jsonb,
    throughcare_version text,
    git_commit          text,
    error_message       text,
    constraint builds_status check (status in ('running', 'succeeded', 'failed'))
);
comment on table core.builds is 'One row per transform: what core was built from (the loaded file of each entity), with which handover parameters, by which tool, and how it ended. Core holds the newest succeeded build.';
comment on column core.builds.build_id is 'Build identifier.';
comment on column core.builds.started_at is 'When the transform started.';
comment on column core.builds.finished_at is 'When it succeeded or was marked failed; NULL while running.';
comment on column core.builds.status is 'running, succeeded or failed. A failed build changed nothing in core.';
comment on column core.builds.backend_pid is 'Server process of the session that ran it, so a build whose process died can be told from one in progress.';
comment on column core.builds.parameters is 'The handover parameters the build used, by their metrics.md names.';
comment on column core.builds.ingest_batches is 'For each entity, the loaded file core was built from: {"contacts": {"batch_id": 3, "file": "contacts.csv", "sha256": "…", "rows": 123}}. Set when the build succeeds.';
comment on column core.builds.throughcare_version is 'Version of the throughcare tool that ran the build.';
comment on column core.builds.git_commit is 'Git commit of the throughcare tool that ran the build.';
comment on column core.builds.error_message is 'Why the build failed.';

-- Top-up builds: a build that only appends the contacts loaded since the previous build (a monthly
-- top-up) says so, and records which model files it is valid for, so a later top-up can tell
-- that the core it extends was built by the same rules.
alter table core.builds add column if not exists mode text;
alter table core.builds add column if not exists models_sha256 text;
alter table core.builds drop constraint if exists builds_mode;
alter table core.builds add constraint builds_mode check (mode in ('full', 'top_up'));
comment on column core.builds.mode is 'full: core rebuilt from all of staging; top_up: only the contacts loaded incrementally since the previous build were added to it (the rest of core was already current). NULL while running, and for builds made before top-ups existed (all full).';
comment on column core.builds.models_sha256 is 'SHA-256 of core''s DDL and the transform''s models (sql/090_core_schema, sql/100_core, sql/200_quality) the build ran or extended: a top-up is made only on a core built from the same files.';

-- The newest loaded file of each entity: what staging holds, and so what a build is built from.
create or replace function core.loaded_files()
returns jsonb
language sql
stable
as $$
    select coalesce(jsonb_object_agg(latest.entity, jsonb_build_object(
               'batch_id', latest.batch_id, 'file', latest.file, 'sha256', latest.sha256, 'rows', latest.rows_loaded)), '{}'::jsonb)
    from (
        select distinct on (f.entity) f.entity, f.batch_id, f.file, f.sha256, f.rows_loaded
        from ingest.batch_files as f
        where f.status = 'loaded'
        order by f.entity, f.batch_id desc
    ) as latest
$$;
comment on function core.loaded_files() is 'For each entity, the newest loaded file (batch_id, file, sha256, rows) from the ingest ledger.';

-- Staging is UNLOGGED (fast to load): a server crash empties it while the ledger still says the
-- files loaded. A transform from it would empty core, so it is refused, saying what to do.
create or replace function core.assert_staging_matches_ledger()
returns void
language plpgsql
as $$
declare
    loaded record;
    staged bigint;
    problems text[] := '{}';
begin
    if not exists (select from ingest.batch_files as f where f.status = 'loaded') then
        raise exception 'nothing to transform: no extract file has been loaded'
            using errcode = 'TC001', hint = 'Run throughcare ingest DIR first.';
    end if;
    if not exists (select from staging.intact) then
        raise exception 'staging was emptied by a server crash since the last full ingest, so it no longer holds every load the ledger lists; core was left as it was'
            using errcode = 'TC001',
                  hint = 'Run a full ingest of the whole extract (throughcare ingest DIR, without --incremental), then transform.';
    end if;
    for loaded in
        select key as entity, (value ->> 'batch_id')::bigint as batch_id, value ->> 'file' as file, (value ->> 'rows')::bigint as rows
        from jsonb_each(core.loaded_files())
        order by key
    loop
        -- An incremental load's rows are read where it wrote them (ingest.staged_block_ranges):
        -- for a month of contacts, the table's tail instead of all of it.
        if (select bool_or(r.whole_table) from ingest.staged_block_ranges(loaded.entity, loaded.batch_id - 1) as r) then
            execute format('select count(*) from staging.%I where batch_id = $1', loaded.entity) into staged using loaded.batch_id;
        else
            execute format($sql$
                select count(*)
                from ingest.staged_block_ranges($2, $1 - 1) as r
                cross join lateral (
                    select t.batch_id
                    from staging.%I as t
                    where t.ctid >= format('(%%s,0)', r.first_block)::tid
                      and t.ctid < format('(%%s,0)', r.end_block)::tid
                    offset 0
                ) as s
                where s.batch_id = $1
                $sql$, loaded.entity)
                into staged using loaded.batch_id, loaded.entity;
        end if;
        if staged <> loaded.rows then
            problems := problems || format('%s of batch %s: %s rows in staging, %s in the ledger',
                                           loaded.file, loaded.batch_id, staged, loaded.rows);
        end if;
    end loop;
    if cardinality(problems) > 0 then
        raise exception 'staging does not hold what the ingest ledger says was loaded (%); core was left as it was', array_to_string(problems, '; ')
            using errcode = 'TC001',
                  hint = 'Staging tables are UNLOGGED, so a server crash empties them. Run throughcare ingest DIR again (files whose rows are missing are loaded again), then transform.';
    end if;
end;
$$;
comment on function core.assert_staging_matches_ledger() is 'Raises (SQLSTATE TC001) when staging does not hold the rows the ledger says the newest loaded file of each entity put there, e.g. after a server crash emptied the UNLOGGED staging tables.';

-- A stage row left 'running' by a process or connection that died: its session is gone (or the
-- pid now belongs to a session that started later).
create or replace function core.session_is_gone(p_pid integer, p_started_at timestamptz)
returns boolean
language sql
stable
as $$
    select p_pid is null or not exists (
        select from pg_stat_activity as a
        -- backend_start is NULL for another role's session without pg_read_all_stats: alive.
        where a.pid = p_pid and (a.backend_start is null or a.backend_start <= p_started_at)
    )
$$;
comment on function core.session_is_gone(integer, timestamptz) is 'True when no live session with this pid started before the given time: the stage row''s process or connection died.';

create or replace function core.mark_dead_builds()
returns integer
language plpgsql
as $$
declare
    marked integer;
begin
    update core.builds as b
       set status = 'failed',
           finished_at = now(),
           error_message = format('the transform''s process or connection died (server pid %s no longer exists); core was left as it was before it', b.backend_pid)
     where b.status = 'running'
       and core.session_is_gone(b.backend_pid, b.started_at);
    get diagnostics marked = row_count;
    return marked;
end;
$$;
comment on function core.mark_dead_builds() is 'Marks failed every build still running whose session is gone; returns how many.';
