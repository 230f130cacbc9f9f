-- metrics.execute_run(run_id): the whole aggregate for one run row the tool has inserted, in one
-- call (and so one transaction): as-of date, review periods, the thirteen case-level metrics, the
-- rates, the volumes, and for an official run the published cells. On any error the transaction
-- rolls back, nothing of the run is kept but its row, and the tool marks that row failed.

-- All thirteen metrics of a run into metrics.case_metrics (rows of an earlier attempt of the same
-- run are replaced). Returns the number of rows written.
create or replace function metrics.fill_case_metrics(p_run_id bigint)
returns bigint
language plpgsql
as $$
declare
    rows_written bigint := 0;
    step_rows bigint;
begin
    delete from metrics.case_metrics as cm where cm.run_id = p_run_id;

    insert into metrics.case_metrics (run_id, metric, case_id, period_start, period_end, eligible, met, detail)
    select p_run_id, e.metric, e.case_id, e.period_start, e.period_end, e.eligible, e.met, e.detail
    from (
        select * from metrics.evaluate_keywork_regular(p_run_id)
        union all
        select * from metrics.evaluate_pom_contact_regular(p_run_id)
        union all
        select * from metrics.evaluate_sentence_plan_in_place(p_run_id)
        union all
        select * from metrics.evaluate_high_risk_with_probation_pom(p_run_id)
    ) as e;
    get diagnostics step_rows = row_count;
    rows_written := rows_written + step_rows;

    insert into metrics.case_metrics (run_id, metric, case_id, period_start, period_end, eligible, met, detail)
    select p_run_id, e.metric, e.case_id, e.period_start, e.period_end, e.eligible, e.met, e.detail
    from (
        select * from metrics.evaluate_handover_on_time(p_run_id)
        union all
        select * from metrics.evaluate_communication_adequate(p_run_id)
        union all
        select * from metrics.evaluate_prerelease_contact_sufficient(p_run_id)
        union all
        select * from metrics.evaluate_release_outcomes(p_run_id)
        union all
        select * from metrics.evaluate_recalled_within_28_days(p_run_id)
    ) as e;
    get diagnostics step_rows = row_count;
    rows_written := rows_written + step_rows;

    return rows_written;
end;
$$;
comment on function metrics.fill_case_metrics(bigint) is 'Writes all thirteen case-level metrics of a run into metrics.case_metrics (replacing rows of an earlier attempt of the same run); returns the rows written.';

