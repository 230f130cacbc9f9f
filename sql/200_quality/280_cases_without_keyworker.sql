-- quality.cases_without_keyworker: cases that never had a keyworker allocation. Keywork metrics
-- use sessions, not allocations, so these cases can still meet keywork_regular; but
-- keyworker_assigned_share and mean_days_to_keyworker treat them as unassigned.
create or replace view quality.cases_without_keyworker as
select
    c.case_id,
    c.establishment_code,
    c.sentence_start_date,
    c.release_date,
    sessions.keywork_sessions_recorded
from core.cases as c
cross join lateral (
    -- sessions recorded anyway point at a missing allocation rather than a missing keyworker
    select count(*) as keywork_sessions_recorded
    from core.contacts as ct
    where ct.case_id = c.case_id
      and ct.contact_type = 'keywork_session'
) as sessions
where not exists (
    select
    from core.allocations as a
    where a.case_id = c.case_id
      and a.role = 'keyworker'
);
comment on view quality.cases_without_keyworker is 'Cases with no keyworker allocation at any time.';
comment on column quality.cases_without_keyworker.case_id is 'The case.';
comment on column quality.cases_without_keyworker.establishment_code is 'Prison holding the case.';
comment on column quality.cases_without_keyworker.sentence_start_date is 'First day in custody.';
comment on column quality.cases_without_keyworker.release_date is 'Release date, NULL while in custody.';
comment on column quality.cases_without_keyworker.keywork_sessions_recorded is 'keywork_session contacts recorded for the case anyway (any outcome): above 0 suggests the allocation record is missing.';
