-- metrics.case_metrics: one row per case x period x metric of a run, with the evidence, as
-- analysts, the inspection sample and case files read it. It presents
-- metrics.case_period_results (one row per case x period, all thirteen results) and the run's
-- intermediate layer; the evidence is built here from stored facts only (the run's rows and
-- parameters), so it never changes after the run. Runs computed before schema step 6 keep their
-- stored rows (metrics.case_metrics_before_v6).
create or replace view metrics.case_metrics as
with results as (
    select
        r.*,
        cp.period_end,
        cp.sentence_start_date,
        cp.release_date,
        cp.rosh,
        cp.keywork_frequency_weeks,
        cp.observed,
        cp.observed_days,
        cp.last_day,
        cp.in_custody_on_last_day,
        ru.parameters,
        ru.as_of,
        -- every released case is eligible for the five resettlement metrics
        case when cp.released_in_period then true end as resettlement_eligible,
        -- the five resettlement metrics show the same release outcome row
        case when cp.released_in_period then jsonb_build_object(
            'release_date', cp.release_date,
            'release_outcome_recorded', r.release_outcome_recorded,
            'accommodation', r.accommodation,
            'has_id', r.has_id,
            'has_bank_account', r.has_bank_account,
            'ete_arranged', r.ete_arranged)
        end as release_outcome_detail
    from metrics.case_period_results as r
    join intermediate.case_periods as cp
      on cp.run_id = r.run_id
     and cp.case_id = r.case_id
     and cp.period_start = r.period_start
    join metrics.runs as ru
      on ru.run_id = r.run_id
),
presented as (
    select
        rs.run_id,
        metric.name as metric,
        rs.period_start,
        rs.period_end,
        rs.case_id,
        metric.eligible,
        metric.met,
        metric.detail
    from results as rs
    left join intermediate.contact_gaps as kg
      on kg.run_id = rs.run_id
     and kg.case_id = rs.case_id
     and kg.period_start = rs.period_start
     and kg.contact_type = 'keywork_session'
    left join intermediate.contact_gaps as pg
      on pg.run_id = rs.run_id
     and pg.case_id = rs.case_id
     and pg.period_start = rs.period_start
     and pg.contact_type = 'pom_contact'
    cross join lateral (
        values
        ('keywork_regular', rs.keywork_eligible, rs.keywork_met, jsonb_build_object(
            'observed_start', lower(rs.observed),
            'observed_end', upper(rs.observed),
            'observed_days', rs.observed_days,
            'min_window_days', (rs.parameters ->> 'keywork_min_window_days')::integer,
            'keywork_frequency_weeks', rs.keywork_frequency_weeks,
            'max_gap_days', rs.keywork_max_gap_days,
            'session_dates', to_jsonb(kg.contact_dates),
            'sessions_counted', kg.contacts_counted,
            'longest_gap_days', kg.longest_gap,
            'longest_gap_from', kg.longest_gap_from,
            'longest_gap_to', kg.longest_gap_to)),
        ('pom_contact_regular', rs.pom_contact_eligible, rs.pom_contact_met, jsonb_build_object(
            'observed_start', lower(rs.observed),
            'observed_end', upper(rs.observed),
            'observed_days', rs.observed_days,
            'min_window_days', (rs.parameters ->> 'pom_min_window_days')::integer,
            'pom_allocations', coalesce(rs.pom_allocations, '[]'::jsonb),
            'max_gap_days', (rs.parameters ->> 'pom_max_gap_days')::integer,
            'contact_dates', to_jsonb(pg.contact_dates),
            'contacts_counted', pg.contacts_counted,
            'longest_gap_days', pg.longest_gap,
            'longest_gap_from', pg.longest_gap_from,
            'longest_gap_to', pg.longest_gap_to)),
        ('sentence_plan_in_place', rs.sentence_plan_eligible, rs.sentence_plan_met, jsonb_build_object(
            'on_day', rs.last_day,
            'in_custody_on_day', rs.in_custody_on_last_day,
            'sentence_start_date', rs.sentence_start_date,
            'days_since_sentence_start', rs.last_day - rs.sentence_start_date,
            'min_days', (rs.parameters ->> 'sentence_plan_min_days')::integer,
            'sentence_plans_counted', rs.sentence_plans_counted,
            'first_sentence_plan_date', rs.first_sentence_plan_date,
            'latest_sentence_plan_date', rs.latest_sentence_plan_date)),
        ('high_risk_with_probation_pom', rs.high_risk_eligible, rs.high_risk_met, jsonb_build_object(
            'on_day', rs.last_day,
            'in_custody_on_day', rs.in_custody_on_last_day,
            'responsible', rs.responsible,
            'rosh', rs.rosh,
            'active_pom_allocations', rs.active_pom_allocations,
            'deciding_pom_staff_id', rs.deciding_pom_staff_id,
            'deciding_pom_staff_role', rs.deciding_pom_staff_role,
            'deciding_pom_start_date', rs.deciding_pom_start_date)),
        ('handover_on_time', rs.handover_on_time_eligible, rs.handover_on_time_met, jsonb_build_object(
            'release_date', rs.release_date,
            'handover_date', rs.handover_date,
            'handover_reason', rs.handover_reason,
            'first_com_staff_id', rs.first_com_staff_id,
            'first_com_start_date', rs.first_com_start_date)),
        ('communication_adequate', rs.communication_eligible, rs.communication_met, jsonb_build_object(
            'release_date', rs.release_date,
            'first_com_start_date', rs.first_com_start_date,
            'handover_date', rs.handover_date,
            'handover_reason', rs.handover_reason,
            'prerelease_window_start', rs.prerelease_window_start,
            'prerelease_window_end', rs.release_date,
            'prerelease_contacts', coalesce(rs.prerelease_liaison_contacts, '[]'::jsonb),
            'prerelease_met', rs.prerelease_liaison_met,
            'handover_rule_applies', rs.handover_window_first_day is not null,
            'handover_window_first_day', rs.handover_window_first_day,
            'handover_window_last_day', rs.handover_window_last_day,
            'handover_contacts', coalesce(rs.handover_liaison_contacts, '[]'::jsonb),
            'handover_met', rs.handover_liaison_met)),
        ('prerelease_contact_sufficient', rs.prerelease_contact_eligible, rs.prerelease_contact_met, jsonb_build_object(
            'release_date', rs.release_date,
            'window_start', rs.prerelease_window_start,
            'window_end', rs.release_date,
            'min_contacts', (rs.parameters ->> 'prerelease_min_contacts')::integer,
            'contacts_counted', rs.prerelease_contacts_counted,
            'live_contacts', rs.prerelease_live_contacts,
            'contacts', coalesce(rs.prerelease_contacts, '[]'::jsonb))),
        ('accommodation_on_release', rs.resettlement_eligible, rs.accommodation_met, rs.release_outcome_detail),
        ('settled_accommodation_on_release', rs.resettlement_eligible, rs.settled_accommodation_met, rs.release_outcome_detail),
        ('id_on_release', rs.resettlement_eligible, rs.id_met, rs.release_outcome_detail),
        ('bank_account_on_release', rs.resettlement_eligible, rs.bank_account_met, rs.release_outcome_detail),
        ('ete_on_release', rs.resettlement_eligible, rs.ete_met, rs.release_outcome_detail),
        ('recalled_within_28_days', rs.recall_eligible, rs.recall_met, jsonb_build_object(
            'release_date', rs.release_date,
            'follow_up_until', rs.recall_follow_up_until,
            'as_of', rs.as_of,
            'recall_case_id', rs.recall_case_id,
            'recall_start_date', rs.recall_start_date,
            'days_to_recall', rs.recall_start_date - rs.release_date))
    ) as metric (name, eligible, met, detail)
    -- a NULL eligibility is a case outside the metric's population (not in custody in the
    -- period, or not released in it): no row
    where metric.eligible is not null
)
select * from presented
union all
select cm.run_id, cm.metric, cm.period_start, cm.period_end, cm.case_id, cm.eligible, cm.met, cm.detail
from metrics.case_metrics_before_v6 as cm;
comment on view metrics.case_metrics is 'One row per case x period x metric for every case in the metric''s population (see metric_definitions.population): whether it is eligible (denominator), whether it met the standard (numerator), and the evidence. Rates are counts of these rows. A view of metrics.case_period_results and the run''s intermediate layer (schema step 6).';
comment on column metrics.case_metrics.run_id is 'The run.';
comment on column metrics.case_metrics.metric is 'Metric name (metrics.metric_definitions).';
comment on column metrics.case_metrics.period_start is 'First day of the review period (ps).';
comment on column metrics.case_metrics.period_end is 'First day after the review period as analysed (pe, exclusive).';
comment on column metrics.case_metrics.case_id is 'The case (core.cases).';
comment on column metrics.case_metrics.eligible is 'True when the case counts in the metric''s denominator for the period.';
comment on column metrics.case_metrics.met is 'True/false: the case met / did not meet the standard (numerator). NULL when not eligible.';
comment on column metrics.case_metrics.detail is 'Evidence for an inspector, keys by metric: observed window and days, the longest gap and where it fell, the dates and contacts counted, the handover date and rule, the deciding allocation, the release outcome, the recall case. Dates are ISO strings; "*_end" dates are exclusive (first day after).';
