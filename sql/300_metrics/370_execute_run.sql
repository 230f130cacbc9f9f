-- A run's computation, for one run row the tool has inserted: as-of date, review periods, the
-- intermediate layer (case x period windows, contact gaps), the thirteen case-level metrics, the
-- rates, the volumes, and for an official run the published cells. Its results are written in one
-- transaction (below: metrics.prepare_run, then compute_run and complete_run); on any error that
-- transaction rolls back, nothing of the run is kept but its row (with its as-of date and
-- periods), and the tool marks that row failed.

-- The number of rows metrics.case_metrics shows for a run, counted without building their
-- evidence: four custody metrics per case x period with W not empty, nine release metrics per
-- case x period released in P (plus any rows stored before schema step 6).
create or replace function metrics.case_metric_rows(p_run_id bigint)
returns bigint
language sql
stable
as $$
    select
        (select 4 * count(*) filter (where not isempty(cp.observed)) + 9 * count(*) filter (where cp.released_in_period)
         from intermediate.case_periods as cp
         where cp.run_id = p_run_id)
        + (select count(*) from metrics.case_metrics_before_v6 as cm where cm.run_id = p_run_id)
$$;
comment on function metrics.case_metric_rows(bigint) is 'Rows of metrics.case_metrics for a run (4 custody metrics per observed case x period, 9 release metrics per released one, and rows stored before schema step 6), counted without building the evidence.';

-- All thirteen metrics of a run into metrics.case_period_results, one row per case x period of
-- intermediate.case_periods (rows of an earlier attempt of the same run are replaced). Returns
-- the number of case x period x metric results written (the rows metrics.case_metrics shows).
create or replace function metrics.fill_case_period_results(p_run_id bigint)
returns bigint
language plpgsql
set work_mem = '256MB'
as $$
begin
    delete from metrics.case_period_results as r where r.run_id = p_run_id;

    insert into metrics.case_period_results
    select
        p_run_id,
        cp.case_id,
        cp.period_start,
        cr.keywork_eligible, cr.keywork_met, cr.keywork_max_gap_days,
        cr.pom_contact_eligible, cr.pom_contact_met, cr.pom_allocations,
        cr.sentence_plan_eligible, cr.sentence_plan_met, cr.sentence_plans_counted,
        cr.first_sentence_plan_date, cr.latest_sentence_plan_date,
        cr.high_risk_eligible, cr.high_risk_met, cr.responsible, cr.active_pom_allocations,
        cr.deciding_pom_staff_id, cr.deciding_pom_staff_role, cr.deciding_pom_start_date,
        rr.handover_date, rr.handover_reason, rr.first_com_staff_id, rr.first_com_start_date,
        rr.handover_on_time_eligible, rr.handover_on_time_met,
        rr.prerelease_window_start, rr.handover_window_first_day, rr.handover_window_last_day,
        rr.prerelease_liaison_contacts, rr.handover_liaison_contacts,
        rr.prerelease_liaison_met, rr.handover_liaison_met,
        rr.communication_eligible, rr.communication_met,
        rr.prerelease_contacts_counted, rr.prerelease_live_contacts, rr.prerelease_contacts,
        rr.prerelease_contact_eligible, rr.prerelease_contact_met,
        rr.release_outcome_recorded, rr.accommodation, rr.has_id, rr.has_bank_account, rr.ete_arranged,
        rr.accommodation_met, rr.settled_accommodation_met, rr.id_met, rr.bank_account_met, rr.ete_met,
        rr.recall_follow_up_until, rr.recall_eligible, rr.recall_met, rr.recall_case_id, rr.recall_start_date
    from intermediate.case_periods as cp
    left join metrics.custody_results(p_run_id) as cr
      on cr.case_id = cp.case_id
     and cr.period_start = cp.period_start
    left join metrics.release_results(p_run_id) as rr
      on rr.case_id = cp.case_id
     and rr.period_start = cp.period_start
    where cp.run_id = p_run_id
    order by cp.case_id, cp.period_start;

    perform metrics.analyze_run_partition('metrics.case_period_results', p_run_id, array['run_id', 'case_id', 'period_start']);
    return metrics.case_metric_rows(p_run_id);
