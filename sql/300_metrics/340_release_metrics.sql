-- Case-level metrics about release (population: cases released in P, ps <= release_date < pe):
-- handover_on_time, communication_adequate, prerelease_contact_sufficient, the five resettlement
-- metrics and recalled_within_28_days. Same shape as 330_custody_metrics.sql.

create or replace function metrics.evaluate_handover_on_time(p_run_id bigint)
returns table (metric text, case_id text, period_start date, period_end date, eligible boolean, met boolean, detail jsonb)
language sql
stable
as $$
    with released_cases as (
        select
            cp.*,
            h.handover_date,
            h.reason as handover_reason,
            coalesce(h.handover_date < cp.release_date, false) as eligible
        from metrics.case_periods(p_run_id) as cp
        left join core.case_handover as h
          on h.case_id = cp.case_id
        where cp.released_in_period
    )
    select
        'handover_on_time',
        rc.case_id,
        rc.period_start,
        rc.period_end,
        rc.eligible,
        case when rc.eligible then coalesce(com.start_date <= rc.handover_date, false) end,
        jsonb_build_object(
            'release_date', rc.release_date,
            'handover_date', rc.handover_date,
            'handover_reason', rc.handover_reason,
            'first_com_staff_id', com.staff_id,
            'first_com_start_date', com.start_date
        )
    from released_cases as rc
    -- a COM allocation with start_date <= handover date exists iff the earliest one qualifies
    left join lateral (
        select a.staff_id, a.start_date
        from core.allocations as a
        where a.case_id = rc.case_id
          and a.role = 'com'
        order by a.start_date, a.staff_id
        limit 1
    ) as com on true
$$;
comment on function metrics.evaluate_handover_on_time(bigint) is 'handover_on_time per released case x period: eligible when the handover date is not NULL and before release_date; met when a COM allocation started on or before the handover date.';

create or replace function metrics.evaluate_communication_adequate(p_run_id bigint)
returns table (metric text, case_id text, period_start date, period_end date, eligible boolean, met boolean, detail jsonb)
language sql
stable
as $$
    with thresholds as materialized (
        select
            metrics.run_parameter(p_run_id, 'prerelease_window_days')::integer as prerelease_window_days,
            metrics.run_parameter(p_run_id, 'liaison_before_handover_days')::integer as before_handover_days,
            metrics.run_parameter(p_run_id, 'liaison_after_handover_days')::integer as after_handover_days
    ),
    released_cases as (
        select
            cp.case_id,
            cp.period_start,
            cp.period_end,
            cp.release_date,
            h.handover_date,
            h.reason as handover_reason,
            cp.release_date - t.prerelease_window_days as prerelease_from,
            -- (b) applies only when there is a handover date before release
            case when h.handover_date < cp.release_date then h.handover_date - t.before_handover_days end as handover_window_from,
            case when h.handover_date < cp.release_date then h.handover_date + t.after_handover_days end as handover_window_to,
            (select min(a.start_date) from core.allocations as a where a.case_id = cp.case_id and a.role = 'com') as first_com_start_date
        from metrics.case_periods(p_run_id) as cp
        cross join thresholds as t
        left join core.case_handover as h
          on h.case_id = cp.case_id
        where cp.released_in_period
    ),
    liaison_contacts as (
        select
            rc.case_id,
            rc.period_start,
            jsonb_agg(jsonb_build_object('contact_id', ct.contact_id, 'contact_type', ct.contact_type, 'contact_date', ct.contact_date)
                      order by ct.contact_date, ct.contact_id)
                filter (where ct.contact_date >= rc.prerelease_from and ct.contact_date < rc.release_date) as prerelease_contacts,
            jsonb_agg(jsonb_build_object('contact_id', ct.contact_id, 'contact_type', ct.contact_type, 'contact_date', ct.contact_date)
                      order by ct.contact_date, ct.contact_id)
                filter (where ct.contact_date between rc.handover_window_from and rc.handover_window_to) as handover_contacts
        from released_cases as rc
        join core.contacts as ct
          on ct.case_id = rc.case_id
         and ct.contact_type in ('pom_com_liaison', 'handover_meeting')
        where ct.is_completed
        group by rc.case_id, rc.period_start
    ),
    judged as (
        select
            rc.*,
            rc.first_com_start_date < rc.release_date as com_allocated_before_release,
            lc.prerelease_contacts,
            lc.handover_contacts,
            lc.prerelease_contacts is not null as prerelease_met,
            rc.handover_window_from is not null as handover_applies,
            rc.handover_window_from is null or lc.handover_contacts is not null as handover_met
        from released_cases as rc
        left join liaison_contacts as lc
          on lc.case_id = rc.case_id
         and lc.period_start = rc.period_start
    )
    select
        'communication_adequate',
        j.case_id,
        j.period_start,
        j.period_end,
        coalesce(j.com_allocated_before_release, false),
        case when j.com_allocated_before_release then j.prerelease_met and j.handover_met end,
        jsonb_build_object(
            'release_date', j.release_date,
            'first_com_start_date', j.first_com_start_date,
            'handover_date', j.handover_date,
            'handover_reason', j.handover_reason,
            'prerelease_window_start', j.prerelease_from,
            'prerelease_window_end', j.release_date,
            'prerelease_contacts', coalesce(j.prerelease_contacts, '[]'::jsonb),
            'prerelease_met', j.prerelease_met,
            'handover_rule_applies', j.handover_applies,
            'handover_window_first_day', j.handover_window_from,
            'handover_window_last_day', j.handover_window_to,
            'handover_contacts', coalesce(j.handover_contacts, '[]'::jsonb),
            'handover_met', j.handover_met
        )
    from judged as j
