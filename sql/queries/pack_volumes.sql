-- csv/volumes.csv of an official run's statistics pack (CSVPack): the run's volumes (not
-- suppressed), keyed by the run, [z] where a ratio's divisor is 0. The columns are
-- CSVPack.volumeColumns, in order. $1: run_id.
select r.run_id::text as run_id,
       r.as_of::text as as_of,
       r.official::text as official,
       v.scope_type as scope_type,
       published.spreadsheet_safe(v.scope_id) as scope_id,
       v.period_start::text as period_start,
       v.period_end::text as period_end,
       v.measure as measure,
       coalesce(v.value::text, '[z]') as value
from metrics.volumes as v
join metrics.runs as r using (run_id)
where v.run_id = $1
order by v.scope_type, v.scope_id, v.period_start, v.measure
