-- intermediate.contact_gaps for one run: the spec's gap rule, for every case x period with a
-- non-empty observed window W, for the two contact kinds the "regular" metrics read.
--
-- For the distinct dates D of the counted contacts inside W, the gaps are first date - W.start,
-- each date - the one before, W.end - last date (W.end is the first day after W); with no date the
-- gap is the whole window. The longest is kept with where it fell (the earliest on a tie), so
-- the thresholds stay with the metrics: regular for T = D not empty and longest_gap <= T.
--
-- Contacts are read once for the whole run: the run's periods do not overlap, so a contact finds
-- its period by date and then its case's window by (case_id, period_start), one hash join for
-- all cases instead of a look-up per case.
create or replace function intermediate.fill_contact_gaps(p_run_id bigint)
returns bigint
language plpgsql
-- the hash of every observed case x period and the sorts of the gap pass fit in memory
set work_mem = '256MB'
as $$
declare
    rows_written bigint;
begin
    delete from intermediate.contact_gaps as cg where cg.run_id = p_run_id;

    insert into intermediate.contact_gaps (
        run_id, case_id, period_start, contact_type, live_only, contact_dates, contacts_counted,
        longest_gap, longest_gap_from, longest_gap_to
    )
    with gap_kinds (contact_type, live_only) as (
        values ('keywork_session', false), ('pom_contact', true)
    ),
    observed_cases as (
        select cp.case_id, cp.period_start, lower(cp.observed) as observed_start, upper(cp.observed) as observed_end
        from intermediate.case_periods as cp
        where cp.run_id = p_run_id
          and not isempty(cp.observed)
    ),
    counted_contacts as (
        select oc.case_id, oc.period_start, gk.contact_type, oc.observed_start, oc.observed_end, ct.contact_date
        from core.contacts as ct
        join metrics.run_periods as rp
          on rp.run_id = p_run_id
         and ct.contact_date >= rp.period_start
         and ct.contact_date < rp.period_end
        join gap_kinds as gk
          on gk.contact_type = ct.contact_type
        join observed_cases as oc
          on oc.case_id = ct.case_id
         and oc.period_start = rp.period_start
        where ct.contact_type in ('keywork_session', 'pom_contact')
          and ct.is_completed
          and (ct.is_live or not gk.live_only)
          and ct.contact_date >= oc.observed_start
          and ct.contact_date < oc.observed_end
    ),
    gaps_before as (
        -- each contact's gap from the date before it (W.start for the first; 0 for a second
        -- contact on the same day, which is never the longest since W is not empty)
        select
            cc.*,
            cc.contact_date - coalesce(lag(cc.contact_date) over by_date, cc.observed_start) as gap_before
        from counted_contacts as cc
        window by_date as (partition by cc.case_id, cc.period_start, cc.contact_type order by cc.contact_date)
    ),
    contacts_per_case as (
        -- contact_id is unique in core.contacts, so count(*) counts distinct contacts. The
        -- longest gap before a date, and where it ends (the earliest date on a tie), then the
        -- gap after the last date to W.end
        select
            gb.case_id,
            gb.period_start,
            gb.contact_type,
            -- one value per case x period; grouped by the window's own keys, the rows arrive in
            -- the window's order and are not sorted again (a tenth of this statement)
            max(gb.observed_end) as observed_end,
            array_agg(distinct gb.contact_date order by gb.contact_date) as contact_dates,
            count(*)::integer as contacts_counted,
            max(gb.gap_before) as longest_gap_before,
            (array_agg(gb.contact_date order by gb.gap_before desc, gb.contact_date))[1] as longest_gap_before_to,
            max(gb.contact_date) as last_date
        from gaps_before as gb
        group by gb.case_id, gb.period_start, gb.contact_type
    ),
    longest_gaps as (
        -- a gap before a date starts before the last date, so it wins a tie with the last gap
        select
            cpc.case_id,
            cpc.period_start,
            cpc.contact_type,
            cpc.contact_dates,
            cpc.contacts_counted,
            case when cpc.longest_gap_before >= cpc.observed_end - cpc.last_date
                 then cpc.longest_gap_before else cpc.observed_end - cpc.last_date end as longest_gap,
            case when cpc.longest_gap_before >= cpc.observed_end - cpc.last_date
                 then cpc.longest_gap_before_to - cpc.longest_gap_before else cpc.last_date end as longest_gap_from,
            case when cpc.longest_gap_before >= cpc.observed_end - cpc.last_date
                 then cpc.longest_gap_before_to else cpc.observed_end end as longest_gap_to
        from contacts_per_case as cpc
    ),
    final as (
        select
            oc.case_id,
            oc.period_start,
            gk.contact_type,
            gk.live_only,
            coalesce(lg.contact_dates, '{}') as contact_dates,
            coalesce(lg.contacts_counted, 0) as contacts_counted,
            -- no contact date: the one gap is the whole window
            coalesce(lg.longest_gap, oc.observed_end - oc.observed_start) as longest_gap,
            coalesce(lg.longest_gap_from, oc.observed_start) as longest_gap_from,
            coalesce(lg.longest_gap_to, oc.observed_end) as longest_gap_to
        from observed_cases as oc
        cross join gap_kinds as gk
        left join longest_gaps as lg
          on lg.case_id = oc.case_id
         and lg.period_start = oc.period_start
         and lg.contact_type = gk.contact_type
    )
    select p_run_id, f.*
    from final as f
    order by f.case_id, f.period_start, f.contact_type;

    get diagnostics rows_written = row_count;
    perform metrics.analyze_run_partition('intermediate.contact_gaps', p_run_id, array['run_id', 'case_id', 'period_start', 'contact_type']);
    return rows_written;
end;
$$;
comment on function intermediate.fill_contact_gaps(bigint) is 'Writes intermediate.contact_gaps for a run: per observed case x period, for completed keywork_session and completed live pom_contact contacts, the distinct dates in W, contacts counted and the longest gap with where it fell. Returns the rows written.';
