-- core.staff: every member of staff whose prison is in core.establishments. Staff with no prison
-- (COMs) are kept. A staff row whose prison has gone (full reload of establishments without the
-- staff file) is dropped so that core never points at a missing prison; quality.orphans lists it.

truncate core.staff;

insert into core.staff (
    staff_id,
    role,
    establishment_code,
    probation_region,
    fte,
    start_date,
    end_date,
    in_post
)
select
    s.staff_id,
    s.role,
    s.establishment_code,
    s.probation_region,
    s.fte,
    s.start_date,
    s.end_date,
    daterange(s.start_date, s.end_date, '[]')
from staging.staff as s
where s.establishment_code is null
   or exists (
        select
        from core.establishments as e
        where e.establishment_code = s.establishment_code
   );

analyze core.staff;
