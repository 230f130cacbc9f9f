-- quality.orphans: staging rows that core left out, or kept with a reference that leads nowhere.
-- Ingest rejects broken references, but "must exist" is checked against what was loaded at the
-- time: a later full reload of one file (say establishments.csv without a prison) leaves rows of
-- other files pointing at something that is gone. Core drops such rows rather than invent a
-- parent; this view is where they show up, so nothing disappears silently.
create or replace view quality.orphans as
with staff_orphans as (
    select
        'staff' as entity,
        s.staff_id as row_key,
        s.batch_id,
        s.line_number,
        'establishment_code' as reference_column,
        s.establishment_code as missing_value,
        true as dropped_from_core,
        'establishment not in core.establishments' as reason
    from staging.staff as s
    where s.establishment_code is not null
      and not exists (
        select from core.establishments as e where e.establishment_code = s.establishment_code
      )
),

case_orphans as (
    select
        'cases',
        s.case_id,
        s.batch_id,
        s.line_number,
        'establishment_code',
        s.establishment_code,
        true,
        'establishment not in core.establishments'
    from staging.cases as s
    where not exists (
        select from core.establishments as e where e.establishment_code = s.establishment_code
    )
),

allocation_orphans as (
    -- one row per missing reference: an allocation missing both its case and its staff shows twice
    select
        'allocations',
        concat_ws(' / ', a.case_id, a.staff_id, a.role, a.start_date),
        a.batch_id,
        a.line_number,
        missing.reference_column,
        missing.missing_value,
        true,
        missing.reason
    from staging.allocations as a
    cross join lateral (
        select 'case_id' as reference_column, a.case_id as missing_value, 'case not in core.cases' as reason
        where not exists (select from core.cases as c where c.case_id = a.case_id)
        union all
        select 'staff_id', a.staff_id, 'staff not in core.staff'
        where not exists (select from core.staff as st where st.staff_id = a.staff_id)
    ) as missing
),

contact_orphans as (
    select
        'contacts',
        s.contact_id,
        s.batch_id,
        s.line_number,
        'case_id',
        s.case_id,
        true,
        'case not in core.cases'
    from staging.contacts as s
    where not exists (select from core.cases as c where c.case_id = s.case_id)
),

contacts_with_unknown_staff as (
    -- kept: contact metrics look at contact_type, not at who recorded it
    select
        'contacts',
        c.contact_id,
        null::bigint,
        null::bigint,
        'staff_id',
        c.staff_id,
        false,
        'staff not in core.staff (contact kept)'
    from core.contacts as c
    where not exists (select from core.staff as st where st.staff_id = c.staff_id)
),

assessment_orphans as (
    select
        'assessments',
        s.assessment_id,
        s.batch_id,
        s.line_number,
        'case_id',
        s.case_id,
        true,
        'case not in core.cases'
    from staging.assessments as s
    where not exists (select from core.cases as c where c.case_id = s.case_id)
),

assessments_with_unknown_staff as (
    select
        'assessments',
        a.assessment_id,
        null::bigint,
        null::bigint,
        'staff_id',
        a.staff_id,
        false,
        'staff not in core.staff (assessment kept)'
    from core.assessments as a
    where a.staff_id is not null
      and not exists (select from core.staff as st where st.staff_id = a.staff_id)
),

release_outcome_orphans as (
    select
        'release_outcomes',
        s.case_id,
        s.batch_id,
        s.line_number,
        case when c.case_id is null then 'case_id' else 'release_date' end,
        case when c.case_id is null then s.case_id end,
        true,
        case
            when c.case_id is null then 'case not in core.cases'
            else 'case has no release_date (an outcome describes a release)'
        end
    from staging.release_outcomes as s
    left join core.cases as c
      on c.case_id = s.case_id
    where c.case_id is null
       or c.release_date is null
)

select * from staff_orphans
union all select * from case_orphans
union all select * from allocation_orphans
union all select * from contact_orphans
union all select * from contacts_with_unknown_staff
union all select * from assessment_orphans
union all select * from assessments_with_unknown_staff
union all select * from release_outcome_orphans;
comment on view quality.orphans is 'Staging rows core left out because a row they reference is missing from core (dropped_from_core true), and core rows kept with a staff reference that leads nowhere (false). Arises after a full reload of one file without the others.';
comment on column quality.orphans.entity is 'Contract entity of the row: staff, cases, allocations, contacts, assessments or release_outcomes.';
comment on column quality.orphans.row_key is 'The row''s key; for allocations case_id / staff_id / role / start_date.';
comment on column quality.orphans.batch_id is 'Ingest batch that loaded the staging row (NULL for rows kept in core, which carry no lineage).';
comment on column quality.orphans.line_number is 'Physical line of the row in its file (NULL for rows kept in core).';
comment on column quality.orphans.reference_column is 'The column whose reference is missing (release_date for a release outcome of a case that is not released).';
comment on column quality.orphans.missing_value is 'The value that points nowhere.';
comment on column quality.orphans.dropped_from_core is 'True when the row is not in core; false when it is kept with a dangling staff reference.';
comment on column quality.orphans.reason is 'Why, in words.';
