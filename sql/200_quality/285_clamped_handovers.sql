-- quality.clamped_handovers: cases whose computed handover date fell before the sentence started
-- and was moved to sentence_start_date, so the COM is responsible from day one. Usually a short
-- parole or indeterminate tariff; many of them can mean a parameter is set too long.
create or replace view quality.clamped_handovers as
select
    h.case_id,
    c.establishment_code,
    c.sentence_type,
    c.sentence_start_date,
    h.earliest_release_date,
    h.reason,
    h.computed_handover_date,
    h.handover_date,
    c.sentence_start_date - h.computed_handover_date as days_moved
from core.case_handover as h
join core.cases as c
  on c.case_id = h.case_id
where h.handover_clamped;
comment on view quality.clamped_handovers is 'Cases whose computed handover date was before sentence_start_date and was moved to it (core.case_handover.handover_clamped).';
comment on column quality.clamped_handovers.case_id is 'The case.';
comment on column quality.clamped_handovers.establishment_code is 'Prison holding the case.';
comment on column quality.clamped_handovers.sentence_type is 'determinate or indeterminate.';
comment on column quality.clamped_handovers.sentence_start_date is 'First day in custody, now the handover date.';
comment on column quality.clamped_handovers.earliest_release_date is 'Earliest release date the handover was computed from.';
comment on column quality.clamped_handovers.reason is 'Rule that computed it (determinate_parole, determinate or indeterminate).';
comment on column quality.clamped_handovers.computed_handover_date is 'Handover date as computed, before it was moved.';
comment on column quality.clamped_handovers.handover_date is 'Handover date stored (= sentence_start_date).';
comment on column quality.clamped_handovers.days_moved is 'Days between the computed date and sentence start.';
