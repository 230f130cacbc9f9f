-- Step 7: the three run-keyed tables of the intermediate layer and the case results are
-- partitioned by run, one partition per run.
--
-- Why: a run's statements filter these tables on run_id, and with every run in one table the
-- planner knew a new or small run's rows only through statistics sampled from all runs. A review
-- question (one region, one quarter: 7 k rows) inside tables holding national runs (millions)
-- was estimated at 1 row, and the plan built for 1 row ran a windowed subquery 7,088 times (56 s;
-- docs/performance.md). With its own partition a run is planned from its own statistics (the
-- filter on run_id prunes to it at plan time, and ANALYZE of a partition reads only that run),
-- and removing a run empties its partitions instead of deleting millions of rows one by one.
--
-- Partitions are named <table>_run_<run_id> and made empty, before the run's own transaction, by
-- metrics.attach_run_partitions (ATTACH takes only a SHARE UPDATE EXCLUSIVE lock on the parent,
-- so readers and other runs go on). Databases made before this step have their rows moved into
-- per-run partitions here, once.

create or replace function metrics.run_keyed_tables()
returns setof regclass
language sql
stable
as $$
    values ('intermediate.case_periods'::regclass), ('intermediate.contact_gaps'::regclass), ('metrics.case_period_results'::regclass);
$$;
comment on function metrics.run_keyed_tables() is 'The tables partitioned by run (one partition per run): intermediate.case_periods, intermediate.contact_gaps, metrics.case_period_results.';

create or replace function metrics.run_partition(p_table regclass, p_run_id bigint)
returns text
language sql
stable
as $$
    select format('%I.%I', n.nspname, c.relname || '_run_' || p_run_id)
    from pg_class as c
    join pg_namespace as n on n.oid = c.relnamespace
    where c.oid = p_table;
$$;
comment on function metrics.run_partition(regclass, bigint) is 'The qualified name of a run''s partition of a run-keyed table (<table>_run_<run_id>, in the table''s schema), whether it exists or not.';

create or replace function metrics.attach_run_partitions(p_run_id bigint)
returns void
language plpgsql
as $$
declare
    parent regclass;
    partition_name text;
