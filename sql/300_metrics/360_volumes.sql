-- Workload volumes (metrics.md "Volumes and workload"), per establishment x calendar month of the
-- run's range whatever its period kind (months cut like the periods: clipped to the range, ending
-- at the latest on as_of + 1, so "the last day of the month" d is period_end - 1). A case's
-- contacts and allocations count at its establishment, staff at theirs. Rollups to prison_group,
-- probation_region and national sum the parts and divide afterwards (never an average of
-- ratios); the parts are stored as measures too, so analysts can regroup them.
--
-- They read core and the run's row only (its range, as_of and scopes), none of the run's other
-- results, so the tool computes them on a second connection while the first computes the case
-- metrics (metrics.compute_run_beside). They go to metrics.pending_volumes; metrics.complete_run
-- moves them into metrics.volumes inside the run's own transaction.
drop function if exists metrics.fill_volumes(bigint);
create or replace function metrics.fill_pending_volumes(p_run_id bigint)
returns bigint
language plpgsql
set work_mem = '256MB'
as $$
declare
    rows_written bigint;
    month_starts date[];
    month_ends date[];
    review_establishments text[];
    step_started constant timestamptz := clock_timestamp();
begin
    delete from metrics.pending_volumes as v where v.run_id = p_run_id;

    -- The months as two arrays, so the statement below is planned knowing how many there are (a
    -- set-returning function of the run row is guessed at 112 rows: for a quarter, every join
    -- was sized 37 times too big, and one hash table of 16 million buckets took most of a second).
    select array_agg(m.period_start order by m.period_start), array_agg(m.period_end order by m.period_start)
      into month_starts, month_ends
      from metrics.runs as r
      cross join lateral metrics.cut_periods('month', r.range_from, r.range_to, r.as_of) as m
     where r.run_id = p_run_id;

    -- A review limited to scopes counts only its establishments (metrics.review_establishments).
    -- As an array: the planner then estimates the review's cases from core.cases' statistics (a
    -- region: a tenth of them) instead of guessing.
    review_establishments := metrics.review_establishments((select r.scopes from metrics.runs as r where r.run_id = p_run_id));

    insert into metrics.pending_volumes (run_id, scope_type, scope_id, period_start, period_end, measure, value)
    with months as (
        select m.period_start, m.period_end, m.period_end - 1 as last_day
        from unnest(month_starts, month_ends) as m (period_start, period_end)
    ),
    establishments_in_review as (
        select e.*
        from core.establishments as e
        where e.establishment_code = any (review_establishments)
    ),
    cases_in_review as not materialized (
        -- inlined where used, so the planner sees core.cases' statistics (case_id unique) rather
        -- than a CTE's guesses: with a materialised CTE it hashed all 340 k allocations to probe
        -- them with a region's 10 k cases
        select c.*
        from core.cases as c
        where c.establishment_code = any (review_establishments)
    ),
    sessions_delivered as (
        -- contact_id is unique in core.contacts: count(*) counts distinct contacts. The months
        -- follow one another (each ends where the next starts), so a contact's month is found
        -- among their first days by width_bucket (a binary search) and the range's contacts are
        -- read once, not once per month (this part alone: a region's quarter 80 -> 45 ms, the
        -- national year 2.3 -> 0.85 s; docs/performance.md)
        select month_starts[width_bucket(ct.contact_date, month_starts)] as period_start, c.establishment_code, count(*) as delivered
        from core.contacts as ct
        join cases_in_review as c
          on c.case_id = ct.case_id
        where ct.contact_type = 'keywork_session'
          and ct.is_completed
          and ct.contact_date >= month_starts[1]
          and ct.contact_date < month_ends[cardinality(month_ends)]
        group by 1, c.establishment_code
    ),
    sessions_expected as (
        -- each case's days in custody in the month / (7 x the establishment's keywork_frequency_weeks)
        select
            m.period_start,
            c.establishment_code,
            -- at scale 30 so that the sum and the ratios built on it round cleanly to 10 places
            sum((upper(w.days) - lower(w.days))::numeric(40, 30) / (7 * e.keywork_frequency_weeks)) as expected
        from months as m
        join cases_in_review as c
          on c.custody_window && daterange(m.period_start, m.period_end)
        join establishments_in_review as e
          on e.establishment_code = c.establishment_code
        cross join lateral (select c.custody_window * daterange(m.period_start, m.period_end) as days) as w
        group by m.period_start, c.establishment_code
    ),
    allocations_on_last_day as (
        -- allocations active on the last day of each month, per case
        select
            m.period_start,
            a.case_id,
            count(*) filter (where a.role = 'pom') as pom_allocations,
            count(*) filter (where a.role = 'pom' and a.staff_role = 'prison_pom') as prison_pom_allocations,
            count(*) filter (where a.role = 'keyworker') as keyworker_allocations
        from months as m
        join core.allocations as a
          on a.active_days @> m.last_day
        -- a join, not IN (select ... from cases_in_review): with IN the planner has once probed
        -- the allocations index case by case instead of making one pass over allocations
        join cases_in_review as cr
          on cr.case_id = a.case_id
        group by m.period_start, a.case_id
    ),
    custody_on_last_day as (
        select
            m.period_start,
            c.establishment_code,
            count(*) as cases_in_custody,
            coalesce(sum(held.pom_allocations), 0) as pom_allocations,
            coalesce(sum(held.prison_pom_allocations), 0) as prison_pom_allocations,
            coalesce(sum(held.keyworker_allocations), 0) as keyworker_allocations,
            count(*) filter (where held.keyworker_allocations > 0) as cases_with_keyworker
        from months as m
        join cases_in_review as c
          on c.custody_window @> m.last_day
        left join allocations_on_last_day as held
          on held.period_start = m.period_start
         and held.case_id = c.case_id
        group by m.period_start, c.establishment_code
    ),
    staff_in_post as (
        select
            m.period_start,
            s.establishment_code,
            sum(s.fte) filter (where s.role in ('prison_pom', 'probation_pom')) as pom_fte,
            sum(s.fte) filter (where s.role = 'spo') as spo_fte,
            count(*) filter (where s.role = 'keyworker') as keyworkers
        from months as m
        join core.staff as s
          on s.start_date <= m.last_day
         and (s.end_date is null or s.end_date >= m.last_day)
        where s.establishment_code in (select ei.establishment_code from establishments_in_review as ei)
        group by m.period_start, s.establishment_code
    ),
    sentence_starts as materialized (
        -- cases whose sentence started in the month, found before their first allocation and
        -- session are looked up (MATERIALIZED, so the look-ups run for these cases only, not for
        -- every case before the month filter)
        select m.period_start, c.case_id, c.establishment_code, c.sentence_start_date
        from months as m
        join cases_in_review as c
          on c.sentence_start_date >= m.period_start
         and c.sentence_start_date < m.period_end
    ),
    new_cases as (
        -- days to their first keyworker allocation and to their first completed keywork session,
        -- over the cases that have one
        select
            c.period_start,
            c.establishment_code,
            count(*) as sentence_starts,
            count(first_keyworker.start_date) as with_keyworker,
            sum(first_keyworker.start_date - c.sentence_start_date) as days_to_keyworker,
            count(first_session.contact_date) as with_keywork,
            sum(first_session.contact_date - c.sentence_start_date) as days_to_first_keywork
        from sentence_starts as c
        cross join lateral (
            select min(a.start_date) as start_date
            from core.allocations as a
            where a.case_id = c.case_id
              and a.role = 'keyworker'
        ) as first_keyworker
        cross join lateral (
            select min(ct.contact_date) as contact_date
            from core.contacts as ct
            where ct.case_id = c.case_id
              and ct.contact_type = 'keywork_session'
              and ct.is_completed
        ) as first_session
        group by c.period_start, c.establishment_code
    ),
    establishment_parts as (
        select
            m.period_start,
            m.period_end,
            e.establishment_code,
            e.prison_group,
            e.probation_region,
            coalesce(sd.delivered, 0) as keywork_sessions_delivered,
            coalesce(se.expected, 0) as keywork_sessions_expected,
            coalesce(cd.cases_in_custody, 0) as cases_in_custody,
            coalesce(cd.pom_allocations, 0) as pom_allocations_on_day,
            coalesce(cd.prison_pom_allocations, 0) as prison_pom_allocations_on_day,
            coalesce(cd.keyworker_allocations, 0) as keyworker_allocations_on_day,
            coalesce(cd.cases_with_keyworker, 0) as cases_with_keyworker_on_day,
            coalesce(sp.pom_fte, 0) as pom_fte_in_post,
            coalesce(sp.spo_fte, 0) as spo_fte_in_post,
            coalesce(sp.keyworkers, 0) as keyworkers_in_post,
            coalesce(nc.sentence_starts, 0) as sentence_starts,
            coalesce(nc.with_keyworker, 0) as sentence_starts_with_keyworker,
            coalesce(nc.days_to_keyworker, 0) as days_to_keyworker_total,
            coalesce(nc.with_keywork, 0) as sentence_starts_with_keywork,
            coalesce(nc.days_to_first_keywork, 0) as days_to_first_keywork_total
        from months as m
        cross join establishments_in_review as e
        left join sessions_delivered as sd on sd.period_start = m.period_start and sd.establishment_code = e.establishment_code
        left join sessions_expected as se on se.period_start = m.period_start and se.establishment_code = e.establishment_code
        left join custody_on_last_day as cd on cd.period_start = m.period_start and cd.establishment_code = e.establishment_code
        left join staff_in_post as sp on sp.period_start = m.period_start and sp.establishment_code = e.establishment_code
        left join new_cases as nc on nc.period_start = m.period_start and nc.establishment_code = e.establishment_code
    ),
    scope_parts as (
        select
            case
                when grouping(ep.establishment_code) = 0 then 'establishment'
                when grouping(ep.prison_group) = 0 then 'prison_group'
                when grouping(ep.probation_region) = 0 then 'probation_region'
                else 'national'
            end as scope_type,
            coalesce(ep.establishment_code, ep.prison_group, ep.probation_region, 'national') as scope_id,
            ep.period_start,
            ep.period_end,
            sum(ep.keywork_sessions_delivered)::numeric as keywork_sessions_delivered,
            sum(ep.keywork_sessions_expected)::numeric as keywork_sessions_expected,
            sum(ep.cases_in_custody)::numeric as cases_in_custody,
            sum(ep.pom_allocations_on_day)::numeric as pom_allocations_on_day,
            sum(ep.prison_pom_allocations_on_day)::numeric as prison_pom_allocations_on_day,
            sum(ep.keyworker_allocations_on_day)::numeric as keyworker_allocations_on_day,
            sum(ep.cases_with_keyworker_on_day)::numeric as cases_with_keyworker_on_day,
            sum(ep.pom_fte_in_post)::numeric as pom_fte_in_post,
            sum(ep.spo_fte_in_post)::numeric as spo_fte_in_post,
            sum(ep.keyworkers_in_post)::numeric as keyworkers_in_post,
            sum(ep.sentence_starts)::numeric as sentence_starts,
            sum(ep.sentence_starts_with_keyworker)::numeric as sentence_starts_with_keyworker,
            sum(ep.days_to_keyworker_total)::numeric as days_to_keyworker_total,
            sum(ep.sentence_starts_with_keywork)::numeric as sentence_starts_with_keywork,
            sum(ep.days_to_first_keywork_total)::numeric as days_to_first_keywork_total
        from establishment_parts as ep
        group by ep.period_start, ep.period_end,
            grouping sets ((ep.establishment_code), (ep.prison_group), (ep.probation_region), ())
    )
    select p_run_id, sp.scope_type, sp.scope_id, sp.period_start, sp.period_end, measure.name,
        trim_scale(round(measure.value, 10))
    from scope_parts as sp
    cross join lateral (
        values
            ('keywork_sessions_delivered', sp.keywork_sessions_delivered),
            ('keywork_sessions_expected', sp.keywork_sessions_expected),
            ('keywork_delivery_rate', sp.keywork_sessions_delivered / nullif(sp.keywork_sessions_expected, 0)),
            ('cases_in_custody', sp.cases_in_custody),
            ('pom_allocations_on_day', sp.pom_allocations_on_day),
            ('pom_fte_in_post', sp.pom_fte_in_post),
            ('pom_caseload_per_fte', sp.pom_allocations_on_day / nullif(sp.pom_fte_in_post, 0)),
            ('prison_pom_allocations_on_day', sp.prison_pom_allocations_on_day),
            ('prison_pom_share', sp.prison_pom_allocations_on_day / nullif(sp.pom_allocations_on_day, 0)),
            ('keyworker_allocations_on_day', sp.keyworker_allocations_on_day),
            ('keyworkers_in_post', sp.keyworkers_in_post),
            ('keyworker_caseload', sp.keyworker_allocations_on_day / nullif(sp.keyworkers_in_post, 0)),
            ('spo_fte_in_post', sp.spo_fte_in_post),
            ('pom_fte_per_spo_fte', sp.pom_fte_in_post / nullif(sp.spo_fte_in_post, 0)),
            ('cases_with_keyworker_on_day', sp.cases_with_keyworker_on_day),
            ('keyworker_assigned_share', sp.cases_with_keyworker_on_day / nullif(sp.cases_in_custody, 0)),
            ('sentence_starts', sp.sentence_starts),
            ('sentence_starts_with_keyworker', sp.sentence_starts_with_keyworker),
            ('days_to_keyworker_total', sp.days_to_keyworker_total),
            ('mean_days_to_keyworker', sp.days_to_keyworker_total / nullif(sp.sentence_starts_with_keyworker, 0)),
            ('sentence_starts_with_keywork', sp.sentence_starts_with_keywork),
            ('days_to_first_keywork_total', sp.days_to_first_keywork_total),
            ('mean_days_to_first_keywork', sp.days_to_first_keywork_total / nullif(sp.sentence_starts_with_keywork, 0))
    ) as measure (name, value);

    get diagnostics rows_written = row_count;
    raise notice 'aggregate: volumes, % rows in % s', rows_written, metrics.seconds_since(step_started);
    return rows_written;
end;
$$;
comment on function metrics.fill_pending_volumes(bigint) is 'Writes a run''s volumes to metrics.pending_volumes (metrics.complete_run moves them into metrics.volumes): the metrics.md workload measures and their parts per establishment x calendar month of the range, rolled up to prison_group, probation_region and national as ratios of summed parts. Returns the rows written.';
