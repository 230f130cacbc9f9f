-- Rates per scope x period x metric, counted from metrics.case_period_results. Establishment rows count
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
    run_scopes jsonb := (select r.scopes from metrics.runs as r where r.run_id = p_run_id);
    -- a review limited to scopes computes the cells of its own establishments and release
    -- regions only (a region's quarter: 221 of 2,288 rows), not every prison's zeros; the
    -- partial rollups its establishments make are dropped by execute_run
    review_establishments text[] := metrics.review_establishments(run_scopes);
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
        -- counted per case x period row first (all thirteen results are columns of one row),
        -- then one row per metric
        select
            counts.period_start,
            metric.name as metric,
            counts.establishment_code,
            counts.release_region,
            metric.numerator,
            metric.denominator
        from (
            select
                cp.period_start,
                cp.establishment_code,
                cp.release_region,
                count(*) filter (where r.keywork_met) as keywork_met,
                count(*) filter (where r.keywork_eligible) as keywork_eligible,
                count(*) filter (where r.pom_contact_met) as pom_contact_met,
                count(*) filter (where r.pom_contact_eligible) as pom_contact_eligible,
                count(*) filter (where r.sentence_plan_met) as sentence_plan_met,
                count(*) filter (where r.sentence_plan_eligible) as sentence_plan_eligible,
                count(*) filter (where r.high_risk_met) as high_risk_met,
                count(*) filter (where r.high_risk_eligible) as high_risk_eligible,
                count(*) filter (where r.handover_on_time_met) as handover_on_time_met,
                count(*) filter (where r.handover_on_time_eligible) as handover_on_time_eligible,
                count(*) filter (where r.communication_met) as communication_met,
                count(*) filter (where r.communication_eligible) as communication_eligible,
                count(*) filter (where r.prerelease_contact_met) as prerelease_contact_met,
                count(*) filter (where r.prerelease_contact_eligible) as released,
                count(*) filter (where r.accommodation_met) as accommodation_met,
                count(*) filter (where r.settled_accommodation_met) as settled_accommodation_met,
                count(*) filter (where r.id_met) as id_met,
                count(*) filter (where r.bank_account_met) as bank_account_met,
                count(*) filter (where r.ete_met) as ete_met,
                count(*) filter (where r.recall_met) as recall_met,
                count(*) filter (where r.recall_eligible) as recall_eligible
            from metrics.case_period_results as r
            join intermediate.case_periods as cp
              on cp.run_id = r.run_id
             and cp.case_id = r.case_id
             and cp.period_start = r.period_start
            where r.run_id = p_run_id
            group by cp.period_start, cp.establishment_code, cp.release_region
        ) as counts
        cross join lateral (
            values
                ('keywork_regular', counts.keywork_met, counts.keywork_eligible),
                ('pom_contact_regular', counts.pom_contact_met, counts.pom_contact_eligible),
                ('sentence_plan_in_place', counts.sentence_plan_met, counts.sentence_plan_eligible),
                ('high_risk_with_probation_pom', counts.high_risk_met, counts.high_risk_eligible),
                ('handover_on_time', counts.handover_on_time_met, counts.handover_on_time_eligible),
                ('communication_adequate', counts.communication_met, counts.communication_eligible),
                ('prerelease_contact_sufficient', counts.prerelease_contact_met, counts.released),
                ('accommodation_on_release', counts.accommodation_met, counts.released),
                ('settled_accommodation_on_release', counts.settled_accommodation_met, counts.released),
                ('id_on_release', counts.id_met, counts.released),
                ('bank_account_on_release', counts.bank_account_met, counts.released),
                ('ete_on_release', counts.ete_met, counts.released),
                ('recalled_within_28_days', counts.recall_met, counts.recall_eligible)
        ) as metric (name, numerator, denominator)
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
        where e.establishment_code = any (review_establishments)
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
    release_regions as materialized (
        select distinct c.release_region
        from core.cases as c
        where c.release_region is not null
    ),
    release_regions_in_review as materialized (
        -- asked once per region: both CTEs MATERIALIZED, so the question is not pushed down to
        -- each of the 90 k cases below the distinct (1 s)
        select rr.release_region
        from release_regions as rr
        where metrics.scope_in_review(run_scopes, 'release_region', rr.release_region)
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
        cross join release_regions_in_review as regions
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
comment on function metrics.fill_rates(bigint) is 'Writes metrics.rates for a run from its case_period_results: every scope x period x metric, with rate, 95% Wilson interval and band; rollups are sums of establishment rows. Returns the rows written.';
