-- The newest succeeded answer for each period, whatever run computed it: analysts query these
-- instead of picking run_ids. A period is identified by its first day and its calendar end
-- (metrics.run_periods.nominal_end), so a month computed before its last contacts arrived
-- (period_end cut at as_of + 1) is replaced by a later run's complete one, while a month and a
-- quarter starting on the same day stay apart. Each row also says which run and as-of it is from.

create or replace view metrics.latest_rates as
select distinct on (r.scope_type, r.scope_id, rp.period_start, rp.nominal_end, r.metric)
    r.scope_type,
    r.scope_id,
    r.period_start,
    r.period_end,
    rp.nominal_end,
    r.metric,
    r.numerator,
    r.denominator,
    r.rate,
    r.ci_low,
    r.ci_high,
    r.band,
    r.run_id,
    ru.as_of,
    ru.official,
    ru.force_reason
from metrics.rates as r
join metrics.run_periods as rp
  on rp.run_id = r.run_id
 and rp.period_start = r.period_start
join metrics.runs as ru
  on ru.run_id = r.run_id
where ru.status = 'succeeded'
order by r.scope_type, r.scope_id, rp.period_start, rp.nominal_end, r.metric, r.run_id desc;
comment on view metrics.latest_rates is 'metrics.rates from the newest succeeded run for each scope x period (period_start, nominal_end) x metric.';
comment on column metrics.latest_rates.scope_type is 'establishment, prison_group, probation_region, release_region or national.';
comment on column metrics.latest_rates.scope_id is 'Establishment code, prison group, probation region, release region, or ''national''.';
comment on column metrics.latest_rates.period_start is 'First day of the review period.';
comment on column metrics.latest_rates.period_end is 'First day after the period as analysed (min(nominal_end, as_of + 1)).';
comment on column metrics.latest_rates.nominal_end is 'First day after the calendar period (month, quarter or range) before the as-of cut.';
comment on column metrics.latest_rates.metric is 'Metric name (metrics.metric_definitions).';
comment on column metrics.latest_rates.numerator is 'Eligible cases that met the standard.';
comment on column metrics.latest_rates.denominator is 'Eligible cases.';
comment on column metrics.latest_rates.rate is 'numerator / denominator; NULL when the denominator is 0.';
comment on column metrics.latest_rates.ci_low is 'Lower bound of the 95% Wilson score interval.';
comment on column metrics.latest_rates.ci_high is 'Upper bound of the 95% Wilson score interval.';
comment on column metrics.latest_rates.band is 'outstanding, good, requires_improvement or inadequate; NULL when the denominator is 0.';
comment on column metrics.latest_rates.run_id is 'The run the row comes from.';
comment on column metrics.latest_rates.as_of is 'That run''s as-of date.';
comment on column metrics.latest_rates.official is 'Whether that run is official (published).';
comment on column metrics.latest_rates.force_reason is 'Why that run was published although its quality gate failed (throughcare run --force); NULL when it was not forced.';

create or replace view metrics.latest_case_metrics as
select distinct on (cm.case_id, rp.period_start, rp.nominal_end, cm.metric)
    cm.case_id,
    c.establishment_code,
    cm.period_start,
    cm.period_end,
    rp.nominal_end,
    cm.metric,
    cm.eligible,
    cm.met,
    cm.detail,
    cm.run_id,
    ru.as_of
from metrics.case_metrics as cm
join metrics.run_periods as rp
  on rp.run_id = cm.run_id
 and rp.period_start = cm.period_start
join metrics.runs as ru
  on ru.run_id = cm.run_id
left join core.cases as c
  on c.case_id = cm.case_id
where ru.status = 'succeeded'
order by cm.case_id, rp.period_start, rp.nominal_end, cm.metric, cm.run_id desc;
comment on view metrics.latest_case_metrics is 'metrics.case_metrics from the newest succeeded run for each case x period (period_start, nominal_end) x metric, with the case''s establishment.';
comment on column metrics.latest_case_metrics.case_id is 'The case.';
comment on column metrics.latest_case_metrics.establishment_code is 'The case''s establishment (from core.cases as loaded now; NULL if the case has left the extract).';
comment on column metrics.latest_case_metrics.period_start is 'First day of the review period.';
comment on column metrics.latest_case_metrics.period_end is 'First day after the period as analysed.';
comment on column metrics.latest_case_metrics.nominal_end is 'First day after the calendar period before the as-of cut.';
comment on column metrics.latest_case_metrics.metric is 'Metric name.';
comment on column metrics.latest_case_metrics.eligible is 'Counted in the denominator.';
comment on column metrics.latest_case_metrics.met is 'Met the standard (numerator); NULL when not eligible.';
comment on column metrics.latest_case_metrics.detail is 'Evidence (see metrics.case_metrics.detail).';
comment on column metrics.latest_case_metrics.run_id is 'The run the row comes from.';
comment on column metrics.latest_case_metrics.as_of is 'That run''s as-of date.';

create or replace view metrics.latest_volumes as
select distinct on (v.scope_type, v.scope_id, v.period_start, v.measure)
    v.scope_type,
    v.scope_id,
    v.period_start,
    v.period_end,
    v.measure,
    v.value,
    v.run_id,
    ru.as_of
from metrics.volumes as v
join metrics.runs as ru
  on ru.run_id = v.run_id
where ru.status = 'succeeded'
order by v.scope_type, v.scope_id, v.period_start, v.measure, v.run_id desc;
comment on view metrics.latest_volumes is 'metrics.volumes from the newest succeeded run for each scope x month (period_start) x measure.';
comment on column metrics.latest_volumes.scope_type is 'establishment, prison_group, probation_region or national.';
comment on column metrics.latest_volumes.scope_id is 'Establishment code, prison group, probation region or ''national''.';
comment on column metrics.latest_volumes.period_start is 'First day of the month (or of the range when it started mid-month).';
comment on column metrics.latest_volumes.period_end is 'First day after the month as analysed.';
comment on column metrics.latest_volumes.measure is 'Measure name (docs/output-schema.md).';
comment on column metrics.latest_volumes.value is 'The value; NULL where a ratio''s divisor is 0.';
comment on column metrics.latest_volumes.run_id is 'The run the row comes from.';
comment on column metrics.latest_volumes.as_of is 'That run''s as-of date.';
