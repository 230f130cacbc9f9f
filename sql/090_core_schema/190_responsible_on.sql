-- core.responsible_on(case, day): 'pom' or 'com', the spec's "Responsible on day d". Kept as one
-- small function so every metric asks the question the same way. Set-based SQL over many cases
-- may instead join core.case_handover and repeat the CASE below; it must stay identical.
create or replace function core.responsible_on(p_case_id text, p_day date)
returns text
language sql
stable
parallel safe
as $$
    select
        case
            when h.handover_date is null then h.responsible_throughout
            when p_day is null then null
            when p_day >= h.handover_date then 'com'
            else 'pom'
        end
    from core.case_handover as h
    where h.case_id = p_case_id
$$;
comment on function core.responsible_on(text, date) is 'Who is responsible for the case on the day: com or pom. With no handover date, whoever the rule named (core.case_handover.responsible_throughout); otherwise com from the handover date on, pom before it. NULL for a case not in core (or a NULL day when the answer depends on it).';
