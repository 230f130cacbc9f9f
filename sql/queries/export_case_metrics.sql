-- case_metrics.csv of a run (export --include-cases): case-level evidence, not for publication.
-- $1: run_id.
select published.spreadsheet_safe(case_id) as case_id, period_start, period_end, metric, eligible, met, detail
from metrics.case_metrics
where run_id = $1
order by case_id, period_start, metric
