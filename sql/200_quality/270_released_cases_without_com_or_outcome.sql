-- quality.released_cases_without_com_or_outcome: released cases missing what the release metrics
-- need — a COM allocated before release (communication_adequate is only eligible with one) or a
-- release outcome row (without one the five resettlement metrics count the case as not met).
create or replace view quality.released_cases_without_com_or_outcome as
with released_cases as (
    select
        c.case_id,
        c.establishment_code,
        c.release_date,
        c.release_region,
        exists (
            select from core.allocations as a
            where a.case_id = c.case_id
              and a.role = 'com'
        ) as has_com_allocation,
        exists (
            select from core.allocations as a
            where a.case_id = c.case_id
              and a.role = 'com'
              and a.start_date < c.release_date
        ) as com_allocated_before_release,
        exists (
            select from core.release_outcomes as o
            where o.case_id = c.case_id
        ) as has_release_outcome
    from core.cases as c
    where c.release_date is not null
)

select
    r.case_id,
    r.establishment_code,
    r.release_date,
    r.release_region,
    r.has_com_allocation,
    r.com_allocated_before_release,
    r.has_release_outcome
from released_cases as r
where not r.com_allocated_before_release
   or not r.has_release_outcome;
comment on view quality.released_cases_without_com_or_outcome is 'Released cases with no COM allocation starting before the release date, or with no release outcome row (counted as not met for the resettlement metrics).';
comment on column quality.released_cases_without_com_or_outcome.case_id is 'The case.';
comment on column quality.released_cases_without_com_or_outcome.establishment_code is 'Prison that released it.';
comment on column quality.released_cases_without_com_or_outcome.release_date is 'Release date.';
comment on column quality.released_cases_without_com_or_outcome.release_region is 'Probation region released to, or NULL.';
comment on column quality.released_cases_without_com_or_outcome.has_com_allocation is 'The case has a COM allocation at any time.';
comment on column quality.released_cases_without_com_or_outcome.com_allocated_before_release is 'A COM allocation starts before the release date (what communication_adequate requires to be eligible).';
comment on column quality.released_cases_without_com_or_outcome.has_release_outcome is 'A row exists in core.release_outcomes.';
