-- core.allocations: who held which case in which role, for cases and staff that are in core.
-- The staff member's own role is copied on because high_risk_with_probation_pom and the workload
-- volumes need to tell prison_pom from probation_pom, and because a full reload of staff.csv can
-- leave an allocation whose staff role no longer agrees (quality.allocation_role_mismatches).
create table if not exists core.allocations (
    case_id     text not null,
    staff_id    text not null,
    role        text not null,
    staff_role  text not null,
    start_date  date not null,
    end_date    date,
    active_days daterange not null,
    primary key (case_id, staff_id, role, start_date)
);
comment on table core.allocations is 'Who held the case in which role, when; only rows whose case and staff are in core. Keyed like the extract by (case_id, staff_id, role, start_date).';
comment on column core.allocations.case_id is 'The case.';
comment on column core.allocations.staff_id is 'The member of staff holding it.';
comment on column core.allocations.role is 'Allocation role: keyworker, pom or com.';
comment on column core.allocations.staff_role is 'The staff member''s own role from core.staff (keyworker, prison_pom, probation_pom, com, ...): tells prison-staff POMs from probation POMs.';
comment on column core.allocations.start_date is 'First day of the allocation.';
comment on column core.allocations.end_date is 'Last day of the allocation; NULL while open.';
comment on column core.allocations.active_days is 'Days the allocation is active, [start_date, end_date] inclusive, upper unbounded while open: "active on d" is active_days @> d, "overlaps W" is active_days && W. Ignores the staff member''s own dates, as the spec says.';

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

-- the primary key serves "allocations of a case"; this one serves "of a case in a role"
create index if not exists allocations_case_role on core.allocations (case_id, role, start_date);
create index if not exists allocations_staff on core.allocations (staff_id);

analyze core.allocations;