$$;
comment on function metrics.evaluate_communication_adequate(bigint) is 'communication_adequate per released case x period: eligible when a COM allocation started before release_date; met when a completed pom_com_liaison or handover_meeting falls in [release - prerelease_window_days, release) and, when the handover date is before release, one falls in [handover - liaison_before_handover_days, handover + liaison_after_handover_days].';

create or replace function metrics.evaluate_prerelease_contact_sufficient(p_run_id bigint)
returns table (metric text, case_id text, period_start date, period_end date, eligible boolean, met boolean, detail jsonb)
language sql
stable
as $$
    with thresholds as materialized (
        select
            metrics.run_parameter(p_run_id, 'prerelease_window_days')::integer as window_days,
            metrics.run_parameter(p_run_id, 'prerelease_min_contacts')::integer as min_contacts
    ),
    released_cases as (
        select
            cp.case_id,
            cp.period_start,
            cp.period_end,
            cp.release_date,
            cp.release_date - t.window_days as window_start,
            t.min_contacts
        from metrics.case_periods(p_run_id) as cp
        cross join thresholds as t
        where cp.released_in_period
    ),
    window_contacts as (
        select
            rc.case_id,
            rc.period_start,
            count(distinct ct.contact_id) as contacts_counted,
            count(distinct ct.contact_id) filter (where ct.is_live) as live_contacts,
            jsonb_agg(jsonb_build_object('contact_id', ct.contact_id, 'contact_type', ct.contact_type,
                                         'contact_date', ct.contact_date, 'channel', ct.channel)
                      order by ct.contact_date, ct.contact_id) as contacts
        from released_cases as rc
        join core.contacts as ct
          on ct.case_id = rc.case_id
         and ct.contact_type in ('com_contact', 'handover_meeting')
         and ct.contact_date >= rc.window_start
         and ct.contact_date < rc.release_date
        where ct.is_completed
          and ct.channel <> 'written'
        group by rc.case_id, rc.period_start
    )
    select
        'prerelease_contact_sufficient',
        rc.case_id,
        rc.period_start,
        rc.period_end,
        true,
        coalesce(wc.contacts_counted >= rc.min_contacts and wc.live_contacts > 0, false),
        jsonb_build_object(
            'release_date', rc.release_date,
            'window_start', rc.window_start,
            'window_end', rc.release_date,
            'min_contacts', rc.min_contacts,
            'contacts_counted', coalesce(wc.contacts_counted, 0),
            'live_contacts', coalesce(wc.live_contacts, 0),
            'contacts', coalesce(wc.contacts, '[]'::jsonb)
        )
    from released_cases as rc
    left join window_contacts as wc
      on wc.case_id = rc.case_id
     and wc.period_start = rc.period_start
