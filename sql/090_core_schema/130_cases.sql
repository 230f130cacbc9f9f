-- core.cases: the table, its comments and its indexes: once-only DDL, applied by the migrator
-- when this file changes. sql/100_core/130_cases.sql fills it on every full build.
create table if not exists core.cases (
    case_id                 text primary key,
    prisoner_id             text not null,
    establishment_code      text not null,
    sentence_type           text not null,
    sentence_start_date     date not null,
    expected_release_date   date,
    parole_eligibility_date date,
    release_date            date,
    tier                    text,
    rosh                    text not null,
    mappa_level             integer not null,
    release_region          text,
    prison_group            text not null,
    probation_region        text not null,
    custody_window          daterange not null
);
comment on table core.cases is 'One row per custodial episode whose establishment is in core.establishments (v1 ignores transfers: the case belongs to this prison throughout).';
comment on column core.cases.case_id is 'Custodial episode identifier.';
comment on column core.cases.prisoner_id is 'Prisoner identifier; a prisoner can have several episodes (a recall is a new case).';
comment on column core.cases.establishment_code is 'Prison holding the case.';
comment on column core.cases.sentence_type is 'determinate, indeterminate or recall.';
comment on column core.cases.sentence_start_date is 'First day in custody for this episode.';
comment on column core.cases.expected_release_date is 'Conditional/automatic release date (determinate, recall); tariff expiry date for indeterminate, may be NULL there.';
comment on column core.cases.parole_eligibility_date is 'Parole eligibility date (PED), where the sentence has one.';
comment on column core.cases.release_date is 'Actual release date; NULL while in custody.';
comment on column core.cases.tier is 'Probation tier a-d, or NULL.';
comment on column core.cases.rosh is 'Risk of serious harm: low, medium, high or very_high.';
comment on column core.cases.mappa_level is 'MAPPA level 0 (none), 1, 2 or 3.';
comment on column core.cases.release_region is 'Probation region the person is released to, or NULL (a scope for rates when not NULL).';
comment on column core.cases.prison_group is 'Prison group of the case''s establishment.';
comment on column core.cases.probation_region is 'Probation region of the case''s establishment (where the prison sits, not where the person is released to).';
comment on column core.cases.custody_window is 'Days in custody, [sentence_start_date, release_date): the release day itself is outside; upper unbounded while in custody; empty when released on the day the sentence started.';

create index if not exists cases_establishment on core.cases (establishment_code);
-- recalled_within_28_days looks for another episode of the same prisoner
create index if not exists cases_prisoner on core.cases (prisoner_id, sentence_start_date);
create index if not exists cases_release_date on core.cases (release_date) where release_date is not null;
