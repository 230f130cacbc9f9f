-- Case-level metrics about time in custody (population: cases whose observed window W = C * P is
-- not empty): keywork_regular, pom_contact_regular, sentence_plan_in_place,
-- high_risk_with_probation_pom. Each evaluate_* function returns one row per case x period with
-- eligible, met (NULL when not eligible) and the evidence, for metrics.fill_case_metrics to store.
-- Parameters come from the run row (metrics.run_parameter), never from SQL text; the CTEs that
-- read them are MATERIALIZED so they are read once, not once per row.

-- The spec's gap rule, set-based for every observed case x period of a run at once (one window
-- function pass instead of a function call per case). For the completed contacts of one type
-- (live ones only when p_live_only) dated inside W, the gaps are the differences between
-- consecutive points of {W.start} + D + {W.end}, W.end being the first day after W: first date -
-- W.start, each date - the one before, W.end - last date. A case is regular for threshold T when
-- D is not empty and longest_gap <= T, so the thresholds stay with the metrics. With no date the
-- longest gap is the whole window. On a tie the earliest longest gap is reported.
create or replace function metrics.contact_gaps(p_run_id bigint, p_contact_type text, p_live_only boolean)
returns table (
    case_id text,
    period_start date,
    contact_dates date[],
    contacts_counted bigint,
    longest_gap integer,
    longest_gap_from date,
    longest_gap_to date
)
language sql
stable
as $$
    with observed_cases as (
        select cp.case_id, cp.period_start, cp.observed
        from metrics.case_periods(p_run_id) as cp
        where not isempty(cp.observed)
    ),
    contacts_in_window as (
        -- contacts find their period by date first (the periods of a run do not overlap), then
        -- their case's window: far fewer pairs than every contact of a case against every period
        select oc.case_id, oc.period_start, ct.contact_id, ct.contact_date
        from core.contacts as ct
        join metrics.run_periods as rp
          on rp.run_id = p_run_id
         and ct.contact_date >= rp.period_start
         and ct.contact_date < rp.period_end
        join observed_cases as oc
          on oc.case_id = ct.case_id
         and oc.period_start = rp.period_start
        where ct.contact_type = p_contact_type
          and ct.is_completed
          and (ct.is_live or not p_live_only)
          and oc.observed @> ct.contact_date
    ),
    contacts_per_case as (
        select
            ciw.case_id,
            ciw.period_start,
            array_agg(distinct ciw.contact_date order by ciw.contact_date) as contact_dates,
            count(distinct ciw.contact_id) as contacts_counted
        from contacts_in_window as ciw
        group by ciw.case_id, ciw.period_start
    ),
    points as (
        -- union all: a repeated point only adds a gap of 0, never the longest (W is not empty)
        select case_id, period_start, lower(observed) as point from observed_cases
        union all
        select case_id, period_start, upper(observed) from observed_cases
        union all
        select case_id, period_start, contact_date from contacts_in_window
    ),
    gaps as (
        select
            p.case_id,
            p.period_start,
            lag(p.point) over (partition by p.case_id, p.period_start order by p.point) as gap_from,
            p.point as gap_to
        from points as p
    ),
    longest_gaps as (
        select distinct on (g.case_id, g.period_start)
            g.case_id,
            g.period_start,
            g.gap_to - g.gap_from as longest_gap,
            g.gap_from as longest_gap_from,
            g.gap_to as longest_gap_to
        from gaps as g
        where g.gap_from is not null
        order by g.case_id, g.period_start, g.gap_to - g.gap_from desc, g.gap_from
    )
    select
        lg.case_id,
        lg.period_start,
        coalesce(cpc.contact_dates, '{}'),
        coalesce(cpc.contacts_counted, 0),
        lg.longest_gap,
        lg.longest_gap_from,
        lg.longest_gap_to
    from longest_gaps as lg
    left join contacts_per_case as cpc
      on cpc.case_id = lg.case_id
     and cpc.period_start = lg.period_start
$$;
comment on function metrics.contact_gaps(bigint, text, boolean) is 'metrics.md gap rule inputs per observed case x period of a run, for one contact_type (completed; live only when asked): the distinct contact dates in W, contacts counted, and the longest gap (first date - W.start, between dates, W.end - last date; the whole window when there is no date) with where it fell. Regular for T = dates not empty and longest_gap <= T.';