end;
$$;
comment on function metrics.fill_case_period_results(bigint) is 'Writes metrics.case_period_results for a run from its intermediate layer: the four custody metrics for each case x period with W not empty, the nine release metrics for each released in P. Returns the case x period x metric results written.';

-- The scopes a run lists (a pipeline's `scopes:`, aggregate's --scope), one row each: how the
-- list is read, once.
create or replace function metrics.listed_scopes(p_scopes jsonb)
returns table (scope_type text, scope_id text)
language sql
immutable
as $$
    select s ->> 'type', s ->> 'id'
    from jsonb_array_elements(p_scopes) as s
$$;
comment on function metrics.listed_scopes(jsonb) is 'The scopes of a run''s scopes list ([{"type", "id"}]) as rows (scope_type, scope_id); no row for NULL.';

-- A review limited to some scopes keeps only what belongs to them: a scope is in the review when
-- listed, when national is listed, or when it is an establishment or prison group inside a listed
-- prison group or probation region (their figures are then whole).
create or replace function metrics.scope_in_review(p_scopes jsonb, p_scope_type text, p_scope_id text)
returns boolean
language sql
stable
as $$
    select p_scopes is null
        or exists (
            select from metrics.listed_scopes(p_scopes) as ls
            where (ls.scope_type = p_scope_type and ls.scope_id = p_scope_id)
               or ls.scope_type = 'national'
        )
        or (p_scope_type = 'establishment' and exists (
            select
            from core.establishments as e
            cross join metrics.listed_scopes(p_scopes) as ls
            where e.establishment_code = p_scope_id
              and ((ls.scope_type = 'prison_group' and ls.scope_id = e.prison_group)
                or (ls.scope_type = 'probation_region' and ls.scope_id = e.probation_region))
        ))
        or (p_scope_type = 'prison_group' and exists (
            select
            from core.establishments as e
            cross join metrics.listed_scopes(p_scopes) as ls
            where e.prison_group = p_scope_id
              and ls.scope_type = 'probation_region' and ls.scope_id = e.probation_region
        ))
$$;
comment on function metrics.scope_in_review(jsonb, text, text) is 'True when a scope belongs to a review limited to p_scopes ([{"type", "id"}], NULL = every scope): listed, national listed, or an establishment / prison group inside a listed prison group or probation region.';

-- The establishments a review limited to scopes counts: those whose figures it keeps, and those a
-- kept prison group or probation region sums (execute_run then drops the partial rollups of the
-- scopes it does not keep). Every establishment when p_scopes is NULL; NULL when none.
create or replace function metrics.review_establishments(p_scopes jsonb)
returns text[]
language sql
stable
as $$
    select array_agg(e.establishment_code order by e.establishment_code)
    from core.establishments as e
    where metrics.scope_in_review(p_scopes, 'establishment', e.establishment_code)
       or metrics.scope_in_review(p_scopes, 'prison_group', e.prison_group)
       or metrics.scope_in_review(p_scopes, 'probation_region', e.probation_region)
$$;
comment on function metrics.review_establishments(jsonb) is 'Establishment codes a run limited to p_scopes counts (kept, or inside a kept prison group or probation region); every establishment when p_scopes is NULL, NULL when none.';

-- The handover periods are applied by transform (core.case_handover reads its build's
-- parameters). A run whose parameters disagree with the values the loaded core model was built
-- with would report numbers under rules it did not use, so it is refused with a message saying
-- what to rerun.
create or replace function metrics.check_handover_parameters(p_parameters jsonb)
returns void
language plpgsql
stable
as $$
declare
    parameter_name text;
    core_value text;
    built_with jsonb := (
        select b.parameters
        from core.builds as b
        where b.status = 'succeeded'
        order by b.build_id desc
        limit 1
    );
begin
    foreach parameter_name in array array['com_only_below', 'handover_determinate', 'handover_parole', 'handover_indeterminate'] loop
        core_value := built_with ->> parameter_name;
        if core_value is not null and (core_value::interval)::text <> ((p_parameters ->> parameter_name)::interval)::text then
            raise exception 'run parameter % = % but the core model was built with %', parameter_name,
                    quote_literal(p_parameters ->> parameter_name), quote_literal(core_value)
                using errcode = 'invalid_parameter_value',
                      hint = 'Handover dates are computed by transform: run transform with the same parameters before aggregate.';
        end if;
    end loop;
