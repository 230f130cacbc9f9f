-- rates.csv of an official run: the published cells (small numbers suppressed), scope ids made
-- safe to open in a spreadsheet. $1: run_id. Read by export through COPY, in this order.
select scope_type, published.spreadsheet_safe(scope_id) as scope_id, period_start, period_end, metric,
       numerator, denominator, rate, ci_low, ci_high, band, suppressed
from published.rates_cells
where run_id = $1
order by scope_type, scope_id, period_start, metric
