-- core.release_outcomes: resettlement status on the day of release, for released cases in core.
-- The contract only allows an outcome for a case with a release_date; after a full reload of
-- cases.csv a case can lose its release date while its outcome row stays in staging, and such an
-- outcome describes no release, so it is left out (quality.orphans lists it).

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
