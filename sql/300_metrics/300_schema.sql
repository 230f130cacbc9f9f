-- Metrics: what the aggregate stage computes. One row in metrics.runs per `throughcare aggregate`;
-- every computed row carries its run_id, so runs never overwrite each other (prune_runs removes
-- old ones on request). This file creates the tables; the functions that fill them follow in
-- file-name order.
--
-- Migrations are forward-only and idempotent. Every statement here may run again on a database
-- that already has it (create ... if not exists, comment on, add column if not exists), and each
-- step records itself once in throughcare.schema_version (unit 'metrics', step N). A later change
-- is a new step at the end of the file of the objects it changes (the published tables are step
-- 2, in 400_published/400_schema.sql); a step that is not naturally idempotent (a backfill, a
-- rename) goes inside a DO block guarded by what the catalog holds. Nothing here drops data.

-- Serialise concurrent aggregate starts: two sessions creating the same objects at once can fail
-- with "tuple concurrently updated". Released at the end of this file's transaction.
do $$ begin perform pg_advisory_xact_lock(2107201300); end $$;

create schema if not exists metrics;
comment on schema metrics is 'Aggregate stage output: runs, per-case metric results (with evidence), rates per scope and period, workload volumes and inspection samples. Every row carries the run that computed it.';

-- The steps are recorded in throughcare.schema_version (unit 'metrics'), the one record of the
-- schema. Databases made before kept them in a table metrics.schema_version: its rows move there
-- once, and metrics.schema_version stays as a view for queries written against it.
do $$
begin
    if exists (select from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
               where n.nspname = 'metrics' and c.relname = 'schema_version' and c.relkind = 'r') then
        insert into throughcare.schema_version (unit, step, description, applied_at)
        select 'metrics', v.version, v.description, v.applied_at from metrics.schema_version as v
        on conflict (unit, step) do nothing;
        drop table metrics.schema_version;
    end if;
end;
$$;
create or replace view metrics.schema_version as
select v.step as version, v.applied_at, v.description
from throughcare.schema_version as v
where v.unit = 'metrics' and v.step > 0;
comment on view metrics.schema_version is 'The metrics unit''s migration steps (metrics, intermediate and published), read from throughcare.schema_version; kept for queries written before the steps moved there.';
comment on column metrics.schema_version.version is 'Step number; steps are applied in order and never undone.';
comment on column metrics.schema_version.applied_at is 'When the step was first applied here.';
comment on column metrics.schema_version.description is 'What the step created or changed.';

-- Version 1: runs, periods, case metrics, rates, volumes, inspection samples, metric catalogue.

create table if not exists metrics.runs (
    run_id             bigserial primary key,
    started_at         timestamptz not null default now(),
    finished_at        timestamptz,
    status             text not null default 'running',
    official           boolean not null default false,
    period_kind        text not null,
    range_from         date not null,
    range_to           date not null,
    as_of_override     date,
    as_of              date,
    parameters         jsonb not null default '{}',
    ingest_batches     jsonb,
    throughcare_version text,
    git_commit         text,
    error_message      text,
    constraint runs_status check (status in ('running', 'succeeded', 'failed')),
    constraint runs_period_kind check (period_kind in ('month', 'quarter', 'whole')),
    constraint runs_range check (range_from < range_to)
);
comment on table metrics.runs is 'One row per aggregate run: what was asked (range, period kind, parameters), against which data (ingest batches, as-of date) and by which tool, and how it ended.';
comment on column metrics.runs.run_id is 'Run identifier; every metrics row carries it.';
comment on column metrics.runs.started_at is 'When the run row was created.';
comment on column metrics.runs.finished_at is 'When the run succeeded or was marked failed; NULL while running (or when the process died).';
comment on column metrics.runs.status is 'running, succeeded or failed. Only succeeded runs feed the latest_* views and the published views.';
comment on column metrics.runs.official is 'True when the run''s pipeline says publish: true. The published views read the newest official succeeded run; prune_runs never removes official runs.';
comment on column metrics.runs.period_kind is 'month, quarter or whole: how [range_from, range_to) is cut into review periods (see metrics.run_periods).';
comment on column metrics.runs.range_from is 'First day of the range asked for (--from).';
comment on column metrics.runs.range_to is 'First day after the range asked for (--to, exclusive).';
comment on column metrics.runs.as_of_override is 'as-of date given by the run, if any; otherwise as_of is the latest contact date in core.contacts.';
comment on column metrics.runs.as_of is 'The extract''s as-of date the run used: every period ends at the latest on as_of + 1 day, and recalled_within_28_days needs release_date + recall_window_days <= as_of. Set by execute_run.';
comment on column metrics.runs.parameters is 'Effective run parameters by their metrics.md names: metrics.default_parameters() overlaid with the values the run gave (as_of is not here; see as_of / as_of_override).';
comment on column metrics.runs.ingest_batches is 'The extract files the data came from, file name to SHA-256, as the tool recorded them.';
comment on column metrics.runs.throughcare_version is 'Version of the throughcare tool that ran.';
comment on column metrics.runs.git_commit is 'Git commit of the throughcare tool that ran.';
comment on column metrics.runs.error_message is 'Why the run failed (set by the tool when it marks the run failed).';

