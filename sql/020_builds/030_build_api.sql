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

create or replace function core.start_build(p_parameters jsonb, p_throughcare_version text, p_git_commit text)
returns bigint
language sql
as $$
    insert into core.builds (backend_pid, parameters, throughcare_version, git_commit)
    values (pg_backend_pid(), p_parameters, p_throughcare_version, p_git_commit)
    returning build_id;
$$;
comment on function core.start_build(jsonb, text, text) is 'Opens a build''s row (status running, this session''s pid) before its transaction starts, so a failure can be recorded; returns build_id.';

drop function if exists core.set_parameter(text, text);

create or replace function core.finish_build(p_build_id bigint)
returns void
language sql
as $$
    update core.builds set status = 'succeeded', finished_at = clock_timestamp(), ingest_batches = core.loaded_files()
    where build_id = p_build_id;
$$;
comment on function core.finish_build(bigint) is 'Marks a build succeeded, recording the loaded files it was built from; runs in the build''s transaction, so it commits with the new core.';

create or replace function core.fail_build(p_build_id bigint, p_error_message text)
returns void
language sql
as $$
    update core.builds set status = 'failed', finished_at = now(), error_message = p_error_message
    where build_id = p_build_id and status = 'running';
$$;
comment on function core.fail_build(bigint, text) is 'Marks a running build failed with the error that ended it (after its transaction rolled back).';
