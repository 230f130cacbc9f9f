-- volumes.csv of a run. $1: run_id.
select scope_type, published.spreadsheet_safe(scope_id) as scope_id, period_start, period_end, measure, value
from metrics.volumes
where run_id = $1
order by scope_type, scope_id, period_start, measure