create table if not exists metrics.run_periods (
    run_id       bigint not null references metrics.runs (run_id) on delete cascade,
    period_start date not null,
    period_end   date not null,
    nominal_end  date not null,
    primary key (run_id, period_start),
    constraint run_periods_order check (period_start < period_end and period_end <= nominal_end)
);
comment on table metrics.run_periods is 'Review periods of a run: [range_from, range_to) cut into calendar months or quarters (or kept whole), each ending at the latest on as_of + 1 day; periods starting after as_of are not computed.';
comment on column metrics.run_periods.run_id is 'The run.';
comment on column metrics.run_periods.period_start is 'First day of the period (ps).';
comment on column metrics.run_periods.period_end is 'First day after the period as analysed (pe, exclusive) = min(nominal_end, as_of + 1 day).';
comment on column metrics.run_periods.nominal_end is 'First day after the calendar period before the as-of cut (the month, quarter or range end). Two runs'' rows for the same (period_start, nominal_end) describe the same period; the latest_* views keep the newer.';

create table if not exists metrics.metric_definitions (
    metric      text primary key,
    population  text not null,
    eligible    text not null,
    met         text not null,
    finding     text not null,
    constraint metric_definitions_population check (population in ('in_custody_in_period', 'released_in_period'))
);
comment on table metrics.metric_definitions is 'The case-level metrics of metrics.md (v1), in words: which cases get a row, who is eligible (denominator) and who meets it (numerator).';
comment on column metrics.metric_definitions.metric is 'Metric name as used in case_metrics, rates and the published views.';
comment on column metrics.metric_definitions.population is 'Which cases get a case_metrics row for a period: in_custody_in_period (the observed window W is not empty) or released_in_period (ps <= release_date < pe).';
comment on column metrics.metric_definitions.eligible is 'Who is counted in the denominator.';
comment on column metrics.metric_definitions.met is 'Who is counted in the numerator.';
comment on column metrics.metric_definitions.finding is 'The inspection finding the metric mirrors.';

-- metrics.case_metrics was a table here until step 6; it is now a view (301_intermediate_schema.sql,
-- 375_case_metrics.sql).

