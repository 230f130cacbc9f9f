-- Rates per scope x period x metric, counted from metrics.case_metrics. Establishment rows count
-- the cases held there; prison_group, probation_region and national rows are sums of establishment
-- rows (one GROUPING SETS pass), so a rollup always equals the sum of its parts. release_region
-- counts cases by their own release region and is a grouping of its own. Every scope in
-- core.establishments (and every release region in core.cases) gets a row for every period and
-- metric, zero counts included, so an absent row never has to be read as zero.
create or replace function metrics.fill_rates(p_run_id bigint)
returns bigint
language plpgsql
as $$
declare
    rows_written bigint;
begin
    delete from metrics.rates as r where r.run_id = p_run_id;

    insert into metrics.rates (
        run_id, scope_type, scope_id, period_start, period_end, metric,
        numerator, denominator, rate, ci_low, ci_high, band
    )
    with bands as materialized (
        select
            metrics.run_parameter(p_run_id, 'band_outstanding')::numeric as outstanding,
            metrics.run_parameter(p_run_id, 'band_good')::numeric as good,
            metrics.run_parameter(p_run_id, 'band_requires_improvement')::numeric as requires_improvement
    ),
    periods_and_metrics as (
        select rp.period_start, rp.period_end, md.metric
        from metrics.run_periods as rp
        cross join metrics.metric_definitions as md
        where rp.run_id = p_run_id
    ),
    case_counts as (
        select
            cm.period_start,
            cm.metric,
            c.establishment_code,
            c.release_region,
            count(*) filter (where cm.met) as numerator,
            count(*) filter (where cm.eligible) as denominator
        from metrics.case_metrics as cm
        join core.cases as c
          on c.case_id = cm.case_id
        where cm.run_id = p_run_id
        group by cm.period_start, cm.metric, c.establishment_code, c.release_region
    ),
    establishment_cells as (
        select
            pm.period_start,
            pm.period_end,
            pm.metric,
            e.establishment_code,
            e.prison_group,
            e.probation_region,
            coalesce(sum(cc.numerator), 0) as numerator,
            coalesce(sum(cc.denominator), 0) as denominator
        from periods_and_metrics as pm
        cross join core.establishments as e
        left join case_counts as cc
          on cc.period_start = pm.period_start
         and cc.metric = pm.metric
         and cc.establishment_code = e.establishment_code
        group by pm.period_start, pm.period_end, pm.metric, e.establishment_code, e.prison_group, e.probation_region
    ),
    prison_scope_cells as (
        select
            case
                when grouping(ec.establishment_code) = 0 then 'establishment'
                when grouping(ec.prison_group) = 0 then 'prison_group'
                when grouping(ec.probation_region) = 0 then 'probation_region'
                else 'national'
            end as scope_type,
            coalesce(ec.establishment_code, ec.prison_group, ec.probation_region, 'national') as scope_id,
            ec.period_start,
            ec.period_end,
            ec.metric,
            sum(ec.numerator) as numerator,
            sum(ec.denominator) as denominator
        from establishment_cells as ec
        group by ec.period_start, ec.period_end, ec.metric,
            grouping sets ((ec.establishment_code), (ec.prison_group), (ec.probation_region), ())
    ),
    release_region_cells as (
        select
            'release_region' as scope_type,
            regions.release_region as scope_id,
            pm.period_start,
            pm.period_end,
            pm.metric,
            coalesce(sum(cc.numerator), 0) as numerator,
            coalesce(sum(cc.denominator), 0) as denominator
        from periods_and_metrics as pm
        cross join (select distinct c.release_region from core.cases as c where c.release_region is not null) as regions
        left join case_counts as cc
          on cc.period_start = pm.period_start
         and cc.metric = pm.metric
         and cc.release_region = regions.release_region
        group by pm.period_start, pm.period_end, pm.metric, regions.release_region
    ),
    all_cells as (
        -- sum() of bigint is numeric; counts go back to bigint for the table and the Wilson functions
        select scope_type, scope_id, period_start, period_end, metric, numerator::bigint as numerator, denominator::bigint as denominator
        from prison_scope_cells
        union all
        select scope_type, scope_id, period_start, period_end, metric, numerator::bigint, denominator::bigint
        from release_region_cells
    )
    select
        p_run_id,
        ac.scope_type,
        ac.scope_id,
        ac.period_start,
        ac.period_end,
        ac.metric,
        ac.numerator,
        ac.denominator,
        ac.numerator::double precision / nullif(ac.denominator, 0),
        metrics.wilson_low(ac.numerator, ac.denominator),
        metrics.wilson_high(ac.numerator, ac.denominator),
        -- a band judges practice against a standard: a lower-is-better outcome gets none
        case when md.direction = 'higher_is_better'
             then metrics.band(ac.numerator, ac.denominator, b.outstanding, b.good, b.requires_improvement)
        end
    from all_cells as ac
    join metrics.metric_definitions as md
      on md.metric = ac.metric
    cross join bands as b;

    get diagnostics rows_written = row_count;
    return rows_written;
end;
$$;
comment on function metrics.fill_rates(bigint) is 'Writes metrics.rates for a run from its case_metrics: every scope x period x metric, with rate, 95% Wilson interval and band; rollups are sums of establishment rows. Returns the rows written.';
