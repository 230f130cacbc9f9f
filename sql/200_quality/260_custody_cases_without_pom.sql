-- quality.custody_cases_without_pom: cases still in custody on the as-of date (quality.data_as_of,
-- the latest contact date) with no POM allocation active that day. Every case in custody should
-- have a POM, even one the COM is responsible for; this lists them whoever is responsible, with
-- the answer of core.responsible_on so an analyst can filter.
create or replace view quality.custody_cases_without_pom as
with as_of as (
    select as_of_date from quality.data_as_of
),

cases_in_custody as (
    -- in custody on the as-of day: started by then and not yet released
    select
        c.case_id,
        c.establishment_code,
        c.sentence_type,
        c.sentence_start_date,
        d.as_of_date
    from core.cases as c
    cross join as_of as d
    where c.release_date is null
      and c.sentence_start_date <= d.as_of_date
)

select
    c.case_id,
    c.establishment_code,
    c.sentence_type,
    c.sentence_start_date,
    c.as_of_date,
    core.responsible_on(c.case_id, c.as_of_date) as responsible_on_as_of,
    last_pom.staff_id as last_pom_staff_id,
    last_pom.start_date as last_pom_start_date,
    last_pom.end_date as last_pom_end_date
from cases_in_custody as c
left join lateral (
    -- the latest-starting POM allocation, for context: ended before the as-of date, or not yet begun
    select
        a.staff_id,
        a.start_date,
        a.end_date
    from core.allocations as a
    where a.case_id = c.case_id
      and a.role = 'pom'
    order by a.start_date desc, a.staff_id desc
    limit 1
) as last_pom on true
where not exists (
    select
    from core.allocations as a
    where a.case_id = c.case_id
      and a.role = 'pom'
      and a.active_days @> c.as_of_date
);
comment on view quality.custody_cases_without_pom is 'Cases in custody on the as-of date (release_date NULL, sentence started) with no POM allocation active that day. The as-of date is the latest contact date (quality.data_as_of).';
comment on column quality.custody_cases_without_pom.case_id is 'The case.';
comment on column quality.custody_cases_without_pom.establishment_code is 'Prison holding the case.';
comment on column quality.custody_cases_without_pom.sentence_type is 'determinate, indeterminate or recall.';
comment on column quality.custody_cases_without_pom.sentence_start_date is 'First day in custody.';
comment on column quality.custody_cases_without_pom.as_of_date is 'The day checked (latest contact date in the data).';
comment on column quality.custody_cases_without_pom.responsible_on_as_of is 'pom or com: who the OMiC rules make responsible that day (a COM-responsible case still needs a POM in custody).';
comment on column quality.custody_cases_without_pom.last_pom_staff_id is 'Staff member of the case''s latest-starting POM allocation, if it ever had one.';
comment on column quality.custody_cases_without_pom.last_pom_start_date is 'First day of that allocation (after the as-of date when the POM is allocated but not yet started).';
comment on column quality.custody_cases_without_pom.last_pom_end_date is 'Last day of that allocation (before the as-of date when it has ended).';
