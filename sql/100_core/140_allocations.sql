-- core.allocations: who held which case in which role, for cases and staff that are in core.
-- The staff member's own role is copied on because high_risk_with_probation_pom and the workload
-- volumes need to tell prison_pom from probation_pom, and because a full reload of staff.csv can
-- leave an allocation whose staff role no longer agrees (quality.allocation_role_mismatches).

truncate core.allocations;

insert into core.allocations (
    case_id,
    staff_id,
    role,
    staff_role,
    start_date,
    end_date,
    active_days
)
select
    a.case_id,
    a.staff_id,
    a.role,
    st.role,
    a.start_date,
    a.end_date,
    daterange(a.start_date, a.end_date, '[]')
from staging.allocations as a
join core.cases as c
  on c.case_id = a.case_id
join core.staff as st
  on st.staff_id = a.staff_id;

analyze core.allocations;
