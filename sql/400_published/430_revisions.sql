-- Revisions: what an official run changed in what was published before. Each official run is
-- compared with the previous official succeeded run of the same range and period kind (same
-- range_from, range_to, period_kind; the highest lower run_id), cell by cell on (scope_type,
-- scope_id, period_start, metric). A cell is revised when what a reader sees differs: the shown
-- numerator, denominator, rate (6 places, as in the CSV pack), band, or suppressed or not. A cell
-- one run has and the other lacks is revised too ([x] on the missing side). Values are shown as the
-- pack shows them, so a suppressed figure is [c] here as well and nothing hidden is exposed.
-- A view, not a table: both runs' cells stay in published.rates_cells (official runs are never
-- pruned), so the answer cannot drift.

create or replace view published.rates_revisions as
with official_runs as (
    select
        r.run_id,
        lag(r.run_id) over (partition by r.range_from, r.range_to, r.period_kind order by r.run_id) as previous_run_id
    from metrics.runs as r
    where r.official
      and r.status = 'succeeded'
),
shown_cells as (
    select
        rc.run_id,
        rc.scope_type,
        rc.scope_id,
        rc.period_start,
        rc.period_end,
        rc.metric,
        case when rc.suppressed is not null then '[c]' else rc.numerator::text end as numerator,
        case when rc.suppressed is not null then '[c]' else rc.denominator::text end as denominator,
        case when rc.suppressed is not null then '[c]' when rc.rate is null then '[z]' else round(rc.rate::numeric, 6)::text end as rate,
        case when rc.suppressed is not null then '[c]' when rc.band is null then '[z]' else rc.band end as band
    from published.rates_cells as rc
)
select
    o.run_id,
    o.previous_run_id,
    changed.scope_type,
    changed.scope_id,
    changed.period_start,
    changed.period_end,
    changed.metric,
    changed.old_numerator,
    changed.new_numerator,
    changed.old_denominator,
    changed.new_denominator,
    changed.old_rate,
    changed.new_rate,
    changed.old_band,
    changed.new_band,
    '[r]'::text as marker
from official_runs as o
cross join lateral (
    select
        coalesce(new_cell.scope_type, old_cell.scope_type) as scope_type,
        coalesce(new_cell.scope_id, old_cell.scope_id) as scope_id,
        coalesce(new_cell.period_start, old_cell.period_start) as period_start,
        coalesce(new_cell.period_end, old_cell.period_end) as period_end,
        coalesce(new_cell.metric, old_cell.metric) as metric,
        coalesce(old_cell.numerator, '[x]') as old_numerator,
        coalesce(new_cell.numerator, '[x]') as new_numerator,
        coalesce(old_cell.denominator, '[x]') as old_denominator,
        coalesce(new_cell.denominator, '[x]') as new_denominator,
        coalesce(old_cell.rate, '[x]') as old_rate,
        coalesce(new_cell.rate, '[x]') as new_rate,
        coalesce(old_cell.band, '[x]') as old_band,
        coalesce(new_cell.band, '[x]') as new_band
    from (select * from shown_cells as sc where sc.run_id = o.run_id) as new_cell
    full join (select * from shown_cells as sc where sc.run_id = o.previous_run_id) as old_cell
      on old_cell.scope_type = new_cell.scope_type
     and old_cell.scope_id = new_cell.scope_id
     and old_cell.period_start = new_cell.period_start
     and old_cell.metric = new_cell.metric
    where (old_cell.numerator, old_cell.denominator, old_cell.rate, old_cell.band)
          is distinct from (new_cell.numerator, new_cell.denominator, new_cell.rate, new_cell.band)
) as changed
where o.previous_run_id is not null;
comment on view published.rates_revisions is 'Cells of an official run whose published value differs from the previous official run of the same range and period kind, with the old and new values as the CSV pack shows them ([c] suppressed, [z] not applicable, [x] no such cell in that run).';
comment on column published.rates_revisions.run_id is 'The official run that revised the cell.';
comment on column published.rates_revisions.previous_run_id is 'The previous official run of the same range and period kind, whose value was revised.';
comment on column published.rates_revisions.scope_type is 'establishment, prison_group, probation_region, release_region or national.';
comment on column published.rates_revisions.scope_id is 'Establishment code, prison group, probation region, release region, or ''national''.';
comment on column published.rates_revisions.period_start is 'First day of the review period.';
comment on column published.rates_revisions.period_end is 'First day after the review period as analysed (in the revising run).';
comment on column published.rates_revisions.metric is 'Metric name (metrics.metric_definitions).';
comment on column published.rates_revisions.old_numerator is 'Numerator as published by the previous run.';
comment on column published.rates_revisions.new_numerator is 'Numerator as published by this run.';
comment on column published.rates_revisions.old_denominator is 'Denominator as published by the previous run.';
comment on column published.rates_revisions.new_denominator is 'Denominator as published by this run.';
comment on column published.rates_revisions.old_rate is 'Rate (6 decimal places) as published by the previous run.';
comment on column published.rates_revisions.new_rate is 'Rate (6 decimal places) as published by this run.';
comment on column published.rates_revisions.old_band is 'Rating band as published by the previous run.';
comment on column published.rates_revisions.new_band is 'Rating band as published by this run.';
comment on column published.rates_revisions.marker is 'Always [r]: the GSS marker for a revised figure.';
