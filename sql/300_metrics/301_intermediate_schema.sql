-- Version 6 (issue #10): the intermediate layer of a run and the case results it feeds.
--
-- Every case-level metric starts from the same case x period windows, and the two "regular"
-- metrics from the same contact dates and gaps. These used to be recomputed inside each metric
-- (the case x period frame ten times per run) and the evidence was stored as one jsonb row per
-- case x period x metric (3 million rows, 1.7 GB for a national monthly year). Now each building
-- block is materialised once per run, keyed by run_id like everything the run computes (one
-- partition per run since step 7, 303_run_partitions.sql), so analysts can select from it; the
-- results of all thirteen metrics are one narrow row per case x period; and metrics.case_metrics
-- (a view, 375_case_metrics.sql) presents them as before, with the evidence built from these rows. Nothing read from core after the run changes what a run
-- says: every fact the evidence shows is stored here.

create schema if not exists intermediate;
comment on schema intermediate is 'Building blocks of a run that every metric reads (dbt''s intermediate layer): case x period windows and contact dates and gaps, materialised once per run, keyed by run_id. Select from them to see how a metric was reached.';

create table if not exists intermediate.case_periods (
    run_id                  bigint not null,
    case_id                 text not null,
    period_start            date not null,
    period_end              date not null,
    prisoner_id             text not null,
    establishment_code      text not null,
    release_region          text,
    sentence_type           text not null,
    sentence_start_date     date not null,
    release_date            date,
    rosh                    text not null,
    keywork_frequency_weeks integer not null,
    observed                daterange not null,
    observed_days           integer not null,
    last_day                date not null,
    in_custody_on_last_day  boolean not null,
    released_in_period      boolean not null,
    primary key (run_id, case_id, period_start)
) partition by list (run_id);
comment on table intermediate.case_periods is 'Cases x review periods of a run: every case in custody on some day of the period or released in it (limited to the run''s scopes), with the observed window W = custody window * [ps, pe) and the case facts the metrics read, as they were when the run was computed.';
comment on column intermediate.case_periods.run_id is 'The run.';
comment on column intermediate.case_periods.case_id is 'The case.';
comment on column intermediate.case_periods.period_start is 'First day of the review period (ps).';
comment on column intermediate.case_periods.period_end is 'First day after the period as analysed (pe, exclusive).';
comment on column intermediate.case_periods.prisoner_id is 'The prisoner (recall episodes are other cases of the same prisoner).';
comment on column intermediate.case_periods.establishment_code is 'The case''s establishment: its establishment, prison_group and probation_region scopes.';
comment on column intermediate.case_periods.release_region is 'The case''s release region (its release_region scope), or NULL.';
comment on column intermediate.case_periods.sentence_type is 'determinate, indeterminate or recall.';
comment on column intermediate.case_periods.sentence_start_date is 'First day of the custody window.';
comment on column intermediate.case_periods.release_date is 'Release date, or NULL while in custody.';
comment on column intermediate.case_periods.rosh is 'Risk of serious harm: low, medium, high or very_high.';
comment on column intermediate.case_periods.keywork_frequency_weeks is 'The establishment''s keywork frequency in weeks (the keywork gap threshold is keywork_max_gap_days x this).';
comment on column intermediate.case_periods.observed is 'W = custody window * [ps, pe): the days of the period the case was in custody (empty when released on or before ps).';
comment on column intermediate.case_periods.observed_days is '|W| in days.';
comment on column intermediate.case_periods.last_day is 'pe - 1, the day the point-in-time metrics read.';
comment on column intermediate.case_periods.in_custody_on_last_day is 'In custody on pe - 1.';
comment on column intermediate.case_periods.released_in_period is 'ps <= release_date < pe.';

create table if not exists intermediate.contact_gaps (
    run_id           bigint not null,
    case_id          text not null,
    period_start     date not null,
    contact_type     text not null,
    live_only        boolean not null,
    contact_dates    date[] not null,
    contacts_counted integer not null,
    longest_gap      integer not null,
    longest_gap_from date not null,
    longest_gap_to   date not null,
    primary key (run_id, case_id, period_start, contact_type)
) partition by list (run_id);
comment on table intermediate.contact_gaps is 'The metrics.md gap rule''s inputs per case x period with a non-empty observed window W, for keywork_session (completed) and pom_contact (completed, live) contacts: the distinct contact dates in W and the longest gap among first date - W.start, date - previous date, W.end - last date (the whole window when there is no date; the earliest on a tie). Regular for threshold T = contact_dates not empty and longest_gap <= T.';
comment on column intermediate.contact_gaps.run_id is 'The run.';
comment on column intermediate.contact_gaps.case_id is 'The case.';
comment on column intermediate.contact_gaps.period_start is 'First day of the review period.';
comment on column intermediate.contact_gaps.contact_type is 'keywork_session (for keywork_regular) or pom_contact (for pom_contact_regular).';
comment on column intermediate.contact_gaps.live_only is 'True when only live contacts (face_to_face or video) count: pom_contact.';
comment on column intermediate.contact_gaps.contact_dates is 'Distinct dates of the counted contacts in W, ascending.';
comment on column intermediate.contact_gaps.contacts_counted is 'Distinct contacts counted in W.';
comment on column intermediate.contact_gaps.longest_gap is 'Longest gap in days.';
comment on column intermediate.contact_gaps.longest_gap_from is 'Where the longest gap starts (W.start or a contact date).';
comment on column intermediate.contact_gaps.longest_gap_to is 'Where the longest gap ends (a contact date or W.end, the first day after W).';

create table if not exists metrics.case_period_results (
    run_id                         bigint not null,
    case_id                        text not null,
    period_start                   date not null,
    -- in custody in the period (W not empty); NULL eligibility = not in the population
    keywork_eligible               boolean,
    keywork_met                    boolean,
    keywork_max_gap_days           integer,
    pom_contact_eligible           boolean,
    pom_contact_met                boolean,
    pom_allocations                jsonb,
    sentence_plan_eligible         boolean,
    sentence_plan_met              boolean,
    sentence_plans_counted         integer,
    first_sentence_plan_date       date,
    latest_sentence_plan_date      date,
    high_risk_eligible             boolean,
    high_risk_met                  boolean,
    responsible                    text,
    active_pom_allocations         integer,
    deciding_pom_staff_id          text,
    deciding_pom_staff_role        text,
    deciding_pom_start_date        date,
    -- released in the period
    handover_date                  date,
    handover_reason                text,
    first_com_staff_id             text,
    first_com_start_date           date,
    handover_on_time_eligible      boolean,
    handover_on_time_met           boolean,
    prerelease_window_start        date,
    handover_window_first_day      date,
    handover_window_last_day       date,
    prerelease_liaison_contacts    jsonb,
    handover_liaison_contacts      jsonb,
    prerelease_liaison_met         boolean,
    handover_liaison_met           boolean,
    communication_eligible         boolean,
    communication_met              boolean,
    prerelease_contacts_counted    integer,
    prerelease_live_contacts       integer,
    prerelease_contacts            jsonb,
    prerelease_contact_eligible    boolean,
    prerelease_contact_met         boolean,
    release_outcome_recorded       boolean,
    accommodation                  text,
    has_id                         boolean,
    has_bank_account               boolean,
    ete_arranged                   boolean,
    accommodation_met              boolean,
    settled_accommodation_met      boolean,
    id_met                         boolean,
    bank_account_met               boolean,
    ete_met                        boolean,
    recall_follow_up_until         date,
    recall_eligible                boolean,
    recall_met                     boolean,
    recall_case_id                 text,
    recall_start_date              date,
    -- no foreign keys: a run's rows here and in intermediate.* are written by execute_run and go
    -- with their run's partitions (303_run_partitions.sql), emptied when the run is deleted
    primary key (run_id, case_id, period_start)
) partition by list (run_id);
comment on table metrics.case_period_results is 'All thirteen case-level results of a run in one row per case x period (intermediate.case_periods), with the evidence each was decided on. metrics.case_metrics presents them one row per metric. Custody metrics'' columns are NULL when W is empty, release metrics'' when the case was not released in the period.';
comment on column metrics.case_period_results.run_id is 'The run.';
comment on column metrics.case_period_results.case_id is 'The case.';
comment on column metrics.case_period_results.period_start is 'First day of the review period.';
comment on column metrics.case_period_results.keywork_eligible is 'keywork_regular: |W| >= keywork_min_window_days.';
comment on column metrics.case_period_results.keywork_met is 'keywork_regular: regular by the gap rule over completed keywork sessions (NULL when not eligible).';
comment on column metrics.case_period_results.keywork_max_gap_days is 'keywork_regular threshold T = keywork_max_gap_days x keywork_frequency_weeks.';
comment on column metrics.case_period_results.pom_contact_eligible is 'pom_contact_regular: |W| >= pom_min_window_days and a POM allocation overlaps W.';
comment on column metrics.case_period_results.pom_contact_met is 'pom_contact_regular: regular by the gap rule over completed live POM contacts, T = pom_max_gap_days (NULL when not eligible).';
comment on column metrics.case_period_results.pom_allocations is 'POM allocations overlapping W: [{staff_id, staff_role, start_date, end_date}], NULL when none.';
comment on column metrics.case_period_results.sentence_plan_eligible is 'sentence_plan_in_place: in custody on pe - 1 and (pe - 1) - sentence_start_date >= sentence_plan_min_days.';
comment on column metrics.case_period_results.sentence_plan_met is 'sentence_plan_in_place: a sentence plan completed between sentence start and pe - 1 (NULL when not eligible).';
comment on column metrics.case_period_results.sentence_plans_counted is 'Sentence plans completed between sentence start and pe - 1.';
comment on column metrics.case_period_results.first_sentence_plan_date is 'The first of them.';
comment on column metrics.case_period_results.latest_sentence_plan_date is 'The latest of them.';
comment on column metrics.case_period_results.high_risk_eligible is 'high_risk_with_probation_pom: in custody on pe - 1, POM responsible, rosh high or very_high, a POM allocation active that day.';
comment on column metrics.case_period_results.high_risk_met is 'high_risk_with_probation_pom: the deciding POM is a probation_pom (NULL when not eligible).';
comment on column metrics.case_period_results.responsible is 'Who was responsible on pe - 1 (pom or com), asked only for high-risk cases in custody that day.';
comment on column metrics.case_period_results.active_pom_allocations is 'POM allocations active on pe - 1.';
comment on column metrics.case_period_results.deciding_pom_staff_id is 'The deciding one of them (latest start_date, then highest staff_id).';
comment on column metrics.case_period_results.deciding_pom_staff_role is 'Its staff role: prison_pom or probation_pom.';
comment on column metrics.case_period_results.deciding_pom_start_date is 'Its start date.';
comment on column metrics.case_period_results.handover_date is 'The case''s handover date (core.case_handover) when the run was computed.';
comment on column metrics.case_period_results.handover_reason is 'The handover rule that decided it.';
comment on column metrics.case_period_results.first_com_staff_id is 'The first COM allocation (earliest start_date, then lowest staff_id).';
comment on column metrics.case_period_results.first_com_start_date is 'Its start date.';
comment on column metrics.case_period_results.handover_on_time_eligible is 'handover_on_time: released in P with a handover date before release.';
comment on column metrics.case_period_results.handover_on_time_met is 'handover_on_time: a COM allocation started on or before the handover date (NULL when not eligible).';
comment on column metrics.case_period_results.prerelease_window_start is 'release_date - prerelease_window_days: the pre-release window is [this, release_date).';
comment on column metrics.case_period_results.handover_window_first_day is 'handover - liaison_before_handover_days when the handover date is before release, else NULL.';
comment on column metrics.case_period_results.handover_window_last_day is 'handover + liaison_after_handover_days when the handover date is before release, else NULL.';
comment on column metrics.case_period_results.prerelease_liaison_contacts is 'Completed pom_com_liaison / handover_meeting contacts in the pre-release window [{contact_id, contact_type, contact_date}], NULL when none.';
comment on column metrics.case_period_results.handover_liaison_contacts is 'The same kinds of contact in the handover window, NULL when none.';
comment on column metrics.case_period_results.prerelease_liaison_met is 'communication_adequate (a): a liaison contact in the pre-release window.';
comment on column metrics.case_period_results.handover_liaison_met is 'communication_adequate (b): a liaison contact in the handover window, or no handover window applies.';
comment on column metrics.case_period_results.communication_eligible is 'communication_adequate: released in P with a COM allocation started before release.';
comment on column metrics.case_period_results.communication_met is 'communication_adequate: (a) and (b) (NULL when not eligible).';
comment on column metrics.case_period_results.prerelease_contacts_counted is 'prerelease_contact_sufficient: completed, non-written com_contact / handover_meeting contacts in the pre-release window.';
comment on column metrics.case_period_results.prerelease_live_contacts is 'How many of them were live.';
comment on column metrics.case_period_results.prerelease_contacts is 'Those contacts [{contact_id, contact_type, contact_date, channel}], NULL when none.';
comment on column metrics.case_period_results.prerelease_contact_eligible is 'prerelease_contact_sufficient: released in P.';
comment on column metrics.case_period_results.prerelease_contact_met is 'prerelease_contact_sufficient: at least prerelease_min_contacts, one of them live.';
comment on column metrics.case_period_results.release_outcome_recorded is 'A release outcome row exists for the case.';
comment on column metrics.case_period_results.accommodation is 'Release outcome: accommodation.';
comment on column metrics.case_period_results.has_id is 'Release outcome: has ID.';
comment on column metrics.case_period_results.has_bank_account is 'Release outcome: has a bank account.';
comment on column metrics.case_period_results.ete_arranged is 'Release outcome: education, training or employment arranged.';
comment on column metrics.case_period_results.accommodation_met is 'accommodation_on_release met (eligible = released in P).';
comment on column metrics.case_period_results.settled_accommodation_met is 'settled_accommodation_on_release met.';
comment on column metrics.case_period_results.id_met is 'id_on_release met.';
comment on column metrics.case_period_results.bank_account_met is 'bank_account_on_release met.';
comment on column metrics.case_period_results.ete_met is 'ete_on_release met.';
comment on column metrics.case_period_results.recall_follow_up_until is 'release_date + recall_window_days.';
comment on column metrics.case_period_results.recall_eligible is 'recalled_within_28_days: released in P and recall_follow_up_until <= as_of.';
comment on column metrics.case_period_results.recall_met is 'recalled_within_28_days: a recall case of the same prisoner starts after release and by recall_follow_up_until (NULL when not eligible).';
comment on column metrics.case_period_results.recall_case_id is 'That recall case (the first).';
comment on column metrics.case_period_results.recall_start_date is 'Its sentence start date.';

-- metrics.case_metrics was a table of jsonb rows until this step; it becomes a view of the rows
-- above (375_case_metrics.sql). Runs computed before keep their rows, under the old table's new
-- name, and the view shows them too: nothing is dropped.
do $$
begin
    if exists (select from pg_class where oid = to_regclass('metrics.case_metrics') and relkind = 'r') then
        alter table metrics.case_metrics rename to case_metrics_before_v6;
    end if;
end;
$$;
create table if not exists metrics.case_metrics_before_v6 (
    run_id       bigint not null references metrics.runs (run_id) on delete cascade,
    metric       text not null,
    period_start date not null,
    period_end   date not null,
    case_id      text not null,
    eligible     boolean not null,
    met          boolean,
    detail       jsonb not null default '{}',
    primary key (run_id, metric, period_start, case_id)
);
comment on table metrics.case_metrics_before_v6 is 'case_metrics rows of runs computed before schema step 6 (when case_metrics became a view over metrics.case_period_results); metrics.case_metrics shows them too. Empty on databases created since.';

-- The functions this step replaces (each metric recomputed the frame and wrote its own rows).
drop function if exists metrics.case_periods(bigint);
drop function if exists metrics.contact_gaps(bigint, text, boolean);
drop function if exists metrics.evaluate_keywork_regular(bigint);
drop function if exists metrics.evaluate_pom_contact_regular(bigint);
drop function if exists metrics.evaluate_sentence_plan_in_place(bigint);
drop function if exists metrics.evaluate_high_risk_with_probation_pom(bigint);
drop function if exists metrics.evaluate_handover_on_time(bigint);
drop function if exists metrics.evaluate_communication_adequate(bigint);
drop function if exists metrics.evaluate_prerelease_contact_sufficient(bigint);
drop function if exists metrics.evaluate_release_outcomes(bigint);
drop function if exists metrics.evaluate_recalled_within_28_days(bigint);
drop function if exists metrics.fill_case_metrics(bigint);
drop function if exists metrics.limit_case_metrics_to_scopes(bigint, jsonb);

insert into throughcare.schema_version (unit, step, description)
values ('metrics', 6, 'intermediate.case_periods, intermediate.contact_gaps, metrics.case_period_results; case_metrics becomes a view (old rows kept in case_metrics_before_v6)')
on conflict (unit, step) do nothing;
comment on column metrics.case_metrics_before_v6.run_id is 'The run.';
comment on column metrics.case_metrics_before_v6.metric is 'Metric name.';
comment on column metrics.case_metrics_before_v6.period_start is 'First day of the review period.';
comment on column metrics.case_metrics_before_v6.period_end is 'First day after the period as analysed.';
comment on column metrics.case_metrics_before_v6.case_id is 'The case.';
comment on column metrics.case_metrics_before_v6.eligible is 'Counted in the denominator.';
comment on column metrics.case_metrics_before_v6.met is 'Met the standard; NULL when not eligible.';
comment on column metrics.case_metrics_before_v6.detail is 'Evidence (see metrics.case_metrics.detail).';
