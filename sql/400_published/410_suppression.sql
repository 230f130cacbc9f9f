-- published.refresh_rates_cells(run_id): the suppression rules of metrics.md.
-- Primary: a row (any scope) whose denominator < min_publish_denominator (the run's parameter).
-- Secondary: within one prison_group or one probation_region, for one period and metric, when
-- exactly one establishment row is suppressed, the unsuppressed establishment row with the
-- smallest denominator (then the lowest code) is suppressed too; repeated until no parent has
-- exactly one suppressed child. Shown numerators and denominators are then rounded to the run's
-- round_counts_to (1: unchanged); rates, intervals and bands stay those of the unrounded counts.
-- Each pass settles one parent per period x metric, taking parents
-- in a fixed order (prison groups before probation regions, then by name in C collation), so a
-- cell hidden for one parent is counted before the next parent is judged: the result is
-- deterministic and does not hide more than the rule needs. A parent whose only children are all
-- suppressed already has nothing left to hide.
--
-- The passes run over a temporary work table of the run's establishment cells (dropped at commit);
-- only the final result reaches published.rates_cells, with the figures of suppressed cells NULL.
-- Nearest multiple, halves away from zero (numeric round): 12 -> 10, 13 -> 15 with 5.
create or replace function published.round_to_multiple(p_count bigint, p_multiple bigint)
returns bigint
language sql
immutable
strict
parallel safe
as $$
    select (round(p_count::numeric / p_multiple) * p_multiple)::bigint
$$;
comment on function published.round_to_multiple(bigint, bigint) is 'p_count rounded to the nearest multiple of p_multiple (halves away from zero); the round_counts_to disclosure rounding.';

create or replace function published.refresh_rates_cells(p_run_id bigint)
returns bigint
language plpgsql
as $$
declare
    min_denominator bigint := metrics.run_parameter(p_run_id, 'min_publish_denominator')::bigint;
    -- disclosure rounding of the published counts only; suppression, rates, intervals and bands
    -- are decided on the unrounded counts (metrics.md)
    count_multiple bigint := metrics.run_parameter(p_run_id, 'round_counts_to')::bigint;
    cells_written bigint;
    hidden_this_pass bigint;
begin
    if to_regclass('pg_temp.suppression_children') is not null then
        drop table pg_temp.suppression_children;
    end if;
    create temporary table suppression_children on commit drop as
    select
        r.period_start,
        r.metric,
        parent.parent_type,
        parent.parent_id,
        r.scope_id as establishment_code,
        r.denominator,
        r.denominator < min_denominator as suppressed
    from metrics.rates as r
    join core.establishments as e
      on e.establishment_code = r.scope_id
    cross join lateral (
        values ('prison_group', e.prison_group), ('probation_region', e.probation_region)
    ) as parent (parent_type, parent_id)
    where r.run_id = p_run_id
      and r.scope_type = 'establishment';

    loop
        with exposed_parents as (
            -- exactly one suppressed child, and at least one child left to hide
            select sc.period_start, sc.metric, sc.parent_type, sc.parent_id
            from suppression_children as sc
            group by sc.period_start, sc.metric, sc.parent_type, sc.parent_id
            having count(*) filter (where sc.suppressed) = 1
               and count(*) filter (where not sc.suppressed) > 0
        ),
        first_exposed_parent as (
            select distinct on (ep.period_start, ep.metric) ep.*
            from exposed_parents as ep
            order by ep.period_start, ep.metric, ep.parent_type, ep.parent_id collate "C"
        ),
        cells_to_hide as (
            select distinct on (fp.period_start, fp.metric)
                fp.period_start,
                fp.metric,
                sc.establishment_code
            from first_exposed_parent as fp
            join suppression_children as sc
              on sc.period_start = fp.period_start
             and sc.metric = fp.metric
             and sc.parent_type = fp.parent_type
             and sc.parent_id = fp.parent_id
            where not sc.suppressed
            order by fp.period_start, fp.metric, sc.denominator, sc.establishment_code collate "C"
        )
        -- the establishment is hidden under both of its parents
        update suppression_children as sc
           set suppressed = true
          from cells_to_hide as ch
         where sc.period_start = ch.period_start
           and sc.metric = ch.metric
           and sc.establishment_code = ch.establishment_code;
        get diagnostics hidden_this_pass = row_count;
        exit when hidden_this_pass = 0;
    end loop;

    delete from published.rates_cells as rc where rc.run_id = p_run_id;

    insert into published.rates_cells (
        run_id, scope_type, scope_id, period_start, period_end, metric,
        numerator, denominator, rate, ci_low, ci_high, band, suppressed
    )
    with suppression as (
        select
            r.*,
            case
                when r.denominator < min_denominator then 'primary'
                when r.scope_type = 'establishment'
                 and exists (
                        select
                        from suppression_children as sc
                        where sc.period_start = r.period_start
                          and sc.metric = r.metric
                          and sc.establishment_code = r.scope_id
                          and sc.suppressed
                 ) then 'secondary'
            end as suppressed
        from metrics.rates as r
        where r.run_id = p_run_id
    )
    select
        s.run_id, s.scope_type, s.scope_id, s.period_start, s.period_end, s.metric,
        case when s.suppressed is null then published.round_to_multiple(s.numerator, count_multiple) end,
        case when s.suppressed is null then published.round_to_multiple(s.denominator, count_multiple) end,
        case when s.suppressed is null then s.rate end,
        case when s.suppressed is null then s.ci_low end,
        case when s.suppressed is null then s.ci_high end,
        case when s.suppressed is null then s.band end,
        s.suppressed
    from suppression as s;
    get diagnostics cells_written = row_count;

    return cells_written;
end;
$$;
comment on function published.refresh_rates_cells(bigint) is 'Writes published.rates_cells for an official run: primary suppression (denominator < min_publish_denominator) and iterated secondary suppression within prison groups and probation regions, shown counts rounded to round_counts_to; suppressed cells keep only their key and reason. Returns the cells written.';