-- A review limited to some scopes (a pipeline's `scopes:`) keeps only what belongs to them: a
-- scope is in the review when listed, when national is listed, or when it is an establishment or
-- prison group inside a listed prison group or probation region (their figures are then whole).
create or replace function metrics.scope_in_review(p_scopes jsonb, p_scope_type text, p_scope_id text)
returns boolean
language sql
stable
as $$
    select p_scopes is null
        or exists (
            select from jsonb_array_elements(p_scopes) as s
            where (s ->> 'type' = p_scope_type and s ->> 'id' = p_scope_id)
               or s ->> 'type' = 'national'
        )
        or (p_scope_type = 'establishment' and exists (
            select
            from core.establishments as e
            cross join jsonb_array_elements(p_scopes) as s
            where e.establishment_code = p_scope_id
              and ((s ->> 'type' = 'prison_group' and s ->> 'id' = e.prison_group)
                or (s ->> 'type' = 'probation_region' and s ->> 'id' = e.probation_region))
        ))
        or (p_scope_type = 'prison_group' and exists (
            select
            from core.establishments as e
            cross join jsonb_array_elements(p_scopes) as s
            where e.prison_group = p_scope_id
              and s ->> 'type' = 'probation_region' and s ->> 'id' = e.probation_region
        ))
$$;
comment on function metrics.scope_in_review(jsonb, text, text) is 'True when a scope belongs to a review limited to p_scopes ([{"type", "id"}], NULL = every scope): listed, national listed, or an establishment / prison group inside a listed prison group or probation region.';

-- Removes from a scoped run the case metrics of cases counting in no listed scope (before rates
-- are counted, so a listed scope's figures are its own cases'). Returns the rows removed.
create or replace function metrics.limit_case_metrics_to_scopes(p_run_id bigint, p_scopes jsonb)
returns bigint
language plpgsql
as $$
declare
    removed bigint := 0;
begin
    if p_scopes is null or exists (select from jsonb_array_elements(p_scopes) as s where s ->> 'type' = 'national') then
        return 0;
    end if;
    delete from metrics.case_metrics as cm
    where cm.run_id = p_run_id
      and not exists (
        select
        from core.case_scopes as cs
        join jsonb_array_elements(p_scopes) as s
          on s ->> 'type' = cs.scope_type
         and s ->> 'id' = cs.scope_id
        where cs.case_id = cm.case_id
      );
    get diagnostics removed = row_count;
    return removed;
end;
$$;
comment on function metrics.limit_case_metrics_to_scopes(bigint, jsonb) is 'Deletes a run''s case metrics for cases that count in none of p_scopes (no-op when p_scopes is NULL or lists national); returns the rows deleted.';

-- The handover periods are applied by transform (core.case_handover reads core.parameters). A run
-- whose parameters disagree with the values the loaded core model was built with would report
-- numbers under rules it did not use, so it is refused with a message saying what to rerun.
create or replace function metrics.check_handover_parameters(p_parameters jsonb)
returns void
language plpgsql
stable
as $$
declare
    parameter_name text;
    core_value text;
begin
    foreach parameter_name in array array['com_only_below', 'handover_determinate', 'handover_parole', 'handover_indeterminate'] loop
        select p.value into core_value from core.parameters as p where p.name = parameter_name;
        if found and (core_value::interval)::text <> ((p_parameters ->> parameter_name)::interval)::text then
            raise exception 'run parameter % = % but the core model was built with %', parameter_name,
                    quote_literal(p_parameters ->> parameter_name), quote_literal(core_value)
                using errcode = 'invalid_parameter_value',
                      hint = 'Handover dates are computed by transform: run transform with the same parameters before aggregate.';
        end if;
    end loop;
end;
$$;
comment on function metrics.check_handover_parameters(jsonb) is 'Raises when a run''s handover parameters differ from the values in core.parameters that core.case_handover was built with.';

create or replace function metrics.execute_run(p_run_id bigint)
returns jsonb
language plpgsql
as $$
declare
    run metrics.runs;
    run_as_of date;
    effective jsonb;
    period_count integer;
    case_metric_rows bigint;
    rate_rows bigint;
    volume_rows bigint;
    published_rows bigint;
    -- Each step says when it is done (a NOTICE the tool relays live): a national run takes
    -- minutes, and silence looks like a hang.
    step_started timestamptz;
begin
    select * into run from metrics.runs as r where r.run_id = p_run_id for update;
    if not found then
        raise exception 'run % does not exist', p_run_id using errcode = 'no_data_found';
    end if;
    if run.status <> 'running' then
        raise exception 'run % is already %: insert a new run to compute again', p_run_id, run.status
            using errcode = 'object_not_in_prerequisite_state';
    end if;

    effective := metrics.effective_parameters(run.parameters);
    perform metrics.check_handover_parameters(effective);
    if run.official then
        perform metrics.assert_publishable_parameters(effective);
    end if;

    run_as_of := coalesce(run.as_of_override, (select max(ct.contact_date) from core.contacts as ct));
    if run_as_of is null then
        raise exception 'no as-of date: core.contacts is empty and the run gives no as_of'
            using errcode = 'no_data_found', hint = 'Load an extract with contacts, or give as_of.';
    end if;

    update metrics.runs as r
       set as_of = run_as_of,
           parameters = effective
     where r.run_id = p_run_id;

    delete from metrics.run_periods as rp where rp.run_id = p_run_id;
    insert into metrics.run_periods (run_id, period_start, period_end, nominal_end)
    select p_run_id, cp.period_start, cp.period_end, cp.nominal_end
    from metrics.cut_periods(run.period_kind, run.range_from, run.range_to, run_as_of) as cp;
    get diagnostics period_count = row_count;
    if period_count = 0 then
        raise exception 'nothing to compute: the range [%, %) starts after the as-of date %', run.range_from, run.range_to, run_as_of
            using errcode = 'invalid_parameter_value',
                  hint = 'Choose a range that starts on or before the as-of date (the latest contact date unless as_of is given).';
    end if;

    step_started := clock_timestamp();
    case_metric_rows := metrics.fill_case_metrics(p_run_id);
    case_metric_rows := case_metric_rows - metrics.limit_case_metrics_to_scopes(p_run_id, run.scopes);
    raise notice 'aggregate: case metrics, % rows in % s', case_metric_rows, round(extract(epoch from clock_timestamp() - step_started)::numeric, 1);
    step_started := clock_timestamp();
    rate_rows := metrics.fill_rates(p_run_id);
    raise notice 'aggregate: rates, % rows in % s', rate_rows, round(extract(epoch from clock_timestamp() - step_started)::numeric, 1);
    step_started := clock_timestamp();
    volume_rows := metrics.fill_volumes(p_run_id);
    raise notice 'aggregate: volumes, % rows in % s', volume_rows, round(extract(epoch from clock_timestamp() - step_started)::numeric, 1);
    if run.scopes is not null then
        delete from metrics.rates as r
        where r.run_id = p_run_id and not metrics.scope_in_review(run.scopes, r.scope_type, r.scope_id);
        delete from metrics.volumes as v
        where v.run_id = p_run_id and not metrics.scope_in_review(run.scopes, v.scope_type, v.scope_id);
        select count(*) into rate_rows from metrics.rates as r where r.run_id = p_run_id;
        select count(*) into volume_rows from metrics.volumes as v where v.run_id = p_run_id;
    end if;
    perform metrics.fill_run_context(p_run_id);

    update metrics.runs as r
       set status = 'succeeded',
           finished_at = clock_timestamp()
     where r.run_id = p_run_id;

    if run.official then
        step_started := clock_timestamp();
        published_rows := published.refresh_rates_cells(p_run_id);
        raise notice 'aggregate: published cells, % rows in % s', published_rows, round(extract(epoch from clock_timestamp() - step_started)::numeric, 1);
    end if;

    return jsonb_build_object(
        'run_id', p_run_id,
        'as_of', run_as_of,
        'periods', period_count,
        'case_metrics', case_metric_rows,
        'rates', rate_rows,
        'volumes', volume_rows,
        'published_cells', published_rows
    );
end;
$$;
comment on function metrics.execute_run(bigint) is 'Computes a run inserted by the tool (status running): as_of, run_periods, case_metrics, rates, volumes; marks it succeeded and, when official, refreshes published.rates_cells. Returns a jsonb summary of rows written. Raises on any problem (the tool then marks the run failed).';
