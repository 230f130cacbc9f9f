-- `throughcare prune --keep-runs N`: keep the N newest non-official runs, remove older
-- non-official ones with everything they computed (periods, case metrics, rates, volumes, samples
-- go by ON DELETE CASCADE). Official runs are never removed: they are what was published. A run
-- still marked running is left alone (it may be in progress).
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

    with non_official_runs as (
        select r.run_id, row_number() over (order by r.run_id desc) as newest_first
        from metrics.runs as r
        where not r.official
    )
    delete from metrics.runs as r
    using non_official_runs as n
    where r.run_id = n.run_id
      and n.newest_first > keep
      and r.status <> 'running';

    get diagnostics removed = row_count;
    return removed;
end;
$$;
comment on function metrics.prune_runs(integer) is 'Removes non-official runs older than the newest `keep` non-official ones, with all their rows; never removes official or running runs. Returns the number of runs removed.';
