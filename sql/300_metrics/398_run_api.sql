-- The statements the Aggregate stage and the commands that read its runs call by name. Swift
-- binds the values (typed: dates as date, parameters as jsonb); what a run row holds is decided here.

create or replace function metrics.start_run(
    p_period_kind text, p_range_from date, p_range_to date, p_official boolean, p_as_of_override date,
    p_parameters jsonb, p_throughcare_version text, p_git_commit text, p_scopes jsonb,
    p_pipeline_path text, p_pipeline_sha256 text, p_pipeline_text text, p_quality_gate jsonb, p_force_reason text)
returns bigint
language plpgsql
as $$
declare
    new_run_id bigint;
begin
    insert into metrics.runs (period_kind, range_from, range_to, official, as_of_override, parameters,
                              ingest_batches, throughcare_version, git_commit, backend_pid,
                              scopes, pipeline_path, pipeline_sha256, pipeline_text, quality_gate, force_reason)
    select p_period_kind, p_range_from, p_range_to, p_official, p_as_of_override, p_parameters,
           coalesce((select jsonb_object_agg(value ->> 'file', jsonb_build_object('batch_id', value -> 'batch_id', 'sha256', value -> 'sha256'))
                     from jsonb_each(core.loaded_files())), '{}'::jsonb),
           p_throughcare_version, p_git_commit, pg_backend_pid(),
           p_scopes, p_pipeline_path, p_pipeline_sha256, p_pipeline_text, p_quality_gate, p_force_reason
    returning run_id into new_run_id;
    -- the run's own (empty) partitions, committed with its row, before its computing transaction
    perform metrics.attach_run_partitions(new_run_id);
    return new_run_id;
end;
$$;
comment on function metrics.start_run(text, date, date, boolean, date, jsonb, text, text, jsonb, text, text, text, jsonb, text) is 'Opens a run''s row (status running) with what was asked, the loaded files it reads (core.loaded_files) and its lineage, and its partitions of the run-keyed tables; returns run_id. metrics.execute_run (or its parts) then computes it.';

create or replace function metrics.fail_run(p_run_id bigint, p_error_message text)
returns void
language sql
as $$
    update metrics.runs set status = 'failed', finished_at = now(), error_message = p_error_message
    where run_id = p_run_id and status = 'running';
    -- what its second connection committed before the run failed
    delete from metrics.pending_volumes where run_id = p_run_id;
    delete from metrics.pending_run_data_quality where run_id = p_run_id;
    delete from metrics.pending_runs where run_id = p_run_id;
$$;
comment on function metrics.fail_run(bigint, text) is 'Marks a running run failed with the error that ended it, and removes what it left in metrics.pending_volumes, metrics.pending_run_data_quality and metrics.pending_runs.';

create or replace function metrics.run_summary(p_run_id bigint)
returns table (status text, official boolean, as_of date, range_from date, range_to date, period_kind text,
               periods bigint, case_metrics bigint, rates bigint, volumes bigint, force_reason text, pipeline_path text)
language sql
stable
as $$
    select r.status, r.official, r.as_of, r.range_from, r.range_to, r.period_kind,
           (select count(*) from metrics.run_periods as p where p.run_id = r.run_id),
           metrics.case_metric_rows(r.run_id),
           (select count(*) from metrics.rates as t where t.run_id = r.run_id),
           (select count(*) from metrics.volumes as v where v.run_id = r.run_id),
           r.force_reason, r.pipeline_path
    from metrics.runs as r
    where r.run_id = p_run_id;
$$;
comment on function metrics.run_summary(bigint) is 'What a run holds (status, range, row counts, lineage), for aggregate --format json and the summary printed after a run. No row when the run does not exist.';

create or replace function metrics.run_for_period(p_period_start date, p_nominal_end date)
returns bigint
language sql
stable
as $$
    select max(r.run_id) from metrics.runs as r join metrics.run_periods as p on p.run_id = r.run_id
    where r.status = 'succeeded' and p.period_start = p_period_start and p.nominal_end = p_nominal_end;
$$;
comment on function metrics.run_for_period(date, date) is 'The newest succeeded run with exactly this review period, which sample reuses; NULL when none.';

-- What the table printed after a run shows: the national rates, or for a review limited to some
-- scopes (which has no national figures) the rates of the scopes it lists.
drop function if exists metrics.national_rates(bigint);
create or replace function metrics.summary_rates(p_run_id bigint)
returns table (scope text, metric text, period_start date, numerator bigint, denominator bigint, rate double precision,
               ci_low double precision, ci_high double precision, band text)
language sql
stable
as $$
    -- the scopes shown, found once (a national run has 27 k rate rows to filter)
    with shown as materialized (
        select 'national' as scope_type, 'national' as scope_id
        from metrics.runs as run
        where run.run_id = p_run_id and metrics.scope_in_review(run.scopes, 'national', 'national')
        union all
        select ls.scope_type, ls.scope_id
        from metrics.runs as run
        cross join metrics.listed_scopes(run.scopes) as ls
        where run.run_id = p_run_id and not metrics.scope_in_review(run.scopes, 'national', 'national')
    )
    select r.scope_type || ':' || r.scope_id, r.metric, r.period_start, r.numerator::bigint, r.denominator::bigint,
           r.rate::double precision, r.ci_low::double precision, r.ci_high::double precision, r.band
    from metrics.rates as r
    join shown as s
      on s.scope_type = r.scope_type
     and s.scope_id = r.scope_id
    where r.run_id = p_run_id
    order by r.scope_type, r.scope_id, r.metric, r.period_start;
$$;
comment on function metrics.summary_rates(bigint) is 'Rates of a run per scope ("type:id"), metric and period, in the order the summary table prints them: national, or for a run limited to some scopes the scopes it lists.';

create or replace function metrics.latest_succeeded_run()
returns bigint
language sql
stable
as $$
    select max(run_id) from metrics.runs where status = 'succeeded';
$$;
comment on function metrics.latest_succeeded_run() is 'The newest finished run: what export and the case files use when no run is named.';

create or replace function metrics.run_bands(p_run_id bigint)
returns table (band_outstanding double precision, band_good double precision, band_requires_improvement double precision)
language sql
stable
as $$
    select (parameters ->> 'band_outstanding')::float8, (parameters ->> 'band_good')::float8,
           (parameters ->> 'band_requires_improvement')::float8
    from metrics.runs where run_id = p_run_id;
$$;
comment on function metrics.run_bands(bigint) is 'The rating band thresholds a run used, for the report''s legend.';

create or replace function metrics.run_status(p_run_id bigint)
returns table (official boolean, status text, as_of date)
language sql
stable
as $$
    select r.official, r.status, r.as_of from metrics.runs as r where r.run_id = p_run_id;
$$;
comment on function metrics.run_status(bigint) is 'Whether a run is official, how it ended and the as-of date it used, without counting its rows (metrics.run_summary does): export checks it first. No row when the run does not exist.';

create or replace function metrics.run_has_period(p_run_id bigint, p_period_start date, p_nominal_end date)
returns boolean
language sql
stable
as $$
    select exists (select from metrics.run_periods as p
                   where p.run_id = p_run_id and p.period_start = p_period_start and p.nominal_end = p_nominal_end);
$$;
comment on function metrics.run_has_period(bigint, date, date) is 'Whether a run has exactly this review period, so a pipeline''s sample can read it instead of a companion whole-range run.';
