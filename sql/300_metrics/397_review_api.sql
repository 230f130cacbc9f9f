-- What the inspectors' case files (Pipeline's CaseFileWriter, `throughcare casefile`) read besides
-- metrics.case_file's page document: which cases get a page, and the index grid of their results.

create or replace function metrics.case_file_case(p_case_id text)
returns table (establishment_code text, case_id text, prisoner_id text)
language sql
stable
as $$
    select c.establishment_code, c.case_id, c.prisoner_id
    from core.cases as c
    where c.case_id = p_case_id;
$$;
comment on function metrics.case_file_case(text) is 'The case named by casefile --case, with its establishment and prisoner, as the case file index lists it; no row when the case is not in the core model.';

-- A case can be sampled for more than one period, population or seed of the run: one page each.
create or replace function metrics.case_file_sample(p_run_id bigint)
returns table (establishment_code text, case_id text, prisoner_id text)
language sql
stable
as $$
    select distinct s.establishment_code, s.case_id, s.prisoner_id
    from metrics.inspection_sample as s
    where s.run_id = p_run_id
    order by s.establishment_code, s.case_id;
$$;
comment on function metrics.case_file_sample(bigint) is 'The cases of a run''s inspection samples, once each, by establishment then case: the case files written when no case is named. No row when the run has no sample.';

-- The grid shows one result per case and metric: a run with several periods shows the latest.
create or replace function metrics.case_file_grid(p_run_id bigint, p_case_ids text[])
returns table (case_id text, metric text, eligible boolean, met boolean)
language sql
stable
as $$
    select distinct on (cm.case_id, cm.metric) cm.case_id, cm.metric, cm.eligible, cm.met
    from metrics.case_metrics as cm
    where cm.run_id = p_run_id
      and cm.case_id = any (p_case_ids)
    order by cm.case_id, cm.metric, cm.period_start desc;
$$;
comment on function metrics.case_file_grid(bigint, text[]) is 'For the case file index grid: each listed case''s result per metric in the run (eligible, met), from its latest period when the run has several.';
