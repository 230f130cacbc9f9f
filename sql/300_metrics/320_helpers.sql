-- Building blocks shared by the metric, rate, volume and sample functions: the Wilson interval,
-- the rating band and cutting a range into periods. The case x period frame and the gap rule are
-- models of the intermediate layer (321_case_periods.sql, 322_contact_gaps.sql).

-- 95% Wilson score interval for numerator/denominator:
--   centre = (p + z^2/2n) / (1 + z^2/n), half = z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/4n^2).
-- NULL when the denominator is 0 (or NULL). Clamped to [0, 1] against floating-point dust (inside
-- the CASE: greatest/least ignore NULLs and would turn "no interval" into 0 or 1). Written as one
-- expression in n and p = numerator / n (no FROM), so PostgreSQL inlines it into the rates query
-- instead of running a function per rate row; the operations, and so the values, are the same.
create or replace function metrics.wilson_low(numerator bigint, denominator bigint, z double precision default 1.959964)
returns double precision
language sql
immutable
parallel safe
as $$
    select case when denominator > 0 then
        greatest(0.0, (numerator::double precision / denominator + z * z / (2 * denominator::double precision)
            - z * sqrt((numerator::double precision / denominator) * (1 - numerator::double precision / denominator) / denominator
                       + z * z / (4 * denominator::double precision * denominator::double precision)))
            / (1 + z * z / denominator))
    end
$$;
comment on function metrics.wilson_low(bigint, bigint, double precision) is 'Lower bound of the Wilson score interval (default z = 1.959964, 95%); NULL when the denominator is 0.';

create or replace function metrics.wilson_high(numerator bigint, denominator bigint, z double precision default 1.959964)
returns double precision
language sql
immutable
parallel safe
as $$
    select case when denominator > 0 then
        least(1.0, (numerator::double precision / denominator + z * z / (2 * denominator::double precision)
            + z * sqrt((numerator::double precision / denominator) * (1 - numerator::double precision / denominator) / denominator
                       + z * z / (4 * denominator::double precision * denominator::double precision)))
            / (1 + z * z / denominator))
    end
$$;
comment on function metrics.wilson_high(bigint, bigint, double precision) is 'Upper bound of the Wilson score interval (default z = 1.959964, 95%); NULL when the denominator is 0.';

-- Compared in exact arithmetic (numerator >= threshold x denominator), so 13/20 is "good" at 0.65.
create or replace function metrics.band(numerator bigint, denominator bigint, band_outstanding numeric, band_good numeric, band_requires_improvement numeric)
returns text
language sql
immutable
parallel safe
as $$
    select case
        when denominator is null or denominator = 0 then null
        when numerator >= band_outstanding * denominator then 'outstanding'
        when numerator >= band_good * denominator then 'good'
        when numerator >= band_requires_improvement * denominator then 'requires_improvement'
        else 'inadequate'
    end
$$;
comment on function metrics.band(bigint, bigint, numeric, numeric, numeric) is 'Rating band of numerator/denominator: outstanding >= band_outstanding, good >= band_good, requires_improvement >= band_requires_improvement, else inadequate; NULL when the denominator is 0.';

-- [p_from, p_to) cut into calendar months or quarters (the first and last clipped to the range),
-- or kept whole; each period ends at the latest on as_of + 1 day and periods starting after as_of
-- are left out.
create or replace function metrics.cut_periods(p_kind text, p_from date, p_to date, p_as_of date)
returns table (period_start date, period_end date, nominal_end date)
language sql
immutable
parallel safe
as $$
    with calendar_periods as (
        select
            greatest(unit_start::date, p_from) as period_start,
            least((unit_start + step)::date, p_to) as nominal_end
        from (
            select
                case p_kind when 'month' then interval '1 month' when 'quarter' then interval '3 months' end as step,
                date_trunc(case p_kind when 'month' then 'month' else 'quarter' end, p_from::timestamp) as first_unit
            where p_kind in ('month', 'quarter')
        ) as cut
        cross join lateral generate_series(cut.first_unit, (p_to - 1)::timestamp, cut.step) as unit_start
        union all
        select p_from, p_to
        where p_kind = 'whole'
    )
    select
        cp.period_start,
        least(cp.nominal_end, p_as_of + 1) as period_end,
        cp.nominal_end
    from calendar_periods as cp
    where cp.period_start <= p_as_of
      and cp.period_start < cp.nominal_end
$$;
comment on function metrics.cut_periods(text, date, date, date) is 'Review periods of [p_from, p_to) by kind (month, quarter, whole): calendar units clipped to the range, each ending at min(end, as_of + 1); periods starting after as_of are omitted.';

-- The time a run's step took, as its progress NOTICE says it ("aggregate: rates, 2288 rows in 0.2 s").
create or replace function metrics.seconds_since(p_started timestamptz)
returns numeric
language sql
volatile
as $$
    select round(extract(epoch from clock_timestamp() - p_started)::numeric, 1)
$$;
comment on function metrics.seconds_since(timestamptz) is 'Seconds from p_started to now (clock_timestamp), to one decimal: the time a run step reports.';
