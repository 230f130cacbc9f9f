-- core.assessments: OASys assessments, sentence plans and release plans of cases in core. The
-- optional staff_id is kept even when that member of staff is missing from core (no metric uses
-- it; quality.orphans lists it).

truncate core.assessments;

insert into core.assessments (
    assessment_id,
    case_id,
    kind,
    completed_date,
    staff_id
)
select
    s.assessment_id,
    s.case_id,
    s.kind,
    s.completed_date,
    s.staff_id
from staging.assessments as s
where exists (
    select
    from core.cases as c
    where c.case_id = s.case_id
);

analyze core.assessments;
