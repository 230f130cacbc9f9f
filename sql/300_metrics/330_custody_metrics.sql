-- Case-level metrics about time in custody (population: case x periods whose observed window W is
-- not empty): keywork_regular, pom_contact_regular, sentence_plan_in_place,
-- high_risk_with_probation_pom. One row per observed case x period of a run with each metric's
-- eligible / met (met NULL when not eligible) and the evidence it was decided on, for
-- metrics.fill_case_period_results to store. Reads the run's intermediate layer
-- (intermediate.case_periods, intermediate.contact_gaps) and core's allocations and assessments
-- by joins over the whole run, not a look-up per case. Parameters come from the run row
-- (metrics.run_parameter), read once in a MATERIALIZED CTE.
create or replace function metrics.custody_results(p_run_id bigint)
returns table (
    case_id                   text,
    period_start              date,
    keywork_eligible          boolean,
    keywork_met               boolean,
    keywork_max_gap_days      integer,
    pom_contact_eligible      boolean,
    pom_contact_met           boolean,
    pom_allocations           jsonb,
    sentence_plan_eligible    boolean,
    sentence_plan_met         boolean,
    sentence_plans_counted    integer,
    first_sentence_plan_date  date,
    latest_sentence_plan_date date,
    high_risk_eligible        boolean,
    high_risk_met             boolean,
    responsible               text,
    active_pom_allocations    integer,
    deciding_pom_staff_id     text,
    deciding_pom_staff_role   text,
    deciding_pom_start_date   date
)
language sql
stable
as $$
    with thresholds as materialized (
        select
            metrics.run_parameter(p_run_id, 'keywork_min_window_days')::integer as keywork_min_window_days,
            metrics.run_parameter(p_run_id, 'keywork_max_gap_days')::integer as keywork_max_gap_days_per_week,
            metrics.run_parameter(p_run_id, 'pom_min_window_days')::integer as pom_min_window_days,
            metrics.run_parameter(p_run_id, 'pom_max_gap_days')::integer as pom_max_gap_days,
            metrics.run_parameter(p_run_id, 'sentence_plan_min_days')::integer as sentence_plan_min_days
    ),
    observed_cases as (
        select cp.*
        from intermediate.case_periods as cp
        where cp.run_id = p_run_id
          and not isempty(cp.observed)
    ),
    keywork_gaps as (
        select cg.*
        from intermediate.contact_gaps as cg
        where cg.run_id = p_run_id
          and cg.contact_type = 'keywork_session'
    ),
    pom_contact_gaps as (
        select cg.*
        from intermediate.contact_gaps as cg
        where cg.run_id = p_run_id
          and cg.contact_type = 'pom_contact'
    ),
    pom_allocations_in_window as (
        -- POM allocations active on some day of W
        select
            oc.case_id,
            oc.period_start,
            jsonb_agg(jsonb_build_object(
                    'staff_id', a.staff_id, 'staff_role', a.staff_role,
                    'start_date', a.start_date, 'end_date', a.end_date)
                order by a.start_date, a.staff_id) as allocations
        from observed_cases as oc
        join core.allocations as a
          on a.case_id = oc.case_id
         and a.role = 'pom'
         and a.active_days && oc.observed
        group by oc.case_id, oc.period_start
    ),
    sentence_plans as (
        select
            oc.case_id,
            oc.period_start,
            count(*)::integer as plans_counted,
            min(a.completed_date) as first_plan_date,
            max(a.completed_date) as latest_plan_date
        from observed_cases as oc
        join core.assessments as a
          on a.case_id = oc.case_id
         and a.kind = 'sentence_plan'
         and a.completed_date between oc.sentence_start_date and oc.last_day
        group by oc.case_id, oc.period_start
    ),
    pom_allocations_on_last_day as (
        -- several POM allocations active on pe - 1: the latest start_date, then the highest
        -- staff_id, decides
        select
            oc.case_id,
            oc.period_start,
            a.staff_id,
            a.staff_role,
            a.start_date,
            count(*) over same_case as active_allocations,
            row_number() over (same_case order by a.start_date desc, a.staff_id desc) as decision_order
        from observed_cases as oc
        join core.allocations as a
          on a.case_id = oc.case_id
         and a.role = 'pom'
         and a.active_days @> oc.last_day
        window same_case as (partition by oc.case_id, oc.period_start)
    ),
    deciding_poms as (
        select pl.*
        from pom_allocations_on_last_day as pl
        where pl.decision_order = 1
    ),
    judged as (
        select
            oc.case_id,
            oc.period_start,
            oc.observed_days >= t.keywork_min_window_days as keywork_eligible,
            t.keywork_max_gap_days_per_week * oc.keywork_frequency_weeks as keywork_max_gap_days,
            kg.contact_dates as keywork_dates,
            kg.longest_gap as keywork_longest_gap,
            oc.observed_days >= t.pom_min_window_days and pa.allocations is not null as pom_contact_eligible,
            pg.contact_dates as pom_contact_dates,
            pg.longest_gap as pom_contact_longest_gap,
            t.pom_max_gap_days,
            pa.allocations as pom_allocations,
            oc.in_custody_on_last_day and oc.last_day - oc.sentence_start_date >= t.sentence_plan_min_days as sentence_plan_eligible,
            coalesce(sp.plans_counted, 0) as sentence_plans_counted,
            sp.first_plan_date as first_sentence_plan_date,
            sp.latest_plan_date as latest_sentence_plan_date,
            oc.in_custody_on_last_day and oc.rosh in ('high', 'very_high') as high_risk_in_custody,
            -- asked only where the answer matters; core.responsible_given is inlined, so this is
            -- an expression over the joined handover row, not a function call per case
            case
                when oc.in_custody_on_last_day and oc.rosh in ('high', 'very_high')
                then core.responsible_given(h.handover_date, h.responsible_throughout, oc.last_day)
            end as responsible,
            dp.staff_id as deciding_pom_staff_id,
            dp.staff_role as deciding_pom_staff_role,
            dp.start_date as deciding_pom_start_date,
            coalesce(dp.active_allocations, 0)::integer as active_pom_allocations
        from observed_cases as oc
        cross join thresholds as t
        join keywork_gaps as kg
          on kg.case_id = oc.case_id
         and kg.period_start = oc.period_start
        join pom_contact_gaps as pg
          on pg.case_id = oc.case_id
         and pg.period_start = oc.period_start
        left join pom_allocations_in_window as pa
          on pa.case_id = oc.case_id
         and pa.period_start = oc.period_start
        left join sentence_plans as sp
          on sp.case_id = oc.case_id
         and sp.period_start = oc.period_start
        left join deciding_poms as dp
          on dp.case_id = oc.case_id
         and dp.period_start = oc.period_start
        left join core.case_handover as h
          on h.case_id = oc.case_id
    ),
    final as (
        select
            j.case_id,
            j.period_start,
            j.keywork_eligible,
            case
                when j.keywork_eligible
                then cardinality(j.keywork_dates) > 0 and j.keywork_longest_gap <= j.keywork_max_gap_days
            end as keywork_met,
            j.keywork_max_gap_days,
            j.pom_contact_eligible,
            case
                when j.pom_contact_eligible
                then cardinality(j.pom_contact_dates) > 0 and j.pom_contact_longest_gap <= j.pom_max_gap_days
            end as pom_contact_met,
            j.pom_allocations,
            j.sentence_plan_eligible,
            case when j.sentence_plan_eligible then j.sentence_plans_counted > 0 end as sentence_plan_met,
            j.sentence_plans_counted,
            j.first_sentence_plan_date,
            j.latest_sentence_plan_date,
            coalesce(j.high_risk_in_custody and j.responsible = 'pom' and j.deciding_pom_staff_id is not null, false)
                as high_risk_eligible,
            j.responsible,
            j.active_pom_allocations,
            j.deciding_pom_staff_id,
            j.deciding_pom_staff_role,
            j.deciding_pom_start_date
        from judged as j
    )
    select
        f.case_id,
        f.period_start,
        f.keywork_eligible,
        f.keywork_met,
        f.keywork_max_gap_days,
        f.pom_contact_eligible,
        f.pom_contact_met,
        f.pom_allocations,
        f.sentence_plan_eligible,
        f.sentence_plan_met,
        f.sentence_plans_counted,
        f.first_sentence_plan_date,
        f.latest_sentence_plan_date,
        f.high_risk_eligible,
        case when f.high_risk_eligible then f.deciding_pom_staff_role = 'probation_pom' end,
        f.responsible,
        f.active_pom_allocations,
        f.deciding_pom_staff_id,
        f.deciding_pom_staff_role,
        f.deciding_pom_start_date
    from final as f
$$;
comment on function metrics.custody_results(bigint) is 'keywork_regular, pom_contact_regular, sentence_plan_in_place and high_risk_with_probation_pom per observed case x period of a run (W not empty): eligible, met (NULL when not eligible) and evidence, from intermediate.case_periods and intermediate.contact_gaps.';
