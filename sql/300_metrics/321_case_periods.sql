-- intermediate.case_periods for one run: the case x period frame every case-level metric starts
-- from. A case is in a period's frame when its custody window meets the period or it was released
-- in it. A review limited to scopes keeps only the cases that count in a listed scope (so a
-- listed scope's figures are its own cases', and nothing else is computed). Returns the rows
-- written.
create or replace function intermediate.fill_case_periods(p_run_id bigint, p_scopes jsonb)
returns bigint
language plpgsql
-- the review's cases are a hashed subplan (inside an OR, IN cannot become a semi-join): memory
-- enough to keep it hashed when this is called on its own, not only from execute_run
set work_mem = '256MB'
as $$
declare
    rows_written bigint;
    every_scope boolean := metrics.scope_in_review(p_scopes, 'national', 'national');
    listed record;
    review_cases text[] := '{}';
begin
    -- The cases counting in the listed scopes, one scope at a time: each question is planned
    -- with its scope's values (plpgsql's custom plans, which a command's first calls get), so
    -- core.case_scopes comes down to one filter on core.cases (a region: 10 k cases in one pass,
    -- where joining the list to the view unfolded 450 k scope rows). A generic plan, should one
    -- be chosen, gives the same cases.
    if not every_scope then
        for listed in select ls.scope_type, ls.scope_id from metrics.listed_scopes(p_scopes) as ls
        loop
            review_cases := review_cases || array(
                select cs.case_id from core.case_scopes as cs
                where cs.scope_type = listed.scope_type and cs.scope_id = listed.scope_id);
        end loop;
    end if;

    delete from intermediate.case_periods as cp where cp.run_id = p_run_id;

    insert into intermediate.case_periods (
        run_id, case_id, period_start, period_end, prisoner_id, establishment_code, release_region,
        sentence_type, sentence_start_date, release_date, rosh, keywork_frequency_weeks,
        observed, observed_days, last_day, in_custody_on_last_day, released_in_period
    )
    with periods as (
        select rp.period_start, rp.period_end, daterange(rp.period_start, rp.period_end) as days
        from metrics.run_periods as rp
        where rp.run_id = p_run_id
    ),
    cases_in_review as (
        select c.*
        from core.cases as c
        where every_scope
           or c.case_id in (select rc.case_id from unnest(review_cases) as rc (case_id))
    ),
    framed as (
        select
            p.period_start,
            p.period_end,
            c.case_id,
            c.prisoner_id,
            c.establishment_code,
            c.release_region,
            c.sentence_type,
            c.sentence_start_date,
            c.release_date,
            c.rosh,
            c.custody_window * p.days as observed,
            p.period_end - 1 as last_day,
            c.custody_window @> (p.period_end - 1) as in_custody_on_last_day,
            coalesce(c.release_date >= p.period_start and c.release_date < p.period_end, false) as released_in_period
        from periods as p
        join cases_in_review as c
          on c.custody_window && p.days
          or (c.release_date >= p.period_start and c.release_date < p.period_end)
    )
    select
        p_run_id,
        f.case_id,
        f.period_start,
        f.period_end,
        f.prisoner_id,
        f.establishment_code,
        f.release_region,
        f.sentence_type,
        f.sentence_start_date,
        f.release_date,
        f.rosh,
        e.keywork_frequency_weeks,
        f.observed,
        coalesce(upper(f.observed) - lower(f.observed), 0),
        f.last_day,
        f.in_custody_on_last_day,
        f.released_in_period
    from framed as f
    join core.establishments as e
      on e.establishment_code = f.establishment_code
    -- in key order, so the primary key index is appended to rather than split
    order by f.case_id, f.period_start;

    get diagnostics rows_written = row_count;
    -- the metric queries join on these rows: the planner must know how many there are
    perform metrics.analyze_run_partition('intermediate.case_periods', p_run_id,
        array['run_id', 'case_id', 'period_start', 'released_in_period', 'in_custody_on_last_day', 'establishment_code', 'release_region']);
    return rows_written;
end;
$$;
comment on function intermediate.fill_case_periods(bigint, jsonb) is 'Writes intermediate.case_periods for a run: every case (counting in one of p_scopes, when given) in custody on some day of a period or released in it, with W = custody_window * [ps, pe), |W|, pe - 1, in custody on pe - 1, released in P. Returns the rows written.';
