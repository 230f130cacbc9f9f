-- Run parameters: the metrics.md parameter table in one place (name, type, default), the defaults
-- as jsonb, and the check that turns what a run gave into its effective parameters. A run row's
-- parameters are always effective ones: the insert trigger below overlays the given values on the
-- defaults, checks every value and stores the result back, so a run records exactly what it used.

create or replace function metrics.parameter_catalogue()
returns table (name text, value_type text, default_value text, used_by text)
language sql
immutable
parallel safe
as $$
    values
        ('com_only_below', 'interval', '10 months', 'handover rule 3 (applied by transform, core.case_handover)'),
        ('handover_determinate', 'interval', '8 months 14 days', 'handover rule 5 (applied by transform)'),
        ('handover_parole', 'interval', '12 months', 'handover rule 4 (applied by transform)'),
        ('handover_indeterminate', 'interval', '12 months', 'handover rule 6 (applied by transform)'),
        ('keywork_min_window_days', 'days', '28', 'keywork_regular'),
        ('keywork_max_gap_days', 'days', '14', 'keywork_regular (per week of keywork_frequency_weeks)'),
        ('pom_min_window_days', 'days', '42', 'pom_contact_regular'),
        ('pom_max_gap_days', 'days', '42', 'pom_contact_regular'),
        ('sentence_plan_min_days', 'days', '56', 'sentence_plan_in_place'),
        ('prerelease_window_days', 'days', '84', 'prerelease_contact_sufficient, communication_adequate (a)'),
        ('prerelease_min_contacts', 'count', '3', 'prerelease_contact_sufficient'),
        ('liaison_before_handover_days', 'days', '56', 'communication_adequate (b)'),
        ('liaison_after_handover_days', 'days', '28', 'communication_adequate (b)'),
        ('recall_window_days', 'days', '28', 'recalled_within_28_days'),
        ('band_outstanding', 'proportion', '0.80', 'rating bands'),
        ('band_good', 'proportion', '0.65', 'rating bands'),
        ('band_requires_improvement', 'proportion', '0.50', 'rating bands'),
        ('min_publish_denominator', 'count', '10', 'published suppression'),
        -- 1 is "no rounding" (every count is a multiple of 1): the spec's default, and a number
        -- like every other count, so runs record it plainly rather than as NULL or absent
        ('round_counts_to', 'count', '1', 'published counts (disclosure rounding of numerator and denominator)')
$$;
comment on function metrics.parameter_catalogue() is 'The run parameters of metrics.md: name, type (interval, days, count, proportion), default and what uses it. as_of is not here: a run gives it as metrics.runs.as_of_override.';

create or replace function metrics.default_parameters()
returns jsonb
language sql
immutable
parallel safe
as $$
    select jsonb_object_agg(
        c.name,
        case c.value_type
            when 'interval' then to_jsonb(c.default_value)
            else to_jsonb(c.default_value::numeric)
        end
    )
    from metrics.parameter_catalogue() as c
$$;
comment on function metrics.default_parameters() is 'Every metrics.md run parameter with its default, as jsonb by name (as_of excluded). A run''s effective parameters are default_parameters() || the values it gave.';

-- Given values may arrive as JSON numbers or strings ("28"); the result holds numbers for the
-- numeric parameters and the interval text as given, so analysts can read runs.parameters plainly.
create or replace function metrics.effective_parameters(p_given jsonb)
returns jsonb
language plpgsql
immutable
as $$
declare
    given_parameters jsonb := coalesce(p_given, '{}');
    merged_parameters jsonb;
    result_parameters jsonb := '{}';
    unknown_names text;
    parameter record;
    value_text text;
    value_number numeric;
