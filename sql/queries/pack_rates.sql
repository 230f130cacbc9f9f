-- csv/rates.csv of an official run's statistics pack (CSVPack): the published cells, keyed by the
-- run, with the GSS markers in place of figures that cannot be given ([c] suppressed, [z] not
-- applicable) and [r] in revised where published.rates_revisions has the cell. The columns are
-- CSVPack.rateColumns, in order (its datapackage.json describes them). $1: run_id.
select r.run_id::text as run_id,
       r.as_of::text as as_of,
       r.official::text as official,
       c.scope_type as scope_type,
       published.spreadsheet_safe(c.scope_id) as scope_id,
       c.period_start::text as period_start,
       c.period_end::text as period_end,
       c.metric as metric,
       case when c.suppressed is not null then '[c]' else c.numerator::text end as numerator,
       case when c.suppressed is not null then '[c]' else c.denominator::text end as denominator,
       case when c.suppressed is not null then '[c]' when c.rate is null then '[z]' else round(c.rate::numeric, 6)::text end as rate,
       case when c.suppressed is not null then '[c]' when c.ci_low is null then '[z]' else round(c.ci_low::numeric, 6)::text end as ci_low,
       case when c.suppressed is not null then '[c]' when c.ci_high is null then '[z]' else round(c.ci_high::numeric, 6)::text end as ci_high,
       -- a lower-is-better metric is never banded: not applicable, not missing
       case when c.suppressed is not null then '[c]' when c.band is null then '[z]' else c.band end as band,
       c.suppressed as suppressed,
       -- a column, not "[r]" appended to the figures: the figures keep their Table Schema type
       (select v.marker from published.rates_revisions as v
        where v.run_id = c.run_id and v.scope_type = c.scope_type and v.scope_id = c.scope_id
          and v.period_start = c.period_start and v.metric = c.metric) as revised
from published.rates_cells as c
join metrics.runs as r using (run_id)
where c.run_id = $1
order by c.scope_type, c.scope_id, c.period_start, c.metric
