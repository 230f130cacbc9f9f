-- Published: what may leave the building. The rates of the newest official succeeded run with
-- suppression applied, and its volumes (not suppressed). Migration step 2 of the metrics unit in
-- throughcare.schema_version (see 300_metrics/300_schema.sql for how steps work).
--
-- Suppression is materialised, not computed in the view: metrics.execute_run calls
-- published.refresh_rates_cells(run_id) for every official run, which writes one row per rate with
-- the hidden values already NULL, so nothing suppressed is stored in this schema and the public
-- role can read it freely. Cells of earlier official runs stay (what was published then); the
-- views show the newest official run.
do $$ begin perform pg_advisory_xact_lock(2107201300); end $$;

create schema if not exists published;
-- Grants moved to throughcare.grant_reader_access (sql/030_access, where every grant is).
drop function if exists published.grant_reader_access();
comment on schema published is 'Published figures: rates of the newest official run with primary and secondary suppression applied, and its volumes. Readable by throughcare_public.';

create table if not exists published.rates_cells (
    run_id       bigint not null references metrics.runs (run_id) on delete cascade,
    scope_type   text not null,
    scope_id     text not null,
    period_start date not null,
    period_end   date not null,
    metric       text not null,
    numerator    bigint,
    denominator  bigint,
    rate         double precision,
    ci_low       double precision,
    ci_high      double precision,
    band         text,
    suppressed   text,
    primary key (run_id, scope_type, scope_id, period_start, metric),
    constraint rates_cells_suppressed check (suppressed in ('primary', 'secondary')),
    constraint rates_cells_hidden check (suppressed is null or (numerator is null and denominator is null and rate is null and ci_low is null and ci_high is null and band is null))
);
comment on table published.rates_cells is 'metrics.rates of each official run as published: suppressed cells keep their key and say why, with every figure NULL. Written by published.refresh_rates_cells at the end of an official run.';
comment on column published.rates_cells.run_id is 'The official run.';
comment on column published.rates_cells.scope_type is 'establishment, prison_group, probation_region, release_region or national.';
comment on column published.rates_cells.scope_id is 'Establishment code, prison group, probation region, release region, or ''national''.';
comment on column published.rates_cells.period_start is 'First day of the review period.';
comment on column published.rates_cells.period_end is 'First day after the review period as analysed.';
comment on column published.rates_cells.metric is 'Metric name (metrics.metric_definitions).';
comment on column published.rates_cells.numerator is 'Eligible cases that met the standard, rounded to the nearest multiple of the run''s round_counts_to (1: exact); NULL when suppressed.';
comment on column published.rates_cells.denominator is 'Eligible cases, rounded to the nearest multiple of the run''s round_counts_to (1: exact); NULL when suppressed.';
comment on column published.rates_cells.rate is 'numerator / denominator of the unrounded counts; NULL when suppressed or the denominator is 0.';
comment on column published.rates_cells.ci_low is 'Lower bound of the 95% Wilson interval; NULL when suppressed.';
comment on column published.rates_cells.ci_high is 'Upper bound of the 95% Wilson interval; NULL when suppressed.';
comment on column published.rates_cells.band is 'Rating band; NULL when suppressed.';
comment on column published.rates_cells.suppressed is 'NULL when shown; primary: denominator below min_publish_denominator; secondary: hidden so that a primary-suppressed establishment cannot be worked out from its prison group or probation region total.';

insert into throughcare.schema_version (unit, step, description)
values ('metrics', 2, 'published: rates_cells, refresh_rates_cells, rates and volumes views')
on conflict (unit, step) do nothing;
