-- `throughcare sample`: a reproducible inspection sample (metrics.md "Inspection sample").
-- Population: cases released in P, or in custody on pe - 1 when p_in_custody; optionally limited to
-- one scope (core.case_scopes). Stratified by establishment; stratum sizes proportional to stratum
-- size by largest remainder (exact integer remainders, ties to the lower establishment_code);
-- within a stratum cases are taken in md5(seed || ':' || case_id) order. Codes and hashes are
-- ordered with COLLATE "C" so the same seed and data give the same sample on any machine.
--
-- P must be a review period of p_run_id ([p_from, p_to) as a period of the run, e.g. a run with
-- period kind whole over the same range): the sampled rows carry that run's results for the case.
-- Drawing the same sample again replaces the earlier rows.
create or replace function metrics.draw_sample(
    p_run_id bigint,
    p_from date,
    p_to date,
    p_size integer,
    p_seed text,
    p_in_custody boolean,
    p_scope_type text,
    p_scope_id text
)
returns setof metrics.inspection_sample
language plpgsql
as $$
declare
    period metrics.run_periods;
    population_name text := case when p_in_custody then 'in_custody' else 'released' end;
    sample_scope_type text := coalesce(p_scope_type, 'national');
    sample_scope_id text := coalesce(p_scope_id, 'national');