create table if not exists metrics.rates (
    run_id       bigint not null references metrics.runs (run_id) on delete cascade,
    scope_type   text not null,
    scope_id     text not null,
    period_start date not null,
    period_end   date not null,
    metric       text not null,
    numerator    bigint not null,
    denominator  bigint not null,
    rate         double precision,
    ci_low       double precision,
    ci_high      double precision,
    band         text,
    primary key (run_id, scope_type, scope_id, period_start, metric),
    constraint rates_scope_type check (scope_type in ('establishment', 'prison_group', 'probation_region', 'release_region', 'national')),
    constraint rates_counts check (0 <= numerator and numerator <= denominator),
    constraint rates_band check (band in ('outstanding', 'good', 'requires_improvement', 'inadequate'))
);
comment on table metrics.rates is 'One row per scope x period x metric of a run (every establishment, prison group and probation region in core.establishments, every release region in core.cases, and national; zero counts included). prison_group, probation_region and national rows are the sums of their establishment rows; release_region counts cases by their own release region.';
comment on column metrics.rates.run_id is 'The run.';
comment on column metrics.rates.scope_type is 'establishment, prison_group, probation_region, release_region or national.';
comment on column metrics.rates.scope_id is 'Establishment code, prison group, probation region, release region, or ''national''.';
comment on column metrics.rates.period_start is 'First day of the review period (ps).';
comment on column metrics.rates.period_end is 'First day after the review period as analysed (pe, exclusive).';
comment on column metrics.rates.metric is 'Metric name (metrics.metric_definitions).';
comment on column metrics.rates.numerator is 'Eligible cases that met the standard.';
comment on column metrics.rates.denominator is 'Eligible cases.';
comment on column metrics.rates.rate is 'numerator / denominator; NULL when the denominator is 0.';
comment on column metrics.rates.ci_low is 'Lower bound of the 95% Wilson score interval (z = 1.959964); NULL when the denominator is 0.';
comment on column metrics.rates.ci_high is 'Upper bound of the 95% Wilson score interval (z = 1.959964); NULL when the denominator is 0.';
comment on column metrics.rates.band is 'Rating band of the rate: outstanding >= band_outstanding, good >= band_good, requires_improvement >= band_requires_improvement, else inadequate; NULL when the denominator is 0 and for lower_is_better metrics (metric_definitions.direction), which are outcomes, not practice.';

create table if not exists metrics.volumes (
    run_id       bigint not null references metrics.runs (run_id) on delete cascade,
    scope_type   text not null,
    scope_id     text not null,
    period_start date not null,
    period_end   date not null,
    measure      text not null,
    value        numeric,
    primary key (run_id, scope_type, scope_id, period_start, measure),
    constraint volumes_scope_type check (scope_type in ('establishment', 'prison_group', 'probation_region', 'national'))
);
comment on table metrics.volumes is 'Workload volumes per scope x calendar month of the run''s range (whatever its period kind): per establishment, rolled up to prison_group, probation_region and national as ratios of summed parts. The parts (e.g. pom_allocations_on_day, pom_fte_in_post) are rows too, so any grouping can be recomputed.';
comment on column metrics.volumes.run_id is 'The run.';
comment on column metrics.volumes.scope_type is 'establishment, prison_group, probation_region or national (no release_region: staff belong to prisons).';
comment on column metrics.volumes.scope_id is 'Establishment code, prison group, probation region or ''national''.';
comment on column metrics.volumes.period_start is 'First day of the calendar month (or of the range, when it starts mid-month).';
comment on column metrics.volumes.period_end is 'First day after the month as analysed: min(next month, range_to, as_of + 1 day). "The last day of the month" in the measures is period_end - 1.';
comment on column metrics.volumes.measure is 'Measure name; see docs/output-schema.md for the list (the spec''s measures and the parts they are ratios of).';
comment on column metrics.volumes.value is 'The value, rounded to 10 decimal places; NULL where a ratio''s divisor is 0 or a mean has no case.';

