-- `throughcare prune --keep-runs N`: keep the N newest non-official runs, remove older
-- non-official ones with everything they computed (periods, case metrics, rates, volumes, samples
-- go by ON DELETE CASCADE). Official runs are never removed: they are what was published. Nor is
-- a run an inspection sample was drawn from: the sample is the evidence of a review, and its
-- results live in that run. A run still running is left alone unless its session is gone, in
-- which case it is first marked failed (metrics.mark_dead_runs) and then pruned like any other.
create or replace function metrics.prune_runs(keep integer)
returns integer
language plpgsql
as $$
declare
    removed integer;
begin
    if keep is null or keep < 0 then
        raise exception 'keep must be a whole number >= 0, got %', coalesce(keep::text, 'NULL')
            using errcode = 'invalid_parameter_value';
    end if;

    perform metrics.mark_dead_runs();

    with non_official_runs as (
        select r.run_id, row_number() over (order by r.run_id desc) as newest_first
        from metrics.runs as r
        where not r.official
    )
    delete from metrics.runs as r
    using non_official_runs as n
    where r.run_id = n.run_id
      and n.newest_first > keep
      and r.status <> 'running'
      and not exists (select from metrics.inspection_sample as s where s.run_id = r.run_id);

    get diagnostics removed = row_count;
    return removed;
end;
$$;
comment on function metrics.prune_runs(integer) is 'Removes non-official runs older than the newest `keep` non-official ones, with all their rows; never removes official runs, running runs, or runs an inspection sample was drawn from (runs whose session died are marked failed first). Returns the number of runs removed.';