begin
    if not exists (select from metrics.runs as r where r.run_id = p_run_id and r.status = 'succeeded') then
        raise exception 'run % does not exist or has not succeeded', p_run_id
            using errcode = 'no_data_found';
    end if;
    if p_size is null or p_size < 1 then
        raise exception 'sample size must be at least 1, got %', coalesce(p_size::text, 'NULL')
            using errcode = 'invalid_parameter_value';
    end if;
    if p_seed is null then
        raise exception 'a sample needs a seed' using errcode = 'invalid_parameter_value';
    end if;
    if p_in_custody is null then
        raise exception 'say whether to sample cases in custody (true) or released (false)' using errcode = 'invalid_parameter_value';
    end if;
    if sample_scope_type not in ('establishment', 'prison_group', 'probation_region', 'release_region', 'national')
       or (p_scope_type is null) <> (p_scope_id is null) then
        raise exception 'scope must be both a type (establishment, prison_group, probation_region, release_region, national) and an id, or neither; got % / %',
                coalesce(p_scope_type, 'NULL'), coalesce(p_scope_id, 'NULL')
            using errcode = 'invalid_parameter_value';
    end if;

    select * into period
    from metrics.run_periods as rp
    where rp.run_id = p_run_id
      and rp.period_start = p_from
      and rp.nominal_end = p_to;
    if not found then
        raise exception 'run % has no review period [%, %)', p_run_id, p_from, p_to
            using errcode = 'no_data_found',
                  hint = 'Sample from a run whose periods include this one, e.g. aggregate --from/--to the same dates with --period whole.';
    end if;

    delete from metrics.inspection_sample as s
    where s.run_id = p_run_id
      and s.seed = p_seed
      and s.period_start = period.period_start
      and s.population = population_name
      and s.scope_type = sample_scope_type
      and s.scope_id = sample_scope_id
      and s.requested_size = p_size;

    insert into metrics.inspection_sample (
        run_id, seed, period_start, period_end, population, scope_type, scope_id, requested_size,
        establishment_code, stratum_size, stratum_sample_size, position_in_stratum,
        case_id, prisoner_id, reference_date, responsible, pom_staff_id, pom_staff_role, com_staff_id, results
    )
    with population_cases as (
        select
            c.case_id,
            c.prisoner_id,
            c.establishment_code,
            case when p_in_custody then period.period_end - 1 else c.release_date end as reference_date
        from core.cases as c
        where case
                when p_in_custody then c.custody_window @> (period.period_end - 1)
                else c.release_date >= period.period_start and c.release_date < period.period_end
              end
          and (p_scope_type is null
               or exists (
                    select
                    from core.case_scopes as cs
                    where cs.case_id = c.case_id
                      and cs.scope_type = p_scope_type
                      and cs.scope_id = p_scope_id
               ))
    ),
    strata as (
        select pc.establishment_code, count(*) as stratum_size
        from population_cases as pc
        group by pc.establishment_code
    ),
    sample_total as (
        select sum(s.stratum_size)::bigint as population_size, least(p_size, sum(s.stratum_size))::bigint as sample_size
        from strata as s
    ),
    quotas as (
        -- quota = sample_size x stratum_size / population_size, split exactly into whole part and remainder
        select
            s.establishment_code,
            s.stratum_size,
            t.sample_size,
            (t.sample_size * s.stratum_size) / t.population_size as whole_part,
            (t.sample_size * s.stratum_size) % t.population_size as remainder
        from strata as s
        cross join sample_total as t
    ),
    allocations as (
        select
            q.establishment_code,
            q.stratum_size,
            q.whole_part
              + case
                    when row_number() over (order by q.remainder desc, q.establishment_code collate "C")
                         <= q.sample_size - sum(q.whole_part) over ()
                    then 1 else 0
                end as stratum_sample_size
        from quotas as q
    ),
    ordered_cases as (
        select
            pc.*,
            row_number() over (
                partition by pc.establishment_code
                order by md5(p_seed || ':' || pc.case_id) collate "C", pc.case_id collate "C"
            ) as position_in_stratum
        from population_cases as pc
    )
    select
        p_run_id,
        p_seed,
        period.period_start,
        period.period_end,
        population_name,
        sample_scope_type,
        sample_scope_id,
        p_size,
        oc.establishment_code,
        al.stratum_size,
        al.stratum_sample_size,
        oc.position_in_stratum,
        oc.case_id,
        oc.prisoner_id,
        oc.reference_date,
        core.responsible_on(oc.case_id, oc.reference_date),
        pom.staff_id,
        pom.staff_role,
        com.staff_id,
        coalesce(results.by_metric, '{}'::jsonb)
    from ordered_cases as oc
    join allocations as al
      on al.establishment_code = oc.establishment_code
    left join lateral (
        select a.staff_id, a.staff_role
        from core.allocations as a
        where a.case_id = oc.case_id and a.role = 'pom' and a.active_days @> oc.reference_date
        order by a.start_date desc, a.staff_id desc
        limit 1
    ) as pom on true
    left join lateral (
        select a.staff_id
        from core.allocations as a
        where a.case_id = oc.case_id and a.role = 'com' and a.active_days @> oc.reference_date
        order by a.start_date desc, a.staff_id desc
        limit 1
    ) as com on true
    left join lateral (
        select jsonb_object_agg(cm.metric, jsonb_build_object('eligible', cm.eligible, 'met', cm.met)) as by_metric
        from metrics.case_metrics as cm
        where cm.run_id = p_run_id
          and cm.period_start = period.period_start
          and cm.case_id = oc.case_id
    ) as results on true
    where oc.position_in_stratum <= al.stratum_sample_size;

    return query
        select s.*
        from metrics.inspection_sample as s
        where s.run_id = p_run_id
          and s.seed = p_seed
          and s.period_start = period.period_start
          and s.population = population_name
          and s.scope_type = sample_scope_type
          and s.scope_id = sample_scope_id
          and s.requested_size = p_size
        order by s.establishment_code collate "C", s.position_in_stratum;
end;
$$;
comment on function metrics.draw_sample(bigint, date, date, integer, text, boolean, text, text) is 'Draws (or redraws) a reproducible stratified inspection sample into metrics.inspection_sample and returns it: cases released in [p_from, p_to) (or in custody on pe - 1 when p_in_custody), optionally within one scope, largest-remainder allocation by establishment, md5(seed || '':'' || case_id) order within a stratum; each row with POM and COM on the reference day and the run''s metric results.';