create table if not exists metrics.inspection_sample (
    run_id               bigint not null references metrics.runs (run_id) on delete cascade,
    seed                 text not null,
    period_start         date not null,
    period_end           date not null,
    population           text not null,
    scope_type           text not null default 'national',
    scope_id             text not null default 'national',
    requested_size       integer not null,
    establishment_code   text not null,
    stratum_size         integer not null,
    stratum_sample_size  integer not null,
    position_in_stratum  integer not null,
    case_id              text not null,
    prisoner_id          text not null,
    reference_date       date not null,
    responsible          text,
    pom_staff_id         text,
    pom_staff_role       text,
    com_staff_id         text,
    results              jsonb not null default '{}',
    drawn_at             timestamptz not null default now(),
    primary key (run_id, seed, period_start, population, scope_type, scope_id, requested_size, case_id),
    constraint inspection_sample_population check (population in ('released', 'in_custody'))
);
comment on table metrics.inspection_sample is 'Inspection case samples drawn by metrics.draw_sample: reproducible (same seed and data, same sample), stratified by establishment with largest-remainder allocation, ordered within a stratum by md5(seed || '':'' || case_id).';
comment on column metrics.inspection_sample.run_id is 'The run whose case_metrics give each sampled case''s results.';
comment on column metrics.inspection_sample.seed is 'Seed text the sample was drawn with.';
comment on column metrics.inspection_sample.period_start is 'First day of the review period (ps).';
comment on column metrics.inspection_sample.period_end is 'First day after the review period as analysed (pe).';
comment on column metrics.inspection_sample.population is 'released (cases released in the period) or in_custody (cases in custody on pe - 1).';
comment on column metrics.inspection_sample.scope_type is 'Scope the population was limited to (national when not limited).';
comment on column metrics.inspection_sample.scope_id is 'Scope id the population was limited to (''national'' when not limited).';
comment on column metrics.inspection_sample.requested_size is 'Sample size asked for (the sample is smaller when the population is).';
comment on column metrics.inspection_sample.establishment_code is 'Stratum: the case''s establishment.';
comment on column metrics.inspection_sample.stratum_size is 'Cases of the population in this establishment.';
comment on column metrics.inspection_sample.stratum_sample_size is 'Cases drawn from this establishment (largest remainder, ties to the lower establishment_code).';
comment on column metrics.inspection_sample.position_in_stratum is '1-based position of the case in its stratum''s md5(seed || '':'' || case_id) order.';
comment on column metrics.inspection_sample.case_id is 'The sampled case.';
comment on column metrics.inspection_sample.prisoner_id is 'The prisoner.';
comment on column metrics.inspection_sample.reference_date is 'Day the POM and COM are read on: release_date for the released population, pe - 1 for in_custody.';
comment on column metrics.inspection_sample.responsible is 'Who was responsible on reference_date (core.responsible_on): pom or com.';
comment on column metrics.inspection_sample.pom_staff_id is 'POM allocation active on reference_date (latest start_date, then highest staff_id); NULL when none.';
comment on column metrics.inspection_sample.pom_staff_role is 'That POM''s staff role: prison_pom or probation_pom.';
comment on column metrics.inspection_sample.com_staff_id is 'COM allocation active on reference_date (latest start_date, then highest staff_id); NULL when none.';
comment on column metrics.inspection_sample.results is 'The case''s result for every metric it has a row for in the run''s period: {"metric": {"eligible": bool, "met": bool|null}}.';
comment on column metrics.inspection_sample.drawn_at is 'When the sample was drawn.';

insert into throughcare.schema_version (unit, step, description)
values ('metrics', 1, 'metrics: runs, run_periods, metric_definitions, case_metrics, rates, volumes, inspection_sample')
on conflict (unit, step) do nothing;

-- Version 3: the server process of the session computing a run, so that a run whose process or
-- connection died (left 'running' for ever) can be told from one in progress and marked failed.
alter table metrics.runs add column if not exists backend_pid integer;
comment on column metrics.runs.backend_pid is 'Server process of the session that computed the run; a run still running whose session is gone is marked failed by the next aggregate or prune (metrics.mark_dead_runs).';

insert into throughcare.schema_version (unit, step, description)
values ('metrics', 3, 'metrics.runs.backend_pid: runs whose process died are marked failed')
on conflict (unit, step) do nothing;

-- Version 4: what reports need to show a run without reading core (issue #12 "Publications").
-- Each metric's plain-English name and definition, its direction (a band judges practice against
-- a standard, so only higher_is_better metrics get one) and the inspection finding as a rate to
-- compare with; and, per run, the establishments it counted and the data-quality caveats a board
-- needs to read an establishment's figures, frozen when the run was computed so a later extract
-- cannot change what an exported run says.
alter table metrics.metric_definitions add column if not exists title text;
alter table metrics.metric_definitions add column if not exists description text;
alter table metrics.metric_definitions add column if not exists direction text not null default 'higher_is_better';
alter table metrics.metric_definitions add column if not exists finding_rate double precision;
do $$
begin
    if not exists (select from pg_constraint where conname = 'metric_definitions_direction') then
        alter table metrics.metric_definitions
            add constraint metric_definitions_direction check (direction in ('higher_is_better', 'lower_is_better'));
    end if;
