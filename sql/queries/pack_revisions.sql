-- csv/revisions.csv of an official run's statistics pack (CSVPack): the cells that changed since
-- the previous official run of the same range and period kind, old and new values as the pack
-- shows them; only the header when there is no previous run or nothing changed. The columns are
-- CSVPack.revisionColumns, in order. $1: run_id.
select v.run_id::text as run_id,
       v.previous_run_id::text as previous_run_id,
       v.scope_type as scope_type,
       published.spreadsheet_safe(v.scope_id) as scope_id,
       v.period_start::text as period_start,
       v.period_end::text as period_end,
       v.metric as metric,
       v.old_numerator as old_numerator,
       v.new_numerator as new_numerator,
       v.old_denominator as old_denominator,
       v.new_denominator as new_denominator,
       v.old_rate as old_rate,
       v.new_rate as new_rate,
       v.old_band as old_band,
       v.new_band as new_band,
       v.marker as marker
from published.rates_revisions as v
where v.run_id = $1
order by v.scope_type, v.scope_id, v.period_start, v.metric
