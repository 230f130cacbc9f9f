-- quality.overlapping_allocations: two allocations of the same role on one case active on the
-- same days — co-working POMs, a keyworker change recorded without ending the old allocation, or
-- a duplicate. Metrics that need one holder (high_risk_with_probation_pom) break the tie by latest
-- start_date then highest staff_id; this view shows where that tie-break was needed.
create or replace view quality.overlapping_allocations as
select
    a.case_id,
    a.role,
    a.staff_id,
    a.start_date,
    a.end_date,
    b.staff_id as other_staff_id,
    b.start_date as other_start_date,
    b.end_date as other_end_date,
    a.active_days * b.active_days as overlap,
    -- ranges are canonical [lower, upper): upper - lower is the number of days
    upper(a.active_days * b.active_days) - lower(a.active_days * b.active_days) as overlap_days
from core.allocations as a
join core.allocations as b
  on b.case_id = a.case_id
 and b.role = a.role
 -- each pair once, never a row with itself
 and (a.staff_id, a.start_date) < (b.staff_id, b.start_date)
 and a.active_days && b.active_days;
comment on view quality.overlapping_allocations is 'Pairs of allocations of the same role on the same case that are active on some common day (e.g. co-working POMs). Each pair appears once.';
comment on column quality.overlapping_allocations.case_id is 'The case.';
comment on column quality.overlapping_allocations.role is 'Allocation role: keyworker, pom or com.';
comment on column quality.overlapping_allocations.staff_id is 'First allocation''s staff member (the lower staff_id, start_date of the pair).';
comment on column quality.overlapping_allocations.start_date is 'First allocation''s first day.';
comment on column quality.overlapping_allocations.end_date is 'First allocation''s last day; NULL while open.';
comment on column quality.overlapping_allocations.other_staff_id is 'Second allocation''s staff member (may be the same person: a duplicate allocation).';
comment on column quality.overlapping_allocations.other_start_date is 'Second allocation''s first day.';
comment on column quality.overlapping_allocations.other_end_date is 'Second allocation''s last day; NULL while open.';
comment on column quality.overlapping_allocations.overlap is 'Days both are active, as a range [first, last + 1); upper unbounded when both are open.';
comment on column quality.overlapping_allocations.overlap_days is 'Number of days both are active; NULL when both are still open.';