end;
$$;
comment on column metrics.metric_definitions.title is 'Plain-English name of the metric, as reports show it.';
comment on column metrics.metric_definitions.description is 'Plain-English definition for a reader without the specification: who is counted and what counts as meeting it.';
comment on column metrics.metric_definitions.direction is 'higher_is_better or lower_is_better. Only higher_is_better metrics get a rating band (bands judge practice against a standard); a lower_is_better metric (recalled_within_28_days) is an outcome and its band is NULL. See docs/publications.md.';
comment on column metrics.metric_definitions.finding_rate is 'The inspection''s finding as a proportion (0..1) where it gave one (e.g. 0.34 for regular keywork), for reports to compare with; NULL where the finding is not a rate.';

create table if not exists metrics.run_establishments (
    run_id             bigint not null references metrics.runs (run_id) on delete cascade,
    establishment_code text not null,
    name               text not null,
    prison_group       text not null,
    probation_region   text not null,
    primary key (run_id, establishment_code)
);
comment on table metrics.run_establishments is 'The establishments a run counted, with the prison group and probation region it rolled them up to, as they were when the run was computed.';
comment on column metrics.run_establishments.run_id is 'The run.';
comment on column metrics.run_establishments.establishment_code is 'Prison code (scope_id of establishment rows).';
comment on column metrics.run_establishments.name is 'Prison name.';
comment on column metrics.run_establishments.prison_group is 'Prison group (scope_id of its prison_group rows).';
comment on column metrics.run_establishments.probation_region is 'Probation region (scope_id of its probation_region rows).';

create table if not exists metrics.run_data_quality (
    run_id      bigint not null references metrics.runs (run_id) on delete cascade,
    scope_type  text not null,
    scope_id    text not null,
    measure     text not null,
    value       numeric,
    primary key (run_id, scope_type, scope_id, measure),
    constraint run_data_quality_scope_type check (scope_type in ('establishment', 'national'))
);
comment on table metrics.run_data_quality is 'Data-quality caveats of a run, per establishment and national, computed with the run: how far its figures can be trusted. Measures: rows_read and rows_rejected (national only: rejected rows cannot be placed in a prison), released_cases and released_without_outcome (released in the run''s range up to as_of), custody_cases and custody_without_pom (in custody on the last day analysed, with no POM allocation active that day).';
comment on column metrics.run_data_quality.run_id is 'The run.';
comment on column metrics.run_data_quality.scope_type is 'establishment or national.';
comment on column metrics.run_data_quality.scope_id is 'Establishment code or ''national''.';
comment on column metrics.run_data_quality.measure is 'rows_read, rows_rejected, released_cases, released_without_outcome, custody_cases or custody_without_pom.';
comment on column metrics.run_data_quality.value is 'The count.';

insert into throughcare.schema_version (unit, step, description)
values ('metrics', 4, 'metric_definitions title, description, direction, finding_rate; run_establishments; run_data_quality')
on conflict (unit, step) do nothing;

-- Version 5: what a pipeline run was asked for and what its quality gate found, so a run's figures
-- can always be traced to the exact review file and to the reason an official run published
-- past a failed gate.
alter table metrics.runs add column if not exists pipeline_path text;
alter table metrics.runs add column if not exists pipeline_sha256 text;
alter table metrics.runs add column if not exists pipeline_text text;
alter table metrics.runs add column if not exists scopes jsonb;
alter table metrics.runs add column if not exists quality_gate jsonb;
alter table metrics.runs add column if not exists force_reason text;
comment on column metrics.runs.pipeline_path is 'Path of the pipeline file (pipelines/*.yml) the run came from, as given to throughcare run; NULL for command-line runs.';
comment on column metrics.runs.pipeline_sha256 is 'SHA-256 of that pipeline file''s bytes when the run started.';
comment on column metrics.runs.pipeline_text is 'The pipeline file''s full text when the run started, so the review can be repeated exactly.';
comment on column metrics.runs.scopes is 'Scopes the review was limited to, [{"type": ..., "id": ...}]; NULL means every scope. Case metrics keep cases counting in a listed scope; rates and volumes keep the listed scopes and the establishments and prison groups inside them.';
comment on column metrics.runs.quality_gate is 'The quality gate''s findings before the run (Pipeline QualityGate: contract tests and thresholds), {"passed": bool, "findings": [...]}; NULL when no gate ran.';
comment on column metrics.runs.force_reason is 'Why an official run was published although its quality gate failed (throughcare run --force "reason"); shown wherever the run''s figures are. NULL when not forced.';

