-- What a run's publications read (Export: ReportDataLoader for the report pages and notebook,
-- RunNotebook's rules, CSVPack's field descriptions), called by name. In the metrics schema, not
-- published: they read exploratory runs' unsuppressed rates too, which throughcare_public may not
-- see. In this folder because they read the published relations defined before it.
-- Dates and times are returned as the text the pages print, formatted here once.

create or replace function metrics.report_run(p_run_id bigint)
returns table (official boolean, period_kind text, range_from text, range_to text, as_of text, git_commit text,
               version text, finished_at text, range_last text, last_day text, force_reason text)
language sql
stable
as $$
    select r.official, r.period_kind, r.range_from::text, r.range_to::text, r.as_of::text,
           coalesce(r.git_commit, ''), coalesce(r.throughcare_version, ''),
           coalesce(to_char(r.finished_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), ''),
           (r.range_to - 1)::text, least(r.range_to - 1, r.as_of)::text, r.force_reason
    from metrics.runs as r
    where r.run_id = p_run_id;
$$;
comment on function metrics.report_run(bigint) is 'A run as its report, notebook and CSV pack describe it: official or not, period kind, range (range_last is its last day), as-of date, last_day (the last day analysed: range_last or as_of when earlier), tool version and commit, finished_at in UTC, and why an official run was forced. No row when the run does not exist.';

create or replace function metrics.report_changed_parameters(p_run_id bigint)
returns table (changed text)
language sql
stable
as $$
    select p.key || ' = ' || (p.value #>> '{}')
    from metrics.runs as r
    cross join jsonb_each(r.parameters) as p
    where r.run_id = p_run_id
      and p.value is distinct from metrics.default_parameters() -> p.key
    order by p.key;
$$;
comment on function metrics.report_changed_parameters(bigint) is 'The run''s parameters whose value differs from metrics.default_parameters(), as "name = value" by name, for the report''s lineage.';

create or replace function metrics.report_extracts(p_run_id bigint)
returns table (file text, sha256 text)
language sql
stable
as $$
    select f.key, coalesce(f.value ->> 'sha256', '')
    from metrics.runs as r
    cross join jsonb_each(coalesce(r.ingest_batches, '{}'::jsonb)) as f
    where r.run_id = p_run_id
    order by f.key;
$$;
comment on function metrics.report_extracts(bigint) is 'The extract files a run read and their SHA-256 (empty when not recorded), by file name, for the report''s lineage.';

-- One reading of the definitions for the report and the notebook: people in custody first, then
-- releases (the order a sentence runs in). description is the plain-English text or '' (the
-- notebook then shows the rules alone); description_or_rule falls back to the rules in short.
create or replace function metrics.report_definitions()
returns table (metric text, title text, description text, description_or_rule text, population text, eligible text, met text,
               direction text, finding text, finding_rate double precision)
language sql
stable
as $$
    select d.metric, coalesce(d.title, d.metric), coalesce(d.description, ''), coalesce(d.description, d.eligible || '; met: ' || d.met),
           d.population, d.eligible, d.met, d.direction, d.finding, d.finding_rate
    from metrics.metric_definitions as d
    order by d.population, d.metric;
$$;
comment on function metrics.report_definitions() is 'Every metric''s definition in the order reports and notebooks show them (population, then metric): title (the metric''s name when it has none), description ('''' when none), description_or_rule (the description, else "eligible; met: met"), the rules, direction and the inspection finding.';

create or replace function metrics.report_establishments(p_run_id bigint)
returns table (establishment_code text, name text, prison_group text, probation_region text)
language sql
stable
as $$
    select e.establishment_code, e.name, e.prison_group, e.probation_region
    from metrics.run_establishments as e
    where e.run_id = p_run_id
    order by e.establishment_code collate "C";
$$;
comment on function metrics.report_establishments(bigint) is 'The establishments a run counted with their prison group and probation region, by code (byte order, the same on any machine).';

create or replace function metrics.report_periods(p_run_id bigint)
returns table (period_start date, period_end date)
language sql
stable
as $$
    select p.period_start, p.period_end
    from metrics.run_periods as p
    where p.run_id = p_run_id
    order by p.period_start;
$$;
comment on function metrics.report_periods(bigint) is 'A run''s review periods in order, as analysed (period_end exclusive).';

-- An official run shows its published cells only, so what is suppressed there is never read; an
-- exploratory run every rate as computed (suppressed NULL). Release regions are not reported.
-- Readers find a cell by its key: the rows come in no particular order.
create or replace function metrics.report_cells(p_run_id bigint)
returns table (scope_type text, scope_id text, period_start date, period_end date, metric text, numerator bigint, denominator bigint,
               rate double precision, ci_low double precision, ci_high double precision, band text, suppressed text)
language plpgsql
stable
as $$
begin
    if (select r.official from metrics.runs as r where r.run_id = p_run_id) then
        return query
            select c.scope_type, c.scope_id, c.period_start, c.period_end, c.metric,
                   c.numerator, c.denominator, c.rate, c.ci_low, c.ci_high, c.band, c.suppressed
            from published.rates_cells as c
            where c.run_id = p_run_id and c.scope_type <> 'release_region';
    else
        return query
            select t.scope_type, t.scope_id, t.period_start, t.period_end, t.metric,
                   t.numerator, t.denominator, t.rate, t.ci_low, t.ci_high, t.band, null::text
            from metrics.rates as t
            where t.run_id = p_run_id and t.scope_type <> 'release_region';
    end if;
end;
$$;
comment on function metrics.report_cells(bigint) is 'Every rate cell a run''s report and notebook show (release regions left out): published.rates_cells for an official run (suppressed says why a cell is hidden), metrics.rates for an exploratory one (suppressed NULL).';

create or replace function metrics.report_data_quality(p_run_id bigint)
returns table (scope text, measure text, value numeric)
language sql
stable
as $$
    select q.scope_type || '/' || q.scope_id, q.measure, q.value
    from metrics.run_data_quality as q
    where q.run_id = p_run_id;
$$;
comment on function metrics.report_data_quality(bigint) is 'A run''s data-quality caveats, scope as "scope_type/scope_id", for the report''s caveats panel.';

-- The CSV pack's datapackage.json describes each field with its source column's COMMENT ON, so
-- the description is written once, in the schema.
create or replace function metrics.column_description(p_relation text, p_column text)
returns text
language sql
stable
as $$
    select coalesce(col_description(to_regclass(p_relation)::oid, a.attnum), '')
    from pg_catalog.pg_attribute as a
    where a.attrelid = to_regclass(p_relation)::oid and a.attname = p_column;
$$;
comment on function metrics.column_description(text, text) is 'The COMMENT ON text of relation.column ('''' when it has none); NULL when there is no such column.';
