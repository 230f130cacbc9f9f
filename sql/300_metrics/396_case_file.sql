-- metrics.case_file(run_id, case_id): everything an inspector's case file page shows, as one
-- jsonb document, read from what the database holds (core, the run's case metrics with their
-- evidence, the quality views) so the page can never say more or less than the figures used.
create or replace function metrics.case_file(p_run_id bigint, p_case_id text)
returns jsonb
language plpgsql
stable
as $$
declare
    document jsonb;
    view_name text;
    rows_found jsonb;
    findings jsonb := '[]'::jsonb;
begin
    if not exists (select from core.cases as c where c.case_id = p_case_id) then
        raise exception 'case % is not in the core model', p_case_id
            using errcode = 'no_data_found', hint = 'Check the case id (cases.csv case_id), or run transform on the extract that holds it.';
    end if;

    -- Every quality view keyed by case: what it found for this case, the case_id column left out.
    for view_name in
        select col.table_name
        from information_schema.columns as col
        where col.table_schema = 'quality'
          and col.column_name = 'case_id'
        order by col.table_name
    loop
        execute format(
            'select coalesce(jsonb_agg(to_jsonb(v) - ''case_id''), ''[]''::jsonb) from quality.%I as v where v.case_id = $1',
            view_name)
            into rows_found
            using p_case_id;
        if jsonb_array_length(rows_found) > 0 then
            findings := findings || jsonb_build_object('check', view_name, 'rows', rows_found);
        end if;
    end loop;

    select jsonb_build_object(
        'run_id', p_run_id,
        'as_of', r.as_of,
        'case', to_jsonb(c) - 'custody_window',
        'establishment', jsonb_build_object('code', e.establishment_code, 'name', e.name,
                                            'keywork_frequency_weeks', e.keywork_frequency_weeks),
        'custody_window', jsonb_build_object('from', c.sentence_start_date, 'until', c.release_date),
        'handover', to_jsonb(h) - 'case_id',
        'allocations', coalesce((
            select jsonb_agg(jsonb_build_object('role', a.role, 'staff_id', a.staff_id, 'staff_role', a.staff_role,
                                                'start_date', a.start_date, 'end_date', a.end_date)
                             order by a.role, a.start_date, a.staff_id)
            from core.allocations as a
            where a.case_id = c.case_id
        ), '[]'::jsonb),
        'contacts', coalesce((
            select jsonb_agg(jsonb_build_object('contact_id', ct.contact_id, 'date', ct.contact_date, 'type', ct.contact_type,
                                                'channel', ct.channel, 'outcome', ct.outcome, 'staff_id', ct.staff_id)
                             order by ct.contact_date, ct.contact_id)
            from core.contacts as ct
            where ct.case_id = c.case_id
        ), '[]'::jsonb),
        'metrics', coalesce((
            select jsonb_agg(jsonb_build_object('metric', cm.metric, 'period_start', cm.period_start, 'period_end', cm.period_end,
                                                'eligible', cm.eligible, 'met', cm.met, 'evidence', cm.detail,
                                                'eligible_rule', md.eligible, 'met_rule', md.met)
                             order by cm.metric, cm.period_start)
            from metrics.case_metrics as cm
            left join metrics.metric_definitions as md
              on md.metric = cm.metric
            where cm.run_id = p_run_id
              and cm.case_id = c.case_id
        ), '[]'::jsonb),
        'quality_findings', findings
    )
    into document
    from core.cases as c
    join core.establishments as e
      on e.establishment_code = c.establishment_code
    left join core.case_handover as h
      on h.case_id = c.case_id
    left join metrics.runs as r
      on r.run_id = p_run_id
    where c.case_id = p_case_id;

    return document;
end;
$$;
comment on function metrics.case_file(bigint, text) is 'One case''s file for inspectors as jsonb: the case, custody window, handover date and rule, allocations over time, every contact, the run''s metric results with their evidence, and the quality views'' findings for the case.';
