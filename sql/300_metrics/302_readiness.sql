-- What an aggregate may be computed from. Official figures are used to judge prisons, so a run
-- is refused (SQLSTATE TC001, which the tool reports with its own exit code) rather than computed
-- from a state nobody meant to publish: no core, a core whose latest rebuild failed, a core older
-- than the newest loaded extract files, or — for an official run — an extract whose latest ingest
-- had files that failed or were skipped, or a disclosure floor lowered below the spec's.

-- Runs (and builds) left 'running' by a process or connection that died.
create or replace function metrics.mark_dead_runs()
returns integer
language plpgsql
as $$
declare
    marked integer;
begin
    update metrics.runs as r
       set status = 'failed',
           finished_at = now(),
           error_message = format('the aggregate''s process or connection died (server pid %s no longer exists); nothing of the run was kept', r.backend_pid)
     where r.status = 'running'
       and core.session_is_gone(r.backend_pid, r.started_at);
    get diagnostics marked = row_count;
    -- what runs that ended without completing left from their second connection
    delete from metrics.pending_volumes as pv
    where not exists (select from metrics.runs as r where r.run_id = pv.run_id and r.status = 'running');
    delete from metrics.pending_run_data_quality as pq
    where not exists (select from metrics.runs as r where r.run_id = pq.run_id and r.status = 'running');
    delete from metrics.pending_runs as pr
    where not exists (select from metrics.runs as r where r.run_id = pr.run_id and r.status = 'running');
    return marked + core.mark_dead_builds();
end;
$$;
comment on function metrics.mark_dead_runs() is 'Marks failed every aggregate run and transform build still running whose session is gone, and removes what runs no longer running left in metrics.pending_volumes, metrics.pending_run_data_quality and metrics.pending_runs; returns how many runs and builds it marked.';

create or replace function metrics.assert_ready(p_official boolean)
returns void
language plpgsql
as $$
declare
    latest core.builds;
    built core.builds;
    loaded jsonb := core.loaded_files();
    newest_batch bigint;
    failures text;
begin
    if to_regclass('core.cases') is null then
        raise exception 'there is no core model to aggregate: transform has not run on this database'
            using errcode = 'TC001', hint = 'Run throughcare ingest DIR, then throughcare transform.';
    end if;
    select * into latest from core.builds as b order by b.build_id desc limit 1;
    if not found then
        raise exception 'core was built by an older version of throughcare, which kept no record of what it was built from'
            using errcode = 'TC001', hint = 'Run throughcare transform once; aggregates work from then on.';
    end if;
    -- Core is still the build before a failed one (builds are atomic), so an exploratory run may
    -- look at it; official figures wait until the failure is dealt with.
    if latest.status = 'failed' and p_official then
        raise exception 'not an official run: the latest transform (build %) failed: %', latest.build_id, coalesce(latest.error_message, 'no reason recorded')
            using errcode = 'TC001',
                  hint = 'Core still holds the build before it. Fix the cause and run throughcare transform again; an exploratory run (without --publish) can still look at the data.';
    end if;
    if latest.status = 'running' then
        raise exception 'transform build % is still running', latest.build_id
            using errcode = 'TC001', hint = 'Wait for it to finish, then run aggregate.';
    end if;

    select * into built from core.builds as b where b.status = 'succeeded' order by b.build_id desc limit 1;
    if not found then
        raise exception 'no transform has succeeded on this database yet (the latest, build %, %)', latest.build_id, latest.status
            using errcode = 'TC001', hint = 'Run throughcare transform.';
    end if;
    if (select jsonb_object_agg(key, value -> 'batch_id') from jsonb_each(built.ingest_batches))
       is distinct from (select jsonb_object_agg(key, value -> 'batch_id') from jsonb_each(loaded)) then
        raise exception 'core (build %, finished %) is older than the loaded extract: %', built.build_id, built.finished_at::timestamp(0),
                (select string_agg(format('%s was loaded in batch %s', value ->> 'file', value ->> 'batch_id'), ', ' order by key)
                 from jsonb_each(loaded)
                 where value -> 'batch_id' is distinct from built.ingest_batches -> key -> 'batch_id')
            using errcode = 'TC001', hint = 'Run throughcare transform to rebuild core from the loaded files.';
    end if;

    if p_official then
        -- Under the stage lock no ingest runs, so a batch still 'running' died part-way: some of
        -- its files loaded, the rest never did.
        select max(b.batch_id) into newest_batch from ingest.batches as b;
        select coalesce(string_agg(format('%s (%s)', f.file, f.status), ', ' order by f.file) filter (where f.file is not null),
                        case when b.status <> 'succeeded' then format('the ingest ended %s', case b.status when 'running' then 'before it finished (its process died)' else b.status end) end)
          into failures
        from ingest.batches as b
        left join ingest.batch_files as f
          on f.batch_id = b.batch_id and f.status in ('failed', 'skipped_dependency')
        where b.batch_id = newest_batch
        group by b.status;
        if failures is not null then
            raise exception 'not an official run: the latest ingest (batch %) did not load every file: %', newest_batch, failures
                using errcode = 'TC001',
                      hint = 'Fix the extract and ingest it again; an exploratory run (without --publish) can still look at the data.';
        end if;
    end if;
end;
$$;
comment on function metrics.assert_ready(boolean) is 'Raises (SQLSTATE TC001) when an aggregate may not run: no core, no build record, a transform still running, core older than the newest loaded files, or (official) a failed latest transform or a latest ingest batch that did not succeed (failed or skipped files, or a process that died).';

-- Small numbers identify people: an official run may raise the disclosure floor, never lower it.
create or replace function metrics.assert_publishable_parameters(p_parameters jsonb)
returns void
language plpgsql
stable
as $$
declare
    given numeric := (metrics.effective_parameters(p_parameters) ->> 'min_publish_denominator')::numeric;
    floor_value numeric := (metrics.default_parameters() ->> 'min_publish_denominator')::numeric;
begin
    if given < floor_value then
        raise exception 'an official run cannot lower min_publish_denominator below the spec''s % (got %)', floor_value, given
            using errcode = 'invalid_parameter_value',
                  hint = 'Publishing cells with fewer than the floor''s cases could identify people. Drop --publish for an exploratory run, or use a value of at least the floor.';
    end if;
end;
$$;
comment on function metrics.assert_publishable_parameters(jsonb) is 'Raises when an official run''s min_publish_denominator is below the metrics.md default (the disclosure floor).';
