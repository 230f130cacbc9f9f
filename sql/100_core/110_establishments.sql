-- core.establishments: every prison in staging, as delivered. Rebuilt in full each run (staging
-- is the whole truth after ingest), so a prison dropped from the extract leaves core too.

truncate core.establishments;

insert into core.establishments (
    establishment_code,
    name,
    establishment_type,
    operator,
    prison_group,
    probation_region,
    keywork_frequency_weeks
)
select
    s.establishment_code,
    s.name,
    s.establishment_type,
    s.operator,
    s.prison_group,
    s.probation_region,
    s.keywork_frequency_weeks
from staging.establishments as s;

analyze core.establishments;