begin
    for parent in select metrics.run_keyed_tables() loop
        partition_name := metrics.run_partition(parent, p_run_id);
        if to_regclass(partition_name) is null then
            execute format('create table %s (like %s including defaults including constraints)', partition_name, parent);
            -- its primary key index is made by the attachment (the parent's)
            execute format('alter table %s attach partition %s for values in (%s)', parent, partition_name, p_run_id);
        end if;
    end loop;
end;
$$;
comment on function metrics.attach_run_partitions(bigint) is 'Creates a run''s (empty) partition of each run-keyed table, in a short transaction of its own before the run computes.';

-- Statistics for the columns the run's later statements filter, join and group on, not every
-- column: the run's own plans need the row count and those columns, and sampling sixty columns of
-- case results was most of the cost (docs/performance.md, fifth session). Autovacuum analyses the
-- whole partition later, for analysts' queries. No columns (NULL or empty): every column, which is
-- also what a call with two arguments, as an older tool's function bodies make, gets.
drop function if exists metrics.analyze_run_partition(regclass, bigint);
create or replace function metrics.analyze_run_partition(p_table regclass, p_run_id bigint, p_columns text[] default null)
returns void
language plpgsql
as $$
declare
    partition_name text := metrics.run_partition(p_table, p_run_id);
begin
    if to_regclass(partition_name) is not null then
        -- the run's rows only (ANALYZE of the parent would sample every run)
        execute format('analyze %s %s', partition_name,
                       (select '(' || string_agg(format('%I', c), ', ' order by o) || ')'
                        from unnest(p_columns) with ordinality as u (c, o)));
    end if;
end;
$$;
comment on function metrics.analyze_run_partition(regclass, bigint, text[]) is 'Fresh planner statistics for one run''s partition of a run-keyed table, just filled: its row count and the listed columns (every column when none are listed).';

-- No foreign key to metrics.runs on these tables: attaching a partition would then lock
-- metrics.runs against every run still computing (they update their row), and two runs starting
-- together deadlocked. A deleted run (metrics.prune_runs) has its partitions emptied by this
-- trigger instead; TRUNCATE locks only the partition, where dropping it would lock the parent
-- table against every reader. The empty partitions stay attached (a catalog entry each).
create or replace function metrics.empty_run_partitions()
returns trigger
language plpgsql
as $$
declare
    parent regclass;
    partition_name text;
begin
    for parent in select metrics.run_keyed_tables() loop
        partition_name := metrics.run_partition(parent, old.run_id);
        if to_regclass(partition_name) is not null then
            execute format('truncate %s', partition_name);
        end if;
    end loop;
    return old;
end;
$$;
comment on function metrics.empty_run_partitions() is 'Trigger of metrics.runs: a deleted run''s partitions of the run-keyed tables are emptied (its case periods, contact gaps and case results go with it).';

drop trigger if exists runs_empty_partitions on metrics.runs;
create trigger runs_empty_partitions
    after delete on metrics.runs
    for each row execute function metrics.empty_run_partitions();
comment on trigger runs_empty_partitions on metrics.runs is 'Empties a deleted run''s partitions of intermediate.case_periods, intermediate.contact_gaps and metrics.case_period_results.';

-- Databases made before step 7: each table becomes a partitioned one, every run gets its
-- partitions (as metrics.start_run makes them), and the rows move in. Fresh databases get
-- partitioned tables from 301 and skip this.
do $$
declare
    parent regclass;
    schema_name text;
    table_name text;
    run bigint;
begin
    if not exists (select from pg_class as c where c.oid in (select metrics.run_keyed_tables()) and c.relkind = 'r') then
        return;
    end if;
    -- The views over these tables are made again from 375 and 380, later in this migration;
    -- without CASCADE, so that a view of someone else's on them stops the migration (rolled
    -- back, nothing changed) instead of vanishing.
    drop view if exists metrics.latest_case_metrics;
    drop view if exists metrics.case_metrics;
    for parent in select metrics.run_keyed_tables() loop
        continue when (select c.relkind from pg_class as c where c.oid = parent) = 'p';
        select n.nspname, c.relname into schema_name, table_name
        from pg_class as c join pg_namespace as n on n.oid = c.relnamespace where c.oid = parent;
        execute format('alter table %I.%I rename to %I', schema_name, table_name, table_name || '_before_v7');
        execute format('alter index %I.%I rename to %I', schema_name, table_name || '_pkey', table_name || '_before_v7_pkey');
        execute format('create table %I.%I (like %I.%I including all) partition by list (run_id)',
                       schema_name, table_name, schema_name, table_name || '_before_v7');
        execute format('comment on table %I.%I is %L', schema_name, table_name,
                       obj_description(format('%I.%I', schema_name, table_name || '_before_v7')::regclass, 'pg_class'));
    end loop;
    for run in select r.run_id from metrics.runs as r order by r.run_id loop
        perform metrics.attach_run_partitions(run);
    end loop;
    for schema_name, table_name in
        select n.nspname, left(c.relname, -length('_before_v7'))
        from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
        where n.nspname in ('intermediate', 'metrics') and c.relkind = 'r' and c.relname like '%\_before\_v7'
    loop
        execute format('insert into %I.%I select * from %I.%I', schema_name, table_name, schema_name, table_name || '_before_v7');
        execute format('drop table %I.%I', schema_name, table_name || '_before_v7');
    end loop;
end;
$$;

insert into throughcare.schema_version (unit, step, description)
values ('metrics', 7, 'intermediate.case_periods, intermediate.contact_gaps and metrics.case_period_results partitioned by run (one partition per run)')
on conflict (unit, step) do nothing;
