-- core.cases: one row per custodial episode whose prison is in core.establishments, with the
-- prison's group and region copied on (they are scopes for every rate) and the custody window
-- as a range so metric SQL can intersect it with a review period (custody_window * period).

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

analyze core.cases;
