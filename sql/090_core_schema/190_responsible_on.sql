-- core.responsible_given(handover_date, responsible_throughout, day): 'pom' or 'com', the spec's
-- "Responsible on day d" from a core.case_handover row. The rule is stated here once. It is one
-- expression, so PostgreSQL inlines it into the query that calls it: set-based SQL joins
-- core.case_handover and asks this, instead of calling core.responsible_on once per row (a
-- function call and an index probe each, and repeated wherever the planner copies the
-- expression: docs/performance.md).
create or replace function core.responsible_given(p_handover_date date, p_responsible_throughout text, p_day date)
returns text
language sql
immutable
parallel safe
as $$
    select
        case
            when p_handover_date is null then p_responsible_throughout
            when p_day is null then null
            when p_day >= p_handover_date then 'com'
            else 'pom'
        end
$$;
comment on function core.responsible_given(date, text, date) is 'Who is responsible on the day given a case''s core.case_handover handover_date and responsible_throughout: com or pom. With no handover date, responsible_throughout; otherwise com from the handover date on, pom before it (NULL for a NULL day).';

-- core.responsible_on(case, day): the same question for one case, looked up by its id.
create or replace function core.responsible_on(p_case_id text, p_day date)
returns text
language sql
stable
parallel safe
as $$
    select core.responsible_given(h.handover_date, h.responsible_throughout, p_day)
    from core.case_handover as h
    where h.case_id = p_case_id
$$;
comment on function core.responsible_on(text, date) is 'Who is responsible for the case on the day: com or pom. With no handover date, whoever the rule named (core.case_handover.responsible_throughout); otherwise com from the handover date on, pom before it. NULL for a case not in core (or a NULL day when the answer depends on it).';
