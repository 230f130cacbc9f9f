-- core.cases: one row per custodial episode whose prison is in core.establishments, with the
-- prison's group and region copied on (they are scopes for every rate) and the custody window
-- as a range so metric SQL can intersect it with a review period (custody_window * period).
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

-- delete, not truncate: metrics.latest_case_metrics reads core.cases, and TRUNCATE's exclusive
-- lock would block its readers until the whole transform commits.
delete from core.cases;

insert into core.cases (
    case_id,
    prisoner_id,
    establishment_code,
    sentence_type,
    sentence_start_date,
    expected_release_date,
    parole_eligibility_date,
    release_date,
    tier,
    rosh,
    mappa_level,
    release_region,
    prison_group,
    probation_region,
    custody_window
)
select
    s.case_id,
    s.prisoner_id,
    s.establishment_code,
    s.sentence_type,
    s.sentence_start_date,
    s.expected_release_date,
    s.parole_eligibility_date,
    s.release_date,
    s.tier,
    s.rosh,
    s.mappa_level,
    s.release_region,
    e.prison_group,
    e.probation_region,
    daterange(s.sentence_start_date, s.release_date, '[)')
from staging.cases as s
-- inner join: a case whose prison is not in core has no scope to count in (listed in quality.orphans)
join core.establishments as e
  on e.establishment_code = s.establishment_code;

create index if not exists cases_establishment on core.cases (establishment_code);
-- recalled_within_28_days looks for another episode of the same prisoner
create index if not exists cases_prisoner on core.cases (prisoner_id, sentence_start_date);
create index if not exists cases_release_date on core.cases (release_date) where release_date is not null;

analyze core.cases;
