-- core.case_handover: the table, its comments and its indexes: once-only DDL, applied by the migrator
-- when this file changes. sql/100_core/180_case_handover.sql fills it on every full build.
create table if not exists core.case_handover (
    case_id                text primary key,
    earliest_release_date  date,
    handover_date          date,
    reason                 text not null,
    responsible_throughout text,
    handover_clamped       boolean not null,
    computed_handover_date date,
    constraint case_handover_reason check (
        reason in ('recall', 'release_date_unknown', 'determinate_short', 'determinate_parole', 'determinate', 'indeterminate')
    ),
    constraint case_handover_one_answer check (
        (handover_date is null) <> (responsible_throughout is null)
    )
);
comment on table core.case_handover is 'One row per case in core.cases: its earliest release date, the date responsibility passes from the POM to the COM (handover) and the OMiC rule that decided it.';
comment on column core.case_handover.case_id is 'The case.';
comment on column core.case_handover.earliest_release_date is 'Earliest release date (ERD): for determinate and recall the parole eligibility date if present, else the expected release date; for indeterminate the tariff (expected_release_date) if present, else the parole eligibility date. NULL when neither is known.';
comment on column core.case_handover.handover_date is 'First day the COM is responsible (the POM before it); NULL when one side is responsible throughout (see responsible_throughout). Never before sentence_start_date.';
comment on column core.case_handover.reason is 'Rule that decided, first match wins: recall (COM throughout), release_date_unknown (POM throughout, no ERD), determinate_short (COM throughout: ERD within com_only_below of sentence start), determinate_parole (ERD - handover_parole), determinate (ERD - handover_determinate), indeterminate (ERD - handover_indeterminate).';
comment on column core.case_handover.responsible_throughout is 'com or pom when the case has no handover date (recall and determinate_short: com; release_date_unknown: pom); NULL when there is a handover date.';
comment on column core.case_handover.handover_clamped is 'True when the computed handover date fell before sentence_start_date and was moved to it (the COM is responsible from the first day).';
comment on column core.case_handover.computed_handover_date is 'ERD minus the rule''s handover period before clamping to sentence_start_date; NULL for rules without a handover date. Evidence for quality.clamped_handovers.';