begin
    if jsonb_typeof(given_parameters) <> 'object' then
        raise exception 'run parameters must be a JSON object of name: value, not %', jsonb_typeof(given_parameters)
            using errcode = 'invalid_parameter_value';
    end if;
    if given_parameters ? 'as_of' then
        raise exception 'as_of is not a run parameter here: give it as metrics.runs.as_of_override'
            using errcode = 'invalid_parameter_value';
    end if;

    select string_agg(k, ', ' order by k)
      into unknown_names
      from jsonb_object_keys(given_parameters) as k
     where k not in (select c.name from metrics.parameter_catalogue() as c);
    if unknown_names is not null then
        raise exception 'unknown run parameter(s): %', unknown_names
            using errcode = 'invalid_parameter_value',
                  hint = 'Known parameters: ' || (select string_agg(c.name, ', ') from metrics.parameter_catalogue() as c);
    end if;

    merged_parameters := metrics.default_parameters() || given_parameters;

    for parameter in select * from metrics.parameter_catalogue() loop
        value_text := btrim(merged_parameters ->> parameter.name);
        if value_text is null or value_text = '' then
            raise exception 'run parameter % is empty', parameter.name
                using errcode = 'invalid_parameter_value';
        end if;
        if parameter.value_type = 'interval' then
            begin
                perform value_text::interval;
            exception when others then
                raise exception 'run parameter % = % is not an interval', parameter.name, quote_literal(value_text)
                    using errcode = 'invalid_parameter_value', hint = 'Write it like ''8 months 14 days''.';
            end;
            result_parameters := result_parameters || jsonb_build_object(parameter.name, value_text);
        else
            begin
                value_number := value_text::numeric;
            exception when others then
                raise exception 'run parameter % = % is not a number', parameter.name, quote_literal(value_text)
                    using errcode = 'invalid_parameter_value';
            end;
            if parameter.value_type in ('days', 'count') and (value_number < 0 or value_number <> trunc(value_number)) then
                raise exception 'run parameter % = % must be a whole number >= 0', parameter.name, value_text
                    using errcode = 'invalid_parameter_value';
            end if;
            if parameter.value_type = 'proportion' and (value_number < 0 or value_number > 1) then
                raise exception 'run parameter % = % must be between 0 and 1', parameter.name, value_text
                    using errcode = 'invalid_parameter_value';
            end if;
            result_parameters := result_parameters || jsonb_build_object(parameter.name, value_number);
        end if;
    end loop;

    -- 0 would divide by zero when rounding: the smallest multiple is 1, no rounding
    if (result_parameters ->> 'round_counts_to')::numeric < 1 then
        raise exception 'run parameter round_counts_to = % must be a whole number >= 1 (1: no rounding)', result_parameters ->> 'round_counts_to'
            using errcode = 'invalid_parameter_value';
    end if;

    if not ((result_parameters ->> 'band_outstanding')::numeric >= (result_parameters ->> 'band_good')::numeric
            and (result_parameters ->> 'band_good')::numeric >= (result_parameters ->> 'band_requires_improvement')::numeric) then
        raise exception 'rating bands must satisfy band_outstanding >= band_good >= band_requires_improvement (got %, %, %)',
            result_parameters ->> 'band_outstanding', result_parameters ->> 'band_good', result_parameters ->> 'band_requires_improvement'
            using errcode = 'invalid_parameter_value';
    end if;
    return result_parameters;
end;
$$;
comment on function metrics.effective_parameters(jsonb) is 'default_parameters() overlaid with the given values, each checked (unknown names, intervals, whole days and counts, proportions, band order); raises a message naming the parameter at fault.';

create or replace function metrics.runs_set_effective_parameters()
returns trigger
language plpgsql
as $$
begin
    new.parameters := metrics.effective_parameters(new.parameters);
    return new;
end;
$$;
comment on function metrics.runs_set_effective_parameters() is 'Trigger: stores a run''s effective parameters (defaults || given) on the run row.';

create or replace trigger runs_effective_parameters
    before insert or update of parameters on metrics.runs
    for each row
    execute function metrics.runs_set_effective_parameters();

-- One run parameter of a run, as text (callers cast). Raises when the run does not exist.
create or replace function metrics.run_parameter(p_run_id bigint, p_name text)
returns text
language plpgsql
stable
as $$
declare
    parameter_value text;
begin
    select r.parameters ->> p_name into parameter_value from metrics.runs as r where r.run_id = p_run_id;
    if not found then
        raise exception 'run % does not exist', p_run_id using errcode = 'no_data_found';
    end if;
    if parameter_value is null then
        raise exception 'run % has no parameter %', p_run_id, p_name using errcode = 'no_data_found';
    end if;
    return parameter_value;
end;
$$;
comment on function metrics.run_parameter(bigint, text) is 'A run''s effective value of one parameter, as text; raises when the run or parameter is missing.';
