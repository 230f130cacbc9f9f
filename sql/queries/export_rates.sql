-- rates.csv of an exploratory run: every rate as computed, for analysts. $1: run_id.
select scope_type, published.spreadsheet_safe(scope_id) as scope_id, period_start, period_end, metric,
       numerator, denominator, rate, ci_low, ci_high, band
from metrics.rates
where run_id = $1
order by scope_type, scope_id, period_start, metric