$$;
comment on function metrics.evaluate_prerelease_contact_sufficient(bigint) is 'prerelease_contact_sufficient per released case x period: met with at least prerelease_min_contacts completed, non-written com_contact or handover_meeting contacts in [release - prerelease_window_days, release), at least one live.';

-- The five resettlement metrics read the same release outcome row; a released case without one is
-- eligible and not met for all five.
create or replace function metrics.evaluate_release_outcomes(p_run_id bigint)
returns table (metric text, case_id text, period_start date, period_end date, eligible boolean, met boolean, detail jsonb)
language sql
stable
as $$
    select
        outcome.metric,
        cp.case_id,
        cp.period_start,
        cp.period_end,
        true,
        coalesce(outcome.met, false),
        jsonb_build_object(
            'release_date', cp.release_date,
            'release_outcome_recorded', ro.case_id is not null,
            'accommodation', ro.accommodation,
            'has_id', ro.has_id,
            'has_bank_account', ro.has_bank_account,
            'ete_arranged', ro.ete_arranged
        )
    from metrics.case_periods(p_run_id) as cp
    left join core.release_outcomes as ro
      on ro.case_id = cp.case_id
    cross join lateral (
        values
            ('accommodation_on_release', ro.accommodation in ('settled', 'temporary', 'approved_premises')),
            ('settled_accommodation_on_release', ro.accommodation = 'settled'),
            ('id_on_release', ro.has_id),
            ('bank_account_on_release', ro.has_bank_account),
            ('ete_on_release', ro.ete_arranged)
    ) as outcome (metric, met)
    where cp.released_in_period
$$;
comment on function metrics.evaluate_release_outcomes(bigint) is 'The five resettlement metrics per released case x period (accommodation_on_release, settled_accommodation_on_release, id_on_release, bank_account_on_release, ete_on_release): all eligible; met from core.release_outcomes; no outcome row = not met.';

create or replace function metrics.evaluate_recalled_within_28_days(p_run_id bigint)
returns table (metric text, case_id text, period_start date, period_end date, eligible boolean, met boolean, detail jsonb)
language sql
stable
as $$
    with follow_up as materialized (
        select
            r.as_of,
            metrics.run_parameter(p_run_id, 'recall_window_days')::integer as window_days
        from metrics.runs as r
        where r.run_id = p_run_id
    ),
    released_cases as (
        select
            cp.*,
            cp.release_date + f.window_days as follow_up_until,
            cp.release_date + f.window_days <= f.as_of as eligible,
            f.as_of
        from metrics.case_periods(p_run_id) as cp
        cross join follow_up as f
        where cp.released_in_period
    )
    select
        'recalled_within_28_days',
        rc.case_id,
        rc.period_start,
        rc.period_end,
        rc.eligible,
        case when rc.eligible then recall.case_id is not null end,
        jsonb_build_object(
            'release_date', rc.release_date,
            'follow_up_until', rc.follow_up_until,
            'as_of', rc.as_of,
            'recall_case_id', recall.case_id,
            'recall_start_date', recall.sentence_start_date,
            'days_to_recall', recall.sentence_start_date - rc.release_date
        )
    from released_cases as rc
    -- the first recall episode of the same prisoner starting within the window after release
    left join lateral (
        select c.case_id, c.sentence_start_date
        from core.cases as c
        where c.prisoner_id = rc.prisoner_id
          and c.case_id <> rc.case_id
          and c.sentence_type = 'recall'
          and c.sentence_start_date > rc.release_date
          and c.sentence_start_date <= rc.follow_up_until
        order by c.sentence_start_date, c.case_id
        limit 1
    ) as recall on true
$$;
comment on function metrics.evaluate_recalled_within_28_days(bigint) is 'recalled_within_28_days per released case x period: eligible when release_date + recall_window_days <= as_of; met when another case of the same prisoner with sentence_type recall starts after release_date and within recall_window_days of it.';
