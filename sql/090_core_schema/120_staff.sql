-- core.staff: the table, its comments and its indexes: once-only DDL, applied by the migrator
-- when this file changes. sql/100_core/120_staff.sql fills it on every full build.
create table if not exists core.staff (
    staff_id           text primary key,
    role               text not null,
    establishment_code text,
    probation_region   text,
    fte                numeric(4, 3) not null,
    start_date         date not null,
    end_date           date,
    in_post            daterange not null
);
comment on table core.staff is 'One row per member of staff whose establishment (if any) is in core.establishments.';
comment on column core.staff.staff_id is 'Staff identifier.';
comment on column core.staff.role is 'keyworker, prison_pom, probation_pom, com, spo or case_admin.';
comment on column core.staff.establishment_code is 'Prison the member of staff works in; NULL for COMs (who belong to a probation region).';
comment on column core.staff.probation_region is 'Probation region as given in the extract (required for COMs, optional for others).';
comment on column core.staff.fte is 'Full-time equivalent, 0 < fte <= 1.';
comment on column core.staff.start_date is 'First day in post.';
comment on column core.staff.end_date is 'Last day in post; NULL while in post.';
comment on column core.staff.in_post is 'Days in post as a range, [start_date, end_date] inclusive (upper unbounded while in post): "in post on d" is in_post @> d.';

create index if not exists staff_establishment on core.staff (establishment_code, role);
