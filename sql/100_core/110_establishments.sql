-- core.establishments: every prison in staging, as delivered. Rebuilt in full each run (staging
-- is the whole truth after ingest), so a prison dropped from the extract leaves core too.
create table if not exists core.establishments (
    establishment_code      text primary key,
    name                    text not null,
    establishment_type      text not null,
    operator                text not null,
    prison_group            text not null,
    probation_region        text not null,
    keywork_frequency_weeks integer not null
);
comment on table core.establishments is 'One row per prison in the loaded extract.';
comment on column core.establishments.establishment_code is 'Prison code, e.g. LEI.';
comment on column core.establishments.name is 'Prison name.';
comment on column core.establishments.establishment_type is 'local, training, open, resettlement, high_security, womens or yoi.';
comment on column core.establishments.operator is 'public or private.';
comment on column core.establishments.prison_group is 'Prison group the establishment belongs to (a scope for rates).';
comment on column core.establishments.probation_region is 'Probation region the prison sits in (a scope for rates).';
comment on column core.establishments.keywork_frequency_weeks is 'Expected weeks between keywork sessions (1 = weekly); scales the keywork gap threshold and the sessions expected.';

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

create index if not exists establishments_prison_group on core.establishments (prison_group);
create index if not exists establishments_probation_region on core.establishments (probation_region);

analyze core.establishments;
