-- quality.contacts_without_allocation: contacts recorded by someone who did not hold the case in
-- the matching role that day. The metrics ignore who recorded a contact (contact_type decides),
-- so these still count; the view is for spotting contacts logged against the wrong case or an
-- allocation record that is missing or ended too early.
create or replace view quality.contacts_without_allocation as
with contacts_with_expected_roles as (
    select
        ct.contact_id,
        ct.case_id,
        ct.staff_id,
        ct.contact_type,
        ct.contact_date,
        ct.outcome,
        -- which allocation roles may record each contact type
        case ct.contact_type
            when 'keywork_session' then array['keyworker']
            when 'pom_contact' then array['pom']
            when 'com_contact' then array['com']
            when 'pom_com_liaison' then array['pom', 'com']
            when 'handover_meeting' then array['pom', 'com']
        end as expected_roles
    from core.contacts as ct
)

select
    e.contact_id,
    e.case_id,
    e.staff_id,
    st.role as staff_role,
    e.contact_type,
    e.contact_date,
    e.outcome,
    e.expected_roles,
    exists (
        select
        from core.allocations as a
        where a.case_id = e.case_id
          and a.staff_id = e.staff_id
    ) as staff_ever_allocated_to_case
from contacts_with_expected_roles as e
left join core.staff as st
  on st.staff_id = e.staff_id
where not exists (
    select
    from core.allocations as a
    where a.case_id = e.case_id
      and a.staff_id = e.staff_id
      and a.role = any (e.expected_roles)
      and a.active_days @> e.contact_date
);
comment on view quality.contacts_without_allocation is 'Contacts whose recorder did not hold an allocation of the matching role on the case that day (keywork_session: keyworker; pom_contact: pom; com_contact: com; pom_com_liaison and handover_meeting: pom or com). Metrics still count them.';
comment on column quality.contacts_without_allocation.contact_id is 'The contact.';
comment on column quality.contacts_without_allocation.case_id is 'The case it is filed against.';
comment on column quality.contacts_without_allocation.staff_id is 'Member of staff who recorded it.';
comment on column quality.contacts_without_allocation.staff_role is 'That member of staff''s role from core.staff; NULL when they are not in core.staff.';
comment on column quality.contacts_without_allocation.contact_type is 'keywork_session, pom_contact, com_contact, pom_com_liaison or handover_meeting.';
comment on column quality.contacts_without_allocation.contact_date is 'The contact''s Europe/London date.';
comment on column quality.contacts_without_allocation.outcome is 'completed, refused, cancelled or did_not_attend.';
comment on column quality.contacts_without_allocation.expected_roles is 'Allocation roles that may record this contact type.';
comment on column quality.contacts_without_allocation.staff_ever_allocated_to_case is 'True when the recorder held the case at some time in some role (wrong dates or wrong role), false when never (likely the wrong case or a missing allocation).';
