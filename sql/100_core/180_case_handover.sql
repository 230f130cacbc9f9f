-- core.case_handover: who is responsible for each case and from when, by the OMiC rules of
-- metrics.md "Responsibility and handover". Rules are tried in order and the first match wins;
-- the CASE below lists them in that order so it reads like the spec. The periods are the build's
-- parameters (core.parameter: the run's values, spec defaults otherwise, on core.builds).
--
-- Date arithmetic is PostgreSQL's date - interval: whole months first, with the day clamped to the
-- end of a shorter month, then days (2025-10-31 - '8 months 14 days' = 2025-02-14). The result is
-- a timestamp at midnight and is stored as a date.

truncate core.case_handover;

insert into core.case_handover (
    case_id,
    earliest_release_date,
    handover_date,
    reason,
    responsible_throughout,
    handover_clamped,
    computed_handover_date
)
with handover_periods as (
    -- one row: read and cast each parameter once, failing loudly if one is missing or malformed
    select
        core.parameter_interval('com_only_below') as com_only_below,
        core.parameter_interval('handover_determinate') as handover_determinate,
        core.parameter_interval('handover_parole') as handover_parole,
        core.parameter_interval('handover_indeterminate') as handover_indeterminate
),

cases_with_erd as (
    select
        c.case_id,
        c.sentence_type,
        c.sentence_start_date,
        c.parole_eligibility_date,
        case
            when c.sentence_type in ('determinate', 'recall')
                then coalesce(c.parole_eligibility_date, c.expected_release_date)
            when c.sentence_type = 'indeterminate'
                then coalesce(c.expected_release_date, c.parole_eligibility_date)
        end as earliest_release_date
    from core.cases as c
),

cases_with_rule as (
    select
        e.case_id,
        e.sentence_start_date,
        e.earliest_release_date,
        case
            when e.sentence_type = 'recall'
                then 'recall'
            when e.earliest_release_date is null
                then 'release_date_unknown'
            when e.sentence_type = 'determinate'
             and e.sentence_start_date + p.com_only_below >= e.earliest_release_date
                then 'determinate_short'
            when e.sentence_type = 'determinate'
             and e.parole_eligibility_date is not null
                then 'determinate_parole'
            when e.sentence_type = 'determinate'
                then 'determinate'
            when e.sentence_type = 'indeterminate'
                then 'indeterminate'
        end as reason
    from cases_with_erd as e
    cross join handover_periods as p
),

cases_with_computed_handover as (
    select
        r.case_id,
        r.sentence_start_date,
        r.earliest_release_date,
        r.reason,
        case r.reason
            when 'determinate_parole' then (r.earliest_release_date - p.handover_parole)::date
            when 'determinate' then (r.earliest_release_date - p.handover_determinate)::date
            when 'indeterminate' then (r.earliest_release_date - p.handover_indeterminate)::date
        end as computed_handover_date
    from cases_with_rule as r
    cross join handover_periods as p
)

select
    r.case_id,
    r.earliest_release_date,
    -- not greatest(): it ignores NULLs and would invent a handover date for the no-handover rules
    case
        when r.computed_handover_date < r.sentence_start_date then r.sentence_start_date
        else r.computed_handover_date
    end as handover_date,
    r.reason,
    case r.reason
        when 'recall' then 'com'
        when 'determinate_short' then 'com'
        when 'release_date_unknown' then 'pom'
    end as responsible_throughout,
    coalesce(r.computed_handover_date < r.sentence_start_date, false) as handover_clamped,
    r.computed_handover_date
from cases_with_computed_handover as r;

analyze core.case_handover;
