create unlogged table if not exists staging.establishments (
    establishment_code      text not null,
    name                    text not null,
    establishment_type      text not null,
    operator                text not null,
    prison_group            text not null,
    probation_region        text not null,
    keywork_frequency_weeks integer not null,
    batch_id                bigint not null,
    line_number             bigint not null
);
comment on table staging.establishments is 'establishments.csv as validated: one row per prison.';
comment on column staging.establishments.establishment_code is 'Prison code (2-5 upper-case letters/digits), e.g. LEI.';
comment on column staging.establishments.name is 'Prison name.';
comment on column staging.establishments.establishment_type is 'local, training, open, resettlement, high_security, womens or yoi.';
comment on column staging.establishments.operator is 'public or private.';
comment on column staging.establishments.prison_group is 'Prison group the establishment belongs to.';
comment on column staging.establishments.probation_region is 'Probation region the prison sits in.';
comment on column staging.establishments.keywork_frequency_weeks is 'Expected weeks between keywork sessions (1-52; 1 when the extract left it empty).';
comment on column staging.establishments.batch_id is 'Ingest batch that loaded the row.';
comment on column staging.establishments.line_number is 'Physical line of the row in its file.';

create unlogged table if not exists staging.staff (
    staff_id           text not null,
    role               text not null,
    establishment_code text,
    probation_region   text,
    fte                numeric not null,
    start_date         date not null,
    end_date           date,
    batch_id           bigint not null,
    line_number        bigint not null
);
comment on table staging.staff is 'staff.csv as validated: one row per member of staff.';
comment on column staging.staff.staff_id is 'Staff identifier.';
comment on column staging.staff.role is 'keyworker, prison_pom, probation_pom, com, spo or case_admin.';
comment on column staging.staff.establishment_code is 'Prison the member of staff works in (NULL only for com).';
comment on column staging.staff.probation_region is 'Probation region (required for com).';
comment on column staging.staff.fte is 'Full-time equivalent, 0 < fte <= 1.';
comment on column staging.staff.start_date is 'First day in post.';
comment on column staging.staff.end_date is 'Last day in post; NULL while in post.';
comment on column staging.staff.batch_id is 'Ingest batch that loaded the row.';
comment on column staging.staff.line_number is 'Physical line of the row in its file.';

create unlogged table if not exists staging.cases (
    case_id                 text not null,
    prisoner_id             text not null,
    establishment_code      text not null,
    sentence_type           text not null,
    sentence_start_date     date not null,
    expected_release_date   date,
    parole_eligibility_date date,
    release_date            date,
    tier                    text,
    rosh                    text not null,
    mappa_level             integer not null,
    release_region          text,
    batch_id                bigint not null,
    line_number             bigint not null
);
comment on table staging.cases is 'cases.csv as validated: one row per custodial episode.';
comment on column staging.cases.case_id is 'Custodial episode identifier.';
comment on column staging.cases.prisoner_id is 'Prisoner identifier (a prisoner can have several episodes).';
comment on column staging.cases.establishment_code is 'Prison holding the case.';
comment on column staging.cases.sentence_type is 'determinate, indeterminate or recall.';
comment on column staging.cases.sentence_start_date is 'First day in custody for this episode.';
comment on column staging.cases.expected_release_date is 'Conditional/automatic release date; tariff expiry for indeterminate (may be NULL there).';
comment on column staging.cases.parole_eligibility_date is 'Parole eligibility date (PED), where the sentence has one.';
comment on column staging.cases.release_date is 'Actual release date; NULL while in custody.';
comment on column staging.cases.tier is 'Probation tier a-d, or NULL.';
comment on column staging.cases.rosh is 'Risk of serious harm: low, medium, high or very_high.';
comment on column staging.cases.mappa_level is 'MAPPA level 0 (none), 1, 2 or 3.';
comment on column staging.cases.release_region is 'Probation region the person is released to, or NULL.';
comment on column staging.cases.batch_id is 'Ingest batch that loaded the row.';
comment on column staging.cases.line_number is 'Physical line of the row in its file.';

-- allocations.csv has no key column in the contract: a row is identified by who held which
-- case in which role from which day (documented in docs/ingest.md). Staging tables carry no
-- unique index: ingest removes duplicates itself, and bulk loads stay at COPY speed.
create unlogged table if not exists staging.allocations (
    case_id     text not null,
    staff_id    text not null,
    role        text not null,
    start_date  date not null,
    end_date    date,
    batch_id    bigint not null,
    line_number bigint not null
);
comment on table staging.allocations is 'allocations.csv as validated: who held the case in which role, when. Keyed by (case_id, staff_id, role, start_date).';
comment on column staging.allocations.case_id is 'The case.';
comment on column staging.allocations.staff_id is 'The member of staff.';
comment on column staging.allocations.role is 'keyworker, pom or com (agrees with the staff role).';
comment on column staging.allocations.start_date is 'First day of the allocation.';
comment on column staging.allocations.end_date is 'Last day of the allocation; NULL while open.';
comment on column staging.allocations.batch_id is 'Ingest batch that loaded the row.';
comment on column staging.allocations.line_number is 'Physical line of the row in its file.';

