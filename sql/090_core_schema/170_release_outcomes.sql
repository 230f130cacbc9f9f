-- core.release_outcomes: the table, its comments and its indexes: once-only DDL, applied by the migrator
-- when this file changes. sql/100_core/170_release_outcomes.sql fills it on every full build.
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