end;
$$;
comment on function metrics.check_handover_parameters(jsonb) is 'Raises when a run''s handover parameters differ from the values the newest succeeded build (core.builds.parameters) made core.case_handover with.';

-- A review limited to some scopes (not national) reads a small part of core, which is in memory
-- once the data are loaded: an index probe per case then costs about what a page of a sequential
-- read does, yet at the default random_page_cost (4, a disk's) the planner hashes whole national
-- tables for a region's cases. Runs of every scope keep the default: their plans read whole
-- tables and were no faster at 1.1 (docs/performance.md). Set for the transaction (a function's
-- SET clause would not allow the condition), the value on entry kept beside it, which
-- metrics.complete_run puts back before anything after the steps.
create or replace function metrics.plan_for_run_scopes(p_run_id bigint)
returns void
language plpgsql
as $$
begin
    if not metrics.scope_in_review((select r.scopes from metrics.runs as r where r.run_id = p_run_id), 'national', 'national') then
        if coalesce(current_setting('throughcare.page_cost_on_entry', true), '') = '' then
            perform set_config('throughcare.page_cost_on_entry', current_setting('random_page_cost'), true);
        end if;
        perform set_config('random_page_cost', '1.1', true);
    end if;
end;
$$;
comment on function metrics.plan_for_run_scopes(bigint) is 'For a run limited to scopes (not national), sets random_page_cost to 1.1 for the rest of the transaction (its statements probe a small, cached part of core), keeping the value on entry in throughcare.page_cost_on_entry for metrics.complete_run to put back.';

-- A run computes in parts, so that its volumes (which read core and the run's row only) can be
-- computed on a second connection while the first computes the case metrics (both cores;
-- docs/performance.md, seventh session):
--   1. metrics.prepare_run, committed on its own: as-of date, effective parameters, periods;
--   2. metrics.compute_run (case periods, contact gaps, case metrics, rates) in the run's
--      transaction, with metrics.compute_run_beside (volumes, data-quality counts) on the second
--      connection at the same time, committed into pending tables;
--   3. metrics.complete_run, in the same transaction as 2 (READ COMMITTED, so that it sees what
--      the second connection committed after the transaction began), once the second connection
--      has committed: checks its metrics.pending_runs row, moves its rows across, drops a
--      review's partial rollups, freezes the run's context, marks the run succeeded and, when
--      official, publishes.
-- Nothing of 2 and 3 is visible before that transaction commits, and on any error it rolls back
-- (the tool then marks the run failed: metrics.fail_run). metrics.execute_run does every part in
-- one call, on one connection.

-- The checks and the frame a run's steps read, done first.
create or replace function metrics.prepare_run(p_run_id bigint)
returns void
language plpgsql
as $$
declare
    run metrics.runs;
    run_as_of date;
    effective jsonb;
    period_count integer;
begin
    select * into run from metrics.runs as r where r.run_id = p_run_id for update;
    if not found then
        raise exception 'run % does not exist', p_run_id using errcode = 'no_data_found';
    end if;
    if run.status <> 'running' then
        raise exception 'run % is already %: insert a new run to compute again', p_run_id, run.status
            using errcode = 'object_not_in_prerequisite_state';
    end if;

    -- made by metrics.start_run; here too for a run row inserted some other way
    perform metrics.attach_run_partitions(p_run_id);

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
end;
$$;
comment on function metrics.prepare_run(bigint) is 'First part of a run (status running): refuses a run already finished or with parameters core was not built with, and sets its as_of, effective parameters and metrics.run_periods.';

-- No JIT for a run: its statements are planned with pessimistic estimates (millions of rows
-- through CTEs and run-keyed tables), which crosses jit_above_cost, and compiling then costs more
-- than it saves: 2.5 s of JIT for a 6 s volumes statement of a national month, measured with
-- auto_explain (docs/performance.md). The setting holds for everything compute_run calls.
create or replace function metrics.compute_run(p_run_id bigint)
returns void
language plpgsql
set jit = off
as $$
declare
    scopes jsonb := (select r.scopes from metrics.runs as r where r.run_id = p_run_id);
    rows_written bigint;
    -- Each step says when it is done (a NOTICE the tool relays live): a national run takes
    -- minutes, and silence looks like a hang.
    step_started timestamptz;
begin
    perform metrics.plan_for_run_scopes(p_run_id);

    step_started := clock_timestamp();
    rows_written := intermediate.fill_case_periods(p_run_id, scopes);
    raise notice 'aggregate: case periods, % rows in % s', rows_written, metrics.seconds_since(step_started);
    step_started := clock_timestamp();
    rows_written := intermediate.fill_contact_gaps(p_run_id);
    raise notice 'aggregate: contact gaps, % rows in % s', rows_written, metrics.seconds_since(step_started);
    step_started := clock_timestamp();
    rows_written := metrics.fill_case_period_results(p_run_id);
    raise notice 'aggregate: case metrics, % rows in % s', rows_written, metrics.seconds_since(step_started);
    step_started := clock_timestamp();
    rows_written := metrics.fill_rates(p_run_id);
    raise notice 'aggregate: rates, % rows in % s', rows_written, metrics.seconds_since(step_started);
end;
$$;
comment on function metrics.compute_run(bigint) is 'Second part of a run, after metrics.prepare_run: intermediate.case_periods, intermediate.contact_gaps, metrics.case_period_results and metrics.rates.';

create or replace function metrics.complete_run(p_run_id bigint)
returns jsonb
language plpgsql
set jit = off
as $$
declare
    run metrics.runs;
    rate_rows bigint;
    volume_rows bigint;
    volumes_computed bigint;
    published_rows bigint;
    step_started timestamptz;
begin
    select * into run from metrics.runs as r where r.run_id = p_run_id for update;
    if run.status is distinct from 'running' then
        raise exception 'run % is %, not running: nothing to complete', p_run_id, coalesce(run.status, 'missing')
            using errcode = 'object_not_in_prerequisite_state';
    end if;
    perform metrics.plan_for_run_scopes(p_run_id);

    -- Without the second connection's word that it finished, the run would complete with no
    -- volumes and no caveats and look whole: refuse instead.
    delete from metrics.pending_runs as pr where pr.run_id = p_run_id
    returning pr.volumes into volumes_computed;
    if not found then
        raise exception 'run %: its volumes and data-quality counts are not there to move (metrics.compute_run_beside has not committed, or this transaction began before it did)', p_run_id
            using errcode = 'object_not_in_prerequisite_state',
                  hint = 'Call metrics.complete_run in a READ COMMITTED transaction after metrics.compute_run_beside has committed on another connection, or call metrics.execute_run.';
    end if;
    with moved as (
        delete from metrics.pending_volumes as pv where pv.run_id = p_run_id
        returning pv.*
    )
    insert into metrics.volumes (run_id, scope_type, scope_id, period_start, period_end, measure, value)
    select m.run_id, m.scope_type, m.scope_id, m.period_start, m.period_end, m.measure, m.value
    from moved as m;
    get diagnostics volume_rows = row_count;
    if volume_rows <> volumes_computed then
        raise exception 'run %: % pending volumes moved, but its second connection wrote %', p_run_id, volume_rows, volumes_computed
            using errcode = 'data_exception';
    end if;

    if run.scopes is not null then
        -- the review's cases also count in scopes outside it (national, their release regions):
        -- those partial figures go. The question is asked once per scope computed, and the rows
        -- kept are found through a hashed list of the scopes in the review: the planner takes a
        -- new run's rows for 1 (its run_id is not in the statistics yet) and joined the scopes
        -- row by row, 0.1 s for a region's review.
        with scopes_computed as materialized (
            select r.scope_type, r.scope_id from metrics.rates as r where r.run_id = p_run_id
            union
            select v.scope_type, v.scope_id from metrics.volumes as v where v.run_id = p_run_id
        ),
        scopes_kept as materialized (
            select sc.scope_type, sc.scope_id
            from scopes_computed as sc
            where metrics.scope_in_review(run.scopes, sc.scope_type, sc.scope_id)
        ),
        rates_dropped as (
            delete from metrics.rates as r
            where r.run_id = p_run_id
              and (r.scope_type, r.scope_id) not in (select sk.scope_type, sk.scope_id from scopes_kept as sk)
        )
        delete from metrics.volumes as v
        where v.run_id = p_run_id
          and (v.scope_type, v.scope_id) not in (select sk.scope_type, sk.scope_id from scopes_kept as sk);
    end if;
    select count(*) into rate_rows from metrics.rates as r where r.run_id = p_run_id;
    select count(*) into volume_rows from metrics.volumes as v where v.run_id = p_run_id;
    perform metrics.fill_run_context(p_run_id);
    -- the value before metrics.plan_for_run_scopes, for what follows
    if coalesce(current_setting('throughcare.page_cost_on_entry', true), '') <> '' then
        perform set_config('random_page_cost', current_setting('throughcare.page_cost_on_entry'), true);
        perform set_config('throughcare.page_cost_on_entry', '', true);
    end if;

    update metrics.runs as r
       set status = 'succeeded',
           finished_at = clock_timestamp()
     where r.run_id = p_run_id;

    if run.official then
        step_started := clock_timestamp();
        published_rows := published.refresh_rates_cells(p_run_id);
        raise notice 'aggregate: published cells, % rows in % s', published_rows, metrics.seconds_since(step_started);
    end if;

    return jsonb_build_object(
        'run_id', p_run_id,
        'as_of', run.as_of,
        'periods', (select count(*) from metrics.run_periods as rp where rp.run_id = p_run_id),
        'case_metrics', metrics.case_metric_rows(p_run_id),
        'rates', rate_rows,
        'volumes', volume_rows,
        'published_cells', published_rows
    );
end;
$$;
comment on function metrics.complete_run(bigint) is 'Last part of a run, in the transaction of metrics.compute_run once metrics.compute_run_beside has committed (raises when its metrics.pending_runs row is not visible): moves the volumes into metrics.volumes, drops a scoped review''s partial rollups, writes the run context, marks the run succeeded and, when official, refreshes published.rates_cells. Returns a jsonb summary of rows written.';

-- What the second connection computes while metrics.compute_run runs: the parts of a run that
-- read core and the run's row only, into the pending tables metrics.complete_run moves across.
create or replace function metrics.compute_run_beside(p_run_id bigint)
returns void
language plpgsql
set jit = off
as $$
declare
    step_started timestamptz;
    volume_rows bigint;
    lock_timeout_on_entry constant text := current_setting('lock_timeout');
begin
    -- The run's own session holds its locks while it waits for this one, a wait the server's
    -- deadlock detector cannot see: were this call to queue for a lock behind another session's
    -- DDL, itself queued behind the run, all three would wait for ever. Such a wait ends the run
    -- instead, after a minute (the tool's own migrations give up after THROUGHCARE_LOCK_TIMEOUT,
    -- 15 s by default; a session's own lock_timeout, when set, is kept). Put back at the end, for
    -- a caller that goes on in the same transaction (metrics.execute_run).
    if lock_timeout_on_entry = '0' then
        perform set_config('lock_timeout', '1min', true);
    end if;
    perform metrics.plan_for_run_scopes(p_run_id);
    volume_rows := metrics.fill_pending_volumes(p_run_id);
    step_started := clock_timestamp();
    perform metrics.fill_pending_data_quality(p_run_id);
    raise notice 'aggregate: data-quality counts in % s', metrics.seconds_since(step_started);
    -- last, so it commits with the rows it vouches for
    insert into metrics.pending_runs (run_id, volumes) values (p_run_id, volume_rows)
    on conflict (run_id) do update set volumes = excluded.volumes, finished_at = excluded.finished_at;
    perform set_config('lock_timeout', lock_timeout_on_entry, true);
end;
$$;
comment on function metrics.compute_run_beside(bigint) is 'The part of a run computed on its second connection, after metrics.prepare_run and beside metrics.compute_run: metrics.fill_pending_volumes and metrics.fill_pending_data_quality, then its row in metrics.pending_runs.';

-- The whole run in one call, on one connection and in one transaction (the tool uses the parts
-- above, with the volumes on a second connection).
create or replace function metrics.execute_run(p_run_id bigint)
returns jsonb
language plpgsql
as $$
begin
    perform metrics.prepare_run(p_run_id);
    perform metrics.compute_run(p_run_id);
    perform metrics.compute_run_beside(p_run_id);
    return metrics.complete_run(p_run_id);
end;
$$;
comment on function metrics.execute_run(bigint) is 'Computes a run inserted by the tool (status running) in one call: metrics.prepare_run, metrics.compute_run, metrics.compute_run_beside and metrics.complete_run. Raises on any problem (the caller then marks the run failed).';
