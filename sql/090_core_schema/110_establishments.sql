-- core.establishments: the table, its comments and its indexes: once-only DDL, applied by the migrator
-- when this file changes. sql/100_core/110_establishments.sql fills it on every full build.
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

create index if not exists establishments_prison_group on core.establishments (prison_group);
create index if not exists establishments_probation_region on core.establishments (probation_region);
