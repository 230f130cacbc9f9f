-- Case-level metrics about release (population: case x periods released in P, ps <= release_date
-- < pe): handover_on_time, communication_adequate, prerelease_contact_sufficient, the five
-- resettlement metrics and recalled_within_28_days. One row per released case x period of a run
-- with each metric's eligible / met and the evidence, for metrics.fill_case_period_results. Same
-- shape as 330_custody_metrics.sql; the released population is small (a few thousand a month),
-- so contacts are read per case from the case's index entries.
create or replace function metrics.release_results(p_run_id bigint)
returns table (
    case_id                     text,
    period_start                date,
    handover_date               date,
    handover_reason             text,
    first_com_staff_id          text,
    first_com_start_date        date,
    handover_on_time_eligible   boolean,
    handover_on_time_met        boolean,
    prerelease_window_start     date,
    handover_window_first_day   date,
    handover_window_last_day    date,
    prerelease_liaison_contacts jsonb,
    handover_liaison_contacts   jsonb,
    prerelease_liaison_met      boolean,
    handover_liaison_met        boolean,
    communication_eligible      boolean,
    communication_met           boolean,
    prerelease_contacts_counted integer,
    prerelease_live_contacts    integer,
    prerelease_contacts         jsonb,
    prerelease_contact_eligible boolean,
    prerelease_contact_met      boolean,
    release_outcome_recorded    boolean,
    accommodation               text,
    has_id                      boolean,
    has_bank_account            boolean,
    ete_arranged                boolean,
    accommodation_met           boolean,
    settled_accommodation_met   boolean,
    id_met                      boolean,
    bank_account_met            boolean,
    ete_met                     boolean,
    recall_follow_up_until      date,
    recall_eligible             boolean,
    recall_met                  boolean,
    recall_case_id              text,
    recall_start_date           date
)
language sql
stable
as $$
    with thresholds as materialized (
        select
            r.as_of,
            metrics.run_parameter(p_run_id, 'prerelease_window_days')::integer as prerelease_window_days,
            metrics.run_parameter(p_run_id, 'prerelease_min_contacts')::integer as prerelease_min_contacts,
            metrics.run_parameter(p_run_id, 'liaison_before_handover_days')::integer as before_handover_days,
            metrics.run_parameter(p_run_id, 'liaison_after_handover_days')::integer as after_handover_days,
            metrics.run_parameter(p_run_id, 'recall_window_days')::integer as recall_window_days
        from metrics.runs as r
        where r.run_id = p_run_id
    ),
    released_cases as (
        select
            cp.case_id,
            cp.period_start,
            cp.prisoner_id,
            cp.release_date,
            h.handover_date,
            h.reason as handover_reason,
            cp.release_date - t.prerelease_window_days as prerelease_window_start,
            -- communication (b) applies only when there is a handover date before release
            case when h.handover_date < cp.release_date then h.handover_date - t.before_handover_days end as handover_window_first_day,
            case when h.handover_date < cp.release_date then h.handover_date + t.after_handover_days end as handover_window_last_day,
            cp.release_date + t.recall_window_days as recall_follow_up_until,
            cp.release_date + t.recall_window_days <= t.as_of as recall_eligible,
            t.prerelease_min_contacts
        from intermediate.case_periods as cp
        cross join thresholds as t
        left join core.case_handover as h
          on h.case_id = cp.case_id
        where cp.run_id = p_run_id
          and cp.released_in_period
    ),
    first_com as (
        -- a COM allocation with start_date <= the handover date exists iff the earliest one
        -- qualifies, and "a COM allocation started before release" likewise
        select distinct on (a.case_id) a.case_id, a.staff_id, a.start_date
        from core.allocations as a
        where a.role = 'com'
          and a.case_id in (select rc.case_id from released_cases as rc)
        order by a.case_id, a.start_date, a.staff_id
    ),
    judged as (
        select
            rc.*,
            fc.staff_id as first_com_staff_id,
            fc.start_date as first_com_start_date,
            coalesce(rc.handover_date < rc.release_date, false) as handover_on_time_eligible,
            lc.prerelease_contacts as prerelease_liaison_contacts,
            lc.handover_contacts as handover_liaison_contacts,
            lc.prerelease_contacts is not null as prerelease_liaison_met,
            rc.handover_window_first_day is null or lc.handover_contacts is not null as handover_liaison_met,
            fc.start_date < rc.release_date as com_allocated_before_release,
            coalesce(pw.contacts_counted, 0) as prerelease_contacts_counted,
            coalesce(pw.live_contacts, 0) as prerelease_live_contacts,
            pw.contacts as prerelease_contacts,
            ro.case_id is not null as release_outcome_recorded,
            ro.accommodation,
            ro.has_id,
            ro.has_bank_account,
            ro.ete_arranged,
            recall.case_id as recall_case_id,
            recall.sentence_start_date as recall_start_date
        from released_cases as rc
        left join first_com as fc
          on fc.case_id = rc.case_id
        -- the liaison contacts of the two communication windows, and the contacts of the
        -- pre-release window: per released case, from the case's index entries
        cross join lateral (
            select
                jsonb_agg(jsonb_build_object('contact_id', ct.contact_id, 'contact_type', ct.contact_type, 'contact_date', ct.contact_date)
                          order by ct.contact_date, ct.contact_id)
                    filter (where ct.contact_date >= rc.prerelease_window_start and ct.contact_date < rc.release_date) as prerelease_contacts,
                jsonb_agg(jsonb_build_object('contact_id', ct.contact_id, 'contact_type', ct.contact_type, 'contact_date', ct.contact_date)
                          order by ct.contact_date, ct.contact_id)
                    filter (where ct.contact_date between rc.handover_window_first_day and rc.handover_window_last_day) as handover_contacts
            from core.contacts as ct
            where ct.case_id = rc.case_id
              and ct.contact_type in ('pom_com_liaison', 'handover_meeting')
              and ct.is_completed
        ) as lc
        cross join lateral (
            select
                count(distinct ct.contact_id)::integer as contacts_counted,
                (count(distinct ct.contact_id) filter (where ct.is_live))::integer as live_contacts,
                jsonb_agg(jsonb_build_object('contact_id', ct.contact_id, 'contact_type', ct.contact_type,
                                             'contact_date', ct.contact_date, 'channel', ct.channel)
                          order by ct.contact_date, ct.contact_id) as contacts
            from core.contacts as ct
            where ct.case_id = rc.case_id
              and ct.contact_type in ('com_contact', 'handover_meeting')
              and ct.contact_date >= rc.prerelease_window_start
              and ct.contact_date < rc.release_date
              and ct.is_completed
              and ct.channel <> 'written'
        ) as pw
        left join core.release_outcomes as ro
          on ro.case_id = rc.case_id
        -- the first recall episode of the same prisoner starting within the window after release
        left join lateral (
            select c.case_id, c.sentence_start_date
            from core.cases as c
            where c.prisoner_id = rc.prisoner_id
              and c.case_id <> rc.case_id
              and c.sentence_type = 'recall'
              and c.sentence_start_date > rc.release_date
              and c.sentence_start_date <= rc.recall_follow_up_until
            order by c.sentence_start_date, c.case_id
            limit 1
        ) as recall on true
    )
    select
        j.case_id,
        j.period_start,
        j.handover_date,
        j.handover_reason,
        j.first_com_staff_id,
        j.first_com_start_date,
        j.handover_on_time_eligible,
        case when j.handover_on_time_eligible then coalesce(j.first_com_start_date <= j.handover_date, false) end,
        j.prerelease_window_start,
        j.handover_window_first_day,
        j.handover_window_last_day,
        j.prerelease_liaison_contacts,
        j.handover_liaison_contacts,
        j.prerelease_liaison_met,
        j.handover_liaison_met,
        coalesce(j.com_allocated_before_release, false),
        case when j.com_allocated_before_release then j.prerelease_liaison_met and j.handover_liaison_met end,
        j.prerelease_contacts_counted,
        j.prerelease_live_contacts,
        j.prerelease_contacts,
        true,
        j.prerelease_contacts_counted >= j.prerelease_min_contacts and j.prerelease_live_contacts > 0,
        j.release_outcome_recorded,
        j.accommodation,
        j.has_id,
        j.has_bank_account,
        j.ete_arranged,
        -- a released case without a release outcome row is eligible and not met for all five
        coalesce(j.accommodation in ('settled', 'temporary', 'approved_premises'), false),
        coalesce(j.accommodation = 'settled', false),
        coalesce(j.has_id, false),
        coalesce(j.has_bank_account, false),
        coalesce(j.ete_arranged, false),
        j.recall_follow_up_until,
        j.recall_eligible,
        case when j.recall_eligible then j.recall_case_id is not null end,
        j.recall_case_id,
        j.recall_start_date
    from judged as j
$$;
comment on function metrics.release_results(bigint) is 'handover_on_time, communication_adequate, prerelease_contact_sufficient, the five resettlement metrics and recalled_within_28_days per released case x period of a run: eligible, met (NULL when not eligible) and evidence.';
