-- Core: the typed model every metric is computed from, rebuilt from staging on each
-- `throughcare transform`. This first file creates the schema and the run-parameter table, because
-- every later file may read parameters and the tool upserts the run's values into it.
--
-- Parameters are never spliced into SQL text: the tool writes them into core.parameters with
-- bound parameters, and SQL reads them back through core.parameter(name).
create schema if not exists core;
comment on schema core is 'Typed model of the extract (establishments, staff, cases, allocations, contacts, assessments, release outcomes) plus the OMiC handover rules. Rebuilt from staging by every transform.';

create table if not exists core.parameters (
    name  text primary key,
    value text not null
);
comment on table core.parameters is 'Run parameters as text, one row per name. Seeded with the metrics.md defaults; the throughcare tool upserts the values of the current run (bound parameters) before the transform SQL runs, so this holds the values the latest transform used.';
comment on column core.parameters.name is 'Parameter name as in metrics.md, e.g. handover_determinate.';
comment on column core.parameters.value is 'Parameter value as text, cast by the reader (e.g. ''8 months 14 days''::interval).';

-- Spec defaults. "do nothing" so a value the tool has already written for this run survives.
insert into core.parameters (name, value)
values
    ('com_only_below', '10 months'),
    ('handover_determinate', '8 months 14 days'),
    ('handover_parole', '12 months'),
    ('handover_indeterminate', '12 months')
on conflict (name) do nothing;

-- A missing parameter is a setup error, not a NULL to compute with: a NULL interval would
-- silently turn every handover date into NULL.
create or replace function core.parameter(p_name text)
returns text
language plpgsql
stable
parallel safe
as $$
declare
    parameter_value text;
begin
    select p.value
      into parameter_value
      from core.parameters as p
     where p.name = p_name;
    if not found then
        raise exception 'run parameter "%" is not set in core.parameters', p_name
            using errcode = 'no_data_found',
                  hint = 'The throughcare tool writes run parameters before transform; sql/100_core/100_schema.sql seeds the handover defaults.';
    end if;
    return parameter_value;
end;
$$;
comment on function core.parameter(text) is 'Value (text) of a run parameter from core.parameters; raises an error naming the parameter when it is missing.';

-- The handover rules need intervals; a typo in a value should name the parameter, not just say
-- "invalid input syntax for type interval".
create or replace function core.parameter_interval(p_name text)
returns interval
language plpgsql
stable
parallel safe
as $$
declare
    parameter_value text := core.parameter(p_name);
begin
    return parameter_value::interval;
exception
    when invalid_datetime_format or datetime_field_overflow or interval_field_overflow then
        raise exception 'run parameter "%" = % is not a PostgreSQL interval', p_name, quote_literal(parameter_value)
            using errcode = 'invalid_parameter_value',
                  hint = 'Write it like ''8 months 14 days''.';
end;
$$;
comment on function core.parameter_interval(text) is 'A run parameter cast to interval; raises an error naming the parameter when it is missing or not an interval.';
