-- The published views: the newest official succeeded run only.

create or replace view published.rates as
with newest_official_run as (
    select r.run_id, r.as_of, r.force_reason
    from metrics.runs as r
    where r.official
      and r.status = 'succeeded'
    order by r.run_id desc
    limit 1
)
select
    rc.scope_type,
    rc.scope_id,
    rc.period_start,
    rc.period_end,
    rc.metric,
    rc.numerator,
    rc.denominator,
    rc.rate,
    rc.ci_low,
    rc.ci_high,
    rc.band,
    rc.suppressed,
    rc.run_id,
    n.as_of,
    -- last, so CREATE OR REPLACE VIEW can add it to an existing view
    n.force_reason
from published.rates_cells as rc
join newest_official_run as n
  on n.run_id = rc.run_id;
comment on view published.rates is 'Published rates: every scope x period x metric of the newest official succeeded run, with suppressed cells blanked and the reason in suppressed.';
comment on column published.rates.scope_type is 'establishment, prison_group, probation_region, release_region or national.';
comment on column published.rates.scope_id is 'Establishment code, prison group, probation region, release region, or ''national''.';
comment on column published.rates.period_start is 'First day of the review period.';
comment on column published.rates.period_end is 'First day after the review period as analysed.';
comment on column published.rates.metric is 'Metric name.';
comment on column published.rates.numerator is 'Eligible cases that met the standard; NULL when suppressed.';
comment on column published.rates.denominator is 'Eligible cases; NULL when suppressed.';
comment on column published.rates.rate is 'numerator / denominator; NULL when suppressed.';
comment on column published.rates.ci_low is 'Lower bound of the 95% Wilson interval; NULL when suppressed.';
comment on column published.rates.ci_high is 'Upper bound of the 95% Wilson interval; NULL when suppressed.';
comment on column published.rates.band is 'Rating band; NULL when suppressed.';
comment on column published.rates.suppressed is 'NULL when shown; primary (denominator below min_publish_denominator) or secondary (hidden to protect a primary-suppressed establishment in the same prison group or probation region).';
comment on column published.rates.run_id is 'The official run published.';
comment on column published.rates.as_of is 'That run''s as-of date (data up to and including this day).';
comment on column published.rates.force_reason is 'NULL normally; otherwise the run was published although its quality gate failed, and this is the reason given (throughcare run --force).';

create or replace view published.volumes as
with newest_official_run as (
    select r.run_id, r.as_of, r.force_reason
    from metrics.runs as r
    where r.official
      and r.status = 'succeeded'
    order by r.run_id desc
    limit 1
)
select
    v.scope_type,
    v.scope_id,
    v.period_start,
    v.period_end,
    v.measure,
    v.value,
    v.run_id,
    n.as_of,
    n.force_reason
from metrics.volumes as v
join newest_official_run as n
  on n.run_id = v.run_id;
comment on view published.volumes is 'Published workload volumes: every scope x month x measure of the newest official succeeded run (volumes are not suppressed).';
comment on column published.volumes.scope_type is 'establishment, prison_group, probation_region or national.';
comment on column published.volumes.scope_id is 'Establishment code, prison group, probation region or ''national''.';
comment on column published.volumes.period_start is 'First day of the month.';
comment on column published.volumes.period_end is 'First day after the month as analysed.';
comment on column published.volumes.measure is 'Measure name (docs/output-schema.md).';
comment on column published.volumes.value is 'The value; NULL where a ratio''s divisor is 0.';
comment on column published.volumes.run_id is 'The official run published.';
comment on column published.volumes.as_of is 'That run''s as-of date.';
comment on column published.volumes.force_reason is 'NULL normally; otherwise the run was published although its quality gate failed, and this is the reason given (throughcare run --force).';
