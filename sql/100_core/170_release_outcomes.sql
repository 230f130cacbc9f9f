-- core.release_outcomes: resettlement status on the day of release, for released cases in core.
-- The contract only allows an outcome for a case with a release_date; after a full reload of
-- cases.csv a case can lose its release date while its outcome row stays in staging, and such an
-- outcome describes no release, so it is left out (quality.orphans lists it).
create table if not exists core.release_outcomes (
    case_id          text primary key,
    accommodation    text not null,
    has_id           boolean not null,
    has_bank_account boolean not null,
    ete_arranged     boolean not null
);
comment on table core.release_outcomes is 'Resettlement status on the day of release, one row per released case in core.cases that has one. A released case without a row here is not met for the five resettlement metrics.';
comment on column core.release_outcomes.case_id is 'The released case.';
comment on column core.release_outcomes.accommodation is 'settled, temporary, approved_premises, none or unknown.';
comment on column core.release_outcomes.has_id is 'Identification document on release.';
comment on column core.release_outcomes.has_bank_account is 'Bank account on release.';
comment on column core.release_outcomes.ete_arranged is 'Education, training or employment arranged.';

truncate core.release_outcomes;

insert into core.release_outcomes (
    case_id,
    accommodation,
    has_id,
    has_bank_account,
    ete_arranged
)
select
    s.case_id,
    s.accommodation,
    s.has_id,
    s.has_bank_account,
    s.ete_arranged
from staging.release_outcomes as s
join core.cases as c
  on c.case_id = s.case_id
where c.release_date is not null;

analyze core.release_outcomes;
