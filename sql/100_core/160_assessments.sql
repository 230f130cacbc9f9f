-- core.assessments: OASys assessments, sentence plans and release plans of cases in core. The
-- optional staff_id is kept even when that member of staff is missing from core (no metric uses
-- it; quality.orphans lists it).
create table if not exists core.assessments (
    assessment_id  text primary key,
    case_id        text not null,
    kind           text not null,
    completed_date date not null,
    staff_id       text
);
comment on table core.assessments is 'OASys assessments, sentence plans and release plans of cases in core.cases.';
comment on column core.assessments.assessment_id is 'Assessment identifier.';
comment on column core.assessments.case_id is 'The case.';
comment on column core.assessments.kind is 'oasys, sentence_plan or release_plan.';
comment on column core.assessments.completed_date is 'Date the assessment or plan was completed.';
comment on column core.assessments.staff_id is 'Member of staff who completed it, or NULL (may be missing from core.staff).';

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

create index if not exists assessments_case_kind on core.assessments (case_id, kind, completed_date);

analyze core.assessments;