create or replace function metrics.evaluate_keywork_regular(p_run_id bigint)
returns table (metric text, case_id text, period_start date, period_end date, eligible boolean, met boolean, detail jsonb)
language sql
stable
as $$
    with thresholds as materialized (
        select
            metrics.run_parameter(p_run_id, 'keywork_min_window_days')::integer as min_window_days,
            metrics.run_parameter(p_run_id, 'keywork_max_gap_days')::integer as max_gap_days_per_week
    ),
    observed_cases as (
        select
            cp.case_id,
            cp.period_start,
            cp.period_end,
            cp.observed,
            upper(cp.observed) - lower(cp.observed) as observed_days,
            e.keywork_frequency_weeks,
            t.min_window_days,
            t.max_gap_days_per_week * e.keywork_frequency_weeks as max_gap_days
        from metrics.case_periods(p_run_id) as cp
        join core.establishments as e
          on e.establishment_code = cp.establishment_code
        cross join thresholds as t
        where not isempty(cp.observed)
    ),
    session_gaps as (
        select * from metrics.contact_gaps(p_run_id, 'keywork_session', false)
    )
    select
        'keywork_regular',
        oc.case_id,
        oc.period_start,
        oc.period_end,
        oc.observed_days >= oc.min_window_days,
        case
            when oc.observed_days >= oc.min_window_days
            then cardinality(sg.contact_dates) > 0 and sg.longest_gap <= oc.max_gap_days
        end,
        jsonb_build_object(
            'observed_start', lower(oc.observed),
            'observed_end', upper(oc.observed),
            'observed_days', oc.observed_days,
            'min_window_days', oc.min_window_days,
            'keywork_frequency_weeks', oc.keywork_frequency_weeks,
            'max_gap_days', oc.max_gap_days,
            'session_dates', to_jsonb(sg.contact_dates),
            'sessions_counted', sg.contacts_counted,
            'longest_gap_days', sg.longest_gap,
            'longest_gap_from', sg.longest_gap_from,
            'longest_gap_to', sg.longest_gap_to
        )
    from observed_cases as oc
    join session_gaps as sg
      on sg.case_id = oc.case_id
     and sg.period_start = oc.period_start
$$;
comment on function metrics.evaluate_keywork_regular(bigint) is 'keywork_regular per case x period: eligible when |W| >= keywork_min_window_days; met by the gap rule over completed keywork_session dates in W with T = keywork_max_gap_days x keywork_frequency_weeks.';

create or replace function metrics.evaluate_pom_contact_regular(p_run_id bigint)
returns table (metric text, case_id text, period_start date, period_end date, eligible boolean, met boolean, detail jsonb)
language sql
stable
as $$
    with thresholds as materialized (
        select
            metrics.run_parameter(p_run_id, 'pom_min_window_days')::integer as min_window_days,
            metrics.run_parameter(p_run_id, 'pom_max_gap_days')::integer as max_gap_days
    ),
    observed_cases as (
        select
            cp.case_id,
            cp.period_start,
            cp.period_end,
            cp.observed,
            upper(cp.observed) - lower(cp.observed) as observed_days,
            t.min_window_days,
            t.max_gap_days,
            pom.allocations as pom_allocations
        from metrics.case_periods(p_run_id) as cp
        cross join thresholds as t
        -- POM allocations active on some day of W
        cross join lateral (
            select jsonb_agg(jsonb_build_object(
                       'staff_id', a.staff_id, 'staff_role', a.staff_role,
                       'start_date', a.start_date, 'end_date', a.end_date)
                   order by a.start_date, a.staff_id) as allocations
            from core.allocations as a
            where a.case_id = cp.case_id
              and a.role = 'pom'
              and a.active_days && cp.observed
        ) as pom
        where not isempty(cp.observed)
    ),
    contact_gaps as (
        select * from metrics.contact_gaps(p_run_id, 'pom_contact', true)
    ),
    eligibility as (
        select oc.*, oc.observed_days >= oc.min_window_days and oc.pom_allocations is not null as eligible
        from observed_cases as oc
    )
    select
        'pom_contact_regular',
        el.case_id,
        el.period_start,
        el.period_end,
        el.eligible,
        case when el.eligible then cardinality(cg.contact_dates) > 0 and cg.longest_gap <= el.max_gap_days end,
        jsonb_build_object(
            'observed_start', lower(el.observed),
            'observed_end', upper(el.observed),
            'observed_days', el.observed_days,
            'min_window_days', el.min_window_days,
            'pom_allocations', coalesce(el.pom_allocations, '[]'::jsonb),
            'max_gap_days', el.max_gap_days,
            'contact_dates', to_jsonb(cg.contact_dates),
            'contacts_counted', cg.contacts_counted,
            'longest_gap_days', cg.longest_gap,
            'longest_gap_from', cg.longest_gap_from,
            'longest_gap_to', cg.longest_gap_to
        )
    from eligibility as el
    join contact_gaps as cg
      on cg.case_id = el.case_id
     and cg.period_start = el.period_start
