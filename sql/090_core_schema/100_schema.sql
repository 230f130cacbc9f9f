-- Core: the typed model every metric is computed from, rebuilt from staging on each
-- `throughcare transform`. This first file creates the schema and how the rules read the build's
-- parameters.
--
-- Parameters travel with the build that uses them: the tool records them (bound, with their
-- defaults) on the build's own core.builds row before the build's transaction starts, names that
-- build in the transaction (throughcare.build_id, SET LOCAL), and SQL reads them back through
-- core.parameter(name). There is no shared parameter table that one build could change under
-- another, and a build's parameters stay on record with it.
create schema if not exists core;
comment on schema core is 'Typed model of the extract (establishments, staff, cases, allocations, contacts, assessments, release outcomes) plus the OMiC handover rules. Rebuilt from staging by every transform.';

-- Until schema step 6 the parameters lived in a global table; core.builds.parameters has them now.
drop table if exists core.parameters;

-- A missing parameter is a setup error, not a NULL to compute with: a NULL interval would
-- silently turn every handover date into NULL.
create or replace function core.parameter(p_name text)
returns text
language plpgsql
stable
parallel safe
as $$
declare
    current_build bigint := nullif(current_setting('throughcare.build_id', true), '')::bigint;
    parameter_value text;
begin
    if current_build is null then
        raise exception 'no build in progress: run parameter "%" is read from the build being made', p_name
            using errcode = 'no_data_found',
                  hint = 'Run throughcare transform; it records the build''s parameters on core.builds and names the build in its transaction.';
    end if;
    select b.parameters ->> p_name
      into parameter_value
      from core.builds as b
     where b.build_id = current_build;
    if parameter_value is null then
        raise exception 'run parameter "%" is not set on build %', p_name, current_build
            using errcode = 'no_data_found',
                  hint = 'The throughcare tool records every handover parameter (defaults included) on core.builds.parameters.';
    end if;
    return parameter_value;
end;
$$;
comment on function core.parameter(text) is 'Value (text) of a run parameter of the build in progress (core.builds.parameters of throughcare.build_id); raises an error naming the parameter when it is missing.';

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
