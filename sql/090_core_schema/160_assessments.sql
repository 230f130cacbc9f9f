-- core.assessments: the table, its comments and its indexes: once-only DDL, applied by the migrator
-- when this file changes. sql/100_core/160_assessments.sql fills it on every full build.
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

create index if not exists assessments_case_kind on core.assessments (case_id, kind, completed_date);
