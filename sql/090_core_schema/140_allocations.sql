-- core.allocations: the table, its comments and its indexes: once-only DDL, applied by the migrator
-- when this file changes. sql/100_core/140_allocations.sql fills it on every full build.
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

-- the primary key serves "allocations of a case"; this one serves "of a case in a role"
create index if not exists allocations_case_role on core.allocations (case_id, role, start_date);
create index if not exists allocations_staff on core.allocations (staff_id);