insert into throughcare.schema_version (unit, step, description)
values ('metrics', 5, 'metrics.runs: pipeline file (path, sha256, text), scopes, quality gate findings and force reason')
on conflict (unit, step) do nothing;

-- Version 8: a run's volumes and data-quality caveats are computed on a second connection, at the
-- same time as its case metrics (both cores; docs/performance.md, seventh session). That
-- connection commits into these two tables, never into metrics.volumes or
-- metrics.run_data_quality: the run's own transaction moves the rows across when it completes, so
-- those tables still hold only what finished runs computed. metrics.pending_runs says the second
-- connection finished: its row commits with the others, so a run cannot complete on pending rows
-- it cannot see (a transaction begun before they committed, a caller that skipped that part).
-- No foreign keys to metrics.runs: the rows live only while their run computes (metrics.fail_run
-- and metrics.mark_dead_runs remove what a run that did not complete left), and a check per row
-- would add only cost.
create table if not exists metrics.pending_volumes (
    like metrics.volumes including defaults including constraints
);
comment on table metrics.pending_volumes is 'Volumes a run still computing has written from its second connection, moved into metrics.volumes by the run''s own transaction when it completes. Empty between runs; rows of a run that failed or whose session died are removed by metrics.fail_run and metrics.mark_dead_runs. Read metrics.volumes, not this.';
comment on column metrics.pending_volumes.run_id is 'The run (still computing).';
comment on column metrics.pending_volumes.scope_type is 'As metrics.volumes.scope_type.';
comment on column metrics.pending_volumes.scope_id is 'As metrics.volumes.scope_id.';
comment on column metrics.pending_volumes.period_start is 'As metrics.volumes.period_start.';
comment on column metrics.pending_volumes.period_end is 'As metrics.volumes.period_end.';
comment on column metrics.pending_volumes.measure is 'As metrics.volumes.measure.';
comment on column metrics.pending_volumes.value is 'As metrics.volumes.value.';

create table if not exists metrics.pending_run_data_quality (
    like metrics.run_data_quality including defaults including constraints
);
comment on table metrics.pending_run_data_quality is 'Data-quality caveats (case counts per establishment and national) a run still computing has written from its second connection, moved into metrics.run_data_quality by the run''s own transaction when it completes. Empty between runs, as metrics.pending_volumes. Read metrics.run_data_quality, not this.';
comment on column metrics.pending_run_data_quality.run_id is 'The run (still computing).';
comment on column metrics.pending_run_data_quality.scope_type is 'As metrics.run_data_quality.scope_type.';
comment on column metrics.pending_run_data_quality.scope_id is 'As metrics.run_data_quality.scope_id.';
comment on column metrics.pending_run_data_quality.measure is 'As metrics.run_data_quality.measure.';
comment on column metrics.pending_run_data_quality.value is 'As metrics.run_data_quality.value.';

create table if not exists metrics.pending_runs (
    run_id      bigint primary key,
    volumes     bigint not null,
    finished_at timestamptz not null default clock_timestamp()
);
comment on table metrics.pending_runs is 'One row per run whose second connection has finished and committed its pending rows (metrics.compute_run_beside); metrics.complete_run refuses to complete a run without it and removes it. Empty between runs, as metrics.pending_volumes.';
comment on column metrics.pending_runs.run_id is 'The run (still computing).';
comment on column metrics.pending_runs.volumes is 'Rows the second connection wrote to metrics.pending_volumes; metrics.complete_run checks it moved as many.';
comment on column metrics.pending_runs.finished_at is 'When the second connection finished.';

insert into throughcare.schema_version (unit, step, description)
values ('metrics', 8, 'metrics.pending_volumes, metrics.pending_run_data_quality and metrics.pending_runs: what a run''s second connection computes, moved across when the run completes')
on conflict (unit, step) do nothing;