$$;
comment on function metrics.evaluate_pom_contact_regular(bigint) is 'pom_contact_regular per case x period: eligible when |W| >= pom_min_window_days and a POM allocation overlaps W; met by the gap rule over completed live pom_contact dates in W with T = pom_max_gap_days.';

create or replace function metrics.evaluate_sentence_plan_in_place(p_run_id bigint)
returns table (metric text, case_id text, period_start date, period_end date, eligible boolean, met boolean, detail jsonb)
language sql
stable
as $$
    with thresholds as materialized (
        select metrics.run_parameter(p_run_id, 'sentence_plan_min_days')::integer as min_days
    ),
    observed_cases as (
        select
            cp.*,
            cp.last_day - cp.sentence_start_date as days_since_sentence_start,
            cp.in_custody_on_last_day and cp.last_day - cp.sentence_start_date >= t.min_days as eligible,
            t.min_days
        from metrics.case_periods(p_run_id) as cp
        cross join thresholds as t
        where not isempty(cp.observed)
    )
    select
        'sentence_plan_in_place',
        oc.case_id,
        oc.period_start,
        oc.period_end,
        oc.eligible,
        case when oc.eligible then plans.plans_counted > 0 end,
        jsonb_build_object(
            'on_day', oc.last_day,
            'in_custody_on_day', oc.in_custody_on_last_day,
            'sentence_start_date', oc.sentence_start_date,
            'days_since_sentence_start', oc.days_since_sentence_start,
            'min_days', oc.min_days,
            'sentence_plans_counted', plans.plans_counted,
            'first_sentence_plan_date', plans.first_plan_date,
            'latest_sentence_plan_date', plans.latest_plan_date
        )
    from observed_cases as oc
    cross join lateral (
        select count(*) as plans_counted, min(a.completed_date) as first_plan_date, max(a.completed_date) as latest_plan_date
        from core.assessments as a
        where a.case_id = oc.case_id
          and a.kind = 'sentence_plan'
          and a.completed_date between oc.sentence_start_date and oc.last_day
    ) as plans
$$;
comment on function metrics.evaluate_sentence_plan_in_place(bigint) is 'sentence_plan_in_place per case x period: eligible when in custody on pe-1 and (pe-1) - sentence_start_date >= sentence_plan_min_days; met by a sentence_plan completed between sentence start and pe-1.';

create or replace function metrics.evaluate_high_risk_with_probation_pom(p_run_id bigint)
returns table (metric text, case_id text, period_start date, period_end date, eligible boolean, met boolean, detail jsonb)
language sql
stable
as $$
    with observed_cases as (
        select
            cp.*,
            -- asked only where the answer matters (one function call per case is the costly part)
            case
                when cp.in_custody_on_last_day and cp.rosh in ('high', 'very_high')
                then core.responsible_on(cp.case_id, cp.last_day)
            end as responsible
        from metrics.case_periods(p_run_id) as cp
        where not isempty(cp.observed)
    ),
    deciding_allocations as (
        select
            oc.*,
            pom.staff_id as pom_staff_id,
            pom.staff_role as pom_staff_role,
            pom.start_date as pom_start_date,
            pom.active_allocations,
            coalesce(oc.in_custody_on_last_day
                     and oc.responsible = 'pom'
                     and oc.rosh in ('high', 'very_high')
                     and pom.staff_id is not null, false) as eligible
        from observed_cases as oc
        -- several POM allocations active on pe-1: the latest start_date, then the highest staff_id, decides
        left join lateral (
            select
                a.staff_id,
                a.staff_role,
                a.start_date,
                count(*) over () as active_allocations
            from core.allocations as a
            where a.case_id = oc.case_id
              and a.role = 'pom'
              and a.active_days @> oc.last_day
            order by a.start_date desc, a.staff_id desc
            limit 1
        ) as pom on true
    )
    select
        'high_risk_with_probation_pom',
        da.case_id,
        da.period_start,
        da.period_end,
        da.eligible,
        case when da.eligible then da.pom_staff_role = 'probation_pom' end,
        jsonb_build_object(
            'on_day', da.last_day,
            'in_custody_on_day', da.in_custody_on_last_day,
            'responsible', da.responsible,
            'rosh', da.rosh,
            'active_pom_allocations', coalesce(da.active_allocations, 0),
            'deciding_pom_staff_id', da.pom_staff_id,
            'deciding_pom_staff_role', da.pom_staff_role,
            'deciding_pom_start_date', da.pom_start_date
        )
    from deciding_allocations as da
$$;
comment on function metrics.evaluate_high_risk_with_probation_pom(bigint) is 'high_risk_with_probation_pom per case x period: eligible when in custody on pe-1, POM responsible that day, rosh high or very_high and a POM allocation active that day; met when the deciding allocation (latest start_date, then highest staff_id) is held by a probation_pom.';