create unlogged table if not exists staging.contacts (
    contact_id       text not null,
    case_id          text not null,
    staff_id         text not null,
    contact_type     text not null,
    contact_at       timestamptz not null,
    channel          text not null,
    outcome          text not null,
    duration_minutes integer,
    batch_id         bigint not null,
    line_number      bigint not null
);
comment on table staging.contacts is 'contacts.csv as validated: every recorded contact.';
comment on column staging.contacts.contact_id is 'Contact identifier.';
comment on column staging.contacts.case_id is 'The case the contact is about.';
comment on column staging.contacts.staff_id is 'Member of staff who recorded it.';
comment on column staging.contacts.contact_type is 'keywork_session, pom_contact, com_contact, pom_com_liaison or handover_meeting.';
comment on column staging.contacts.contact_at is 'When the contact happened (an offset-less extract value is read as Europe/London local time).';
comment on column staging.contacts.channel is 'face_to_face, video, phone or written.';
comment on column staging.contacts.outcome is 'completed, refused, cancelled or did_not_attend.';
comment on column staging.contacts.duration_minutes is 'Length in minutes (0-1440), or NULL.';
comment on column staging.contacts.batch_id is 'Ingest batch that loaded the row.';
comment on column staging.contacts.line_number is 'Physical line of the row in its file.';

create unlogged table if not exists staging.assessments (
    assessment_id  text not null,
    case_id        text not null,
    kind           text not null,
    completed_date date not null,
    staff_id       text,
    batch_id       bigint not null,
    line_number    bigint not null
);
comment on table staging.assessments is 'assessments.csv as validated: OASys assessments, sentence plans and release plans.';
comment on column staging.assessments.assessment_id is 'Assessment identifier.';
comment on column staging.assessments.case_id is 'The case.';
comment on column staging.assessments.kind is 'oasys, sentence_plan or release_plan.';
comment on column staging.assessments.completed_date is 'Date the assessment or plan was completed.';
comment on column staging.assessments.staff_id is 'Member of staff who completed it, or NULL.';
comment on column staging.assessments.batch_id is 'Ingest batch that loaded the row.';
comment on column staging.assessments.line_number is 'Physical line of the row in its file.';

create unlogged table if not exists staging.release_outcomes (
    case_id          text not null,
    accommodation    text not null,
    has_id           boolean not null,
    has_bank_account boolean not null,
    ete_arranged     boolean not null,
    batch_id         bigint not null,
    line_number      bigint not null
);
comment on table staging.release_outcomes is 'release_outcomes.csv as validated: resettlement status on the day of release.';
comment on column staging.release_outcomes.case_id is 'The released case.';
comment on column staging.release_outcomes.accommodation is 'settled, temporary, approved_premises, none or unknown.';
comment on column staging.release_outcomes.has_id is 'Identification document on release.';
comment on column staging.release_outcomes.has_bank_account is 'Bank account on release.';
comment on column staging.release_outcomes.ete_arranged is 'Education, training or employment arranged.';
comment on column staging.release_outcomes.batch_id is 'Ingest batch that loaded the row.';
comment on column staging.release_outcomes.line_number is 'Physical line of the row in its file.';

-- A server crash empties every UNLOGGED table, this one included. Its row says "staging still
-- holds every load the ledger lists": the row counts of the newest load of each entity can look
-- right after a crash when that load was incremental (a re-sent delta), while the full load
-- beneath it is gone. Created with its row; the row comes back only with a full ingest.
create unlogged table if not exists staging.intact (
    marked_at timestamptz not null default now(),
    batch_id  bigint
);
comment on table staging.intact is 'One row while staging holds every load the ingest ledger lists; emptied, like all UNLOGGED tables, by a server crash, and marked again by the next full ingest. Transform refuses to build from staging without it.';
comment on column staging.intact.marked_at is 'When the mark was set.';
comment on column staging.intact.batch_id is 'The ingest batch that set it (NULL: set when the table was created).';
insert into staging.intact (batch_id)
select null
where not exists (select from staging.intact);

-- Called by ingest when a batch ends: a full batch that loaded (or found unchanged) every file
-- restores the mark; so does the very first batch, since there was nothing before it to lose.
create or replace function staging.note_batch_finished(p_batch_id bigint)
returns boolean
language plpgsql
as $$
declare
    batch ingest.batches;
begin
    select * into batch from ingest.batches as b where b.batch_id = p_batch_id;
    if exists (select from staging.intact) then
        return true;
    end if;
    if batch.status = 'succeeded'
       and (batch.mode = 'full'
            or not exists (select from ingest.batch_files as f where f.batch_id < p_batch_id and f.status = 'loaded')) then
        insert into staging.intact (batch_id) values (p_batch_id);
        return true;
    end if;
    return false;
end;
$$;
comment on function staging.note_batch_finished(bigint) is 'Sets the staging.intact mark after a full batch that succeeded (or the first batch ever); returns whether staging is now marked intact.';
