-- The statements the Transform stage runs around a build, by name. The build's own models are
-- sql/100_core and sql/200_quality; these only open, parameterise and close its core.builds row.
-- (plpgsql where a body names core tables that the first migration has not created yet.)

create or replace function core.model_exists()
returns boolean
language sql
stable
as $$
    select to_regclass('core.cases') is not null;
$$;
comment on function core.model_exists() is 'Whether a transform has ever built core (core.cases exists): aggregate refuses to start without it.';

drop function if exists core.start_build(jsonb, text, text);
create or replace function core.start_build(p_parameters jsonb, p_models_sha256 text, p_throughcare_version text, p_git_commit text)
returns bigint
language sql
as $$
    insert into core.builds (backend_pid, parameters, models_sha256, throughcare_version, git_commit)
    values (pg_backend_pid(), p_parameters, p_models_sha256, p_throughcare_version, p_git_commit)
    returning build_id;
$$;
comment on function core.start_build(jsonb, text, text, text) is 'Opens a build''s row (status running, this session''s pid, its parameters and the SHA-256 of the model files it runs) before its transaction starts, so a failure can be recorded; returns build_id.';

drop function if exists core.set_parameter(text, text);

drop function if exists core.finish_build(bigint);
create or replace function core.finish_build(p_build_id bigint, p_mode text)
returns void
language sql
as $$
    update core.builds set status = 'succeeded', finished_at = clock_timestamp(), mode = p_mode, ingest_batches = core.loaded_files()
    where build_id = p_build_id;
$$;
comment on function core.finish_build(bigint, text) is 'Marks a build succeeded (mode full or top_up), recording the loaded files it was built from; runs in the build''s transaction, so it commits with the new core.';

-- A top-up is the same core a full build would make, for less: it is allowed only when the one
-- thing that changed since the newest succeeded build is contacts loaded incrementally (appended
-- or corrected by key; core.top_up_contacts replaces exactly those), and that build ran the same
-- model files with the same parameters. Anything else (a full load of any file, an incremental
-- load of another entity, new rules or parameters) needs a full build.
create or replace function core.top_up_point(p_build_id bigint)
returns bigint
language sql
stable
as $$
    with this_build as (
        select b.parameters, b.models_sha256 from core.builds as b where b.build_id = p_build_id
    ),
    previous_build as (
        select b.build_id, b.parameters, b.models_sha256, b.ingest_batches,
               (b.ingest_batches -> 'contacts' ->> 'batch_id')::bigint as contacts_batch_id
        from core.builds as b
        where b.status = 'succeeded' and b.build_id < p_build_id
        order by b.build_id desc
        limit 1
    ),
    loaded_now as (
        select key as entity, value from jsonb_each(core.loaded_files())
    ),
    other_entities_unchanged as (
        select not exists (
            select from loaded_now as l, previous_build as p
            where l.entity <> 'contacts' and l.value is distinct from p.ingest_batches -> l.entity
        ) and not exists (
            select from previous_build as p, jsonb_object_keys(p.ingest_batches) as entity
            where entity not in (select l.entity from loaded_now as l)
        ) as unchanged
    ),
    contacts_loads_since as (
        select bool_and(b.mode = 'incremental') as all_incremental
        from previous_build as p
        join ingest.batch_files as f on f.entity = 'contacts' and f.status = 'loaded' and f.batch_id > p.contacts_batch_id
        join ingest.batches as b on b.batch_id = f.batch_id
    )
    select p.contacts_batch_id
    from previous_build as p, this_build as t, other_entities_unchanged as o, contacts_loads_since as c
    where p.models_sha256 = t.models_sha256
      and p.parameters = t.parameters
      and p.contacts_batch_id is not null
      and o.unchanged
      and coalesce(c.all_incremental, true);
$$;
comment on function core.top_up_point(bigint) is 'For a build about to run: the contacts batch of the newest succeeded build when this build may be a top-up of it (only incremental contacts loads since, same model files and parameters), so the contacts of later batches are all that is new; NULL when a full build is needed.';

create or replace function core.fail_build(p_build_id bigint, p_error_message text)
returns void
language sql
as $$
    update core.builds set status = 'failed', finished_at = now(), error_message = p_error_message
    where build_id = p_build_id and status = 'running';
$$;
comment on function core.fail_build(bigint, text) is 'Marks a running build failed with the error that ended it (after its transaction rolled back).';
