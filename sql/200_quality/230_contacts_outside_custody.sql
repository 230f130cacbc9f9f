-- quality.contacts_outside_custody: contacts dated before the sentence started or after the
-- release day. The metrics count contacts wherever they fall (only their own windows restrict
-- them), so these are not errors to the numbers, but they usually mean a contact was filed
-- against the wrong episode. A contact on the release day itself is not listed: release-day
-- meetings are normal, even though that day lies outside the custody window [start, release).
create or replace view quality.contacts_outside_custody as
select
    ct.contact_id,
    ct.case_id,
    ct.staff_id,
    ct.contact_type,
    ct.contact_date,
    ct.outcome,
    c.sentence_start_date,
    c.release_date,
    case
        when ct.contact_date < c.sentence_start_date then 'before_sentence_start'
        else 'after_release'
    end as problem,
    case
        when ct.contact_date < c.sentence_start_date then c.sentence_start_date - ct.contact_date
        else ct.contact_date - c.release_date
    end as days_outside
from core.contacts as ct
join core.cases as c
  on c.case_id = ct.case_id
where ct.contact_date < c.sentence_start_date
   or ct.contact_date > c.release_date;
comment on view quality.contacts_outside_custody is 'Contacts dated before their case''s sentence_start_date or after its release_date (the release day itself is allowed). Usually a contact filed against the wrong episode of the prisoner.';
comment on column quality.contacts_outside_custody.contact_id is 'The contact.';
comment on column quality.contacts_outside_custody.case_id is 'The case it is filed against.';
comment on column quality.contacts_outside_custody.staff_id is 'Member of staff who recorded it.';
comment on column quality.contacts_outside_custody.contact_type is 'keywork_session, pom_contact, com_contact, pom_com_liaison or handover_meeting.';
comment on column quality.contacts_outside_custody.contact_date is 'The contact''s Europe/London date.';
comment on column quality.contacts_outside_custody.outcome is 'completed, refused, cancelled or did_not_attend.';
comment on column quality.contacts_outside_custody.sentence_start_date is 'The case''s first day in custody.';
comment on column quality.contacts_outside_custody.release_date is 'The case''s release date (NULL while in custody).';
comment on column quality.contacts_outside_custody.problem is 'before_sentence_start or after_release.';
comment on column quality.contacts_outside_custody.days_outside is 'Days before sentence start, or days after the release day.';
