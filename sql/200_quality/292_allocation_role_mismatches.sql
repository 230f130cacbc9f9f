-- quality.allocation_role_mismatches: allocations whose staff member's current role does not fit
-- the allocation role (pom takes prison_pom or probation_pom). Ingest checks this on load, but a
-- later full reload of staff.csv can change a role under an existing allocation. Core keeps the
-- allocation (it happened); the staff_role copied onto it is today's role.
create or replace view quality.allocation_role_mismatches as
select
    a.case_id,
    a.staff_id,
    a.role,
    a.staff_role,
    a.start_date,
    a.end_date
from core.allocations as a
where not (
    (a.role = 'keyworker' and a.staff_role = 'keyworker')
    or (a.role = 'pom' and a.staff_role in ('prison_pom', 'probation_pom'))
    or (a.role = 'com' and a.staff_role = 'com')
);
comment on view quality.allocation_role_mismatches is 'Allocations whose staff member''s role in core.staff does not fit the allocation role (keyworker: keyworker; pom: prison_pom or probation_pom; com: com).';
comment on column quality.allocation_role_mismatches.case_id is 'The case.';
comment on column quality.allocation_role_mismatches.staff_id is 'The member of staff.';
comment on column quality.allocation_role_mismatches.role is 'Allocation role: keyworker, pom or com.';
comment on column quality.allocation_role_mismatches.staff_role is 'The staff member''s role now.';
comment on column quality.allocation_role_mismatches.start_date is 'First day of the allocation.';
comment on column quality.allocation_role_mismatches.end_date is 'Last day of the allocation; NULL while open.';
