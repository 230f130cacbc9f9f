-- quality.rejects_by_file: what ingest refused, grouped so a person can see which fixes matter
-- most. Reasons name the offending values ("case K00012 was rejected at cases.csv line 14"), so
-- they are grouped by a pattern with quoted values and numbers masked. The raw rejected lines are
-- NOT exposed: they can hold personal data that the reader role must not see (ingest.rejects
-- is not granted to it; this view runs with its owner's rights and shows only counts).
create or replace view quality.rejects_by_file as
with reject_patterns as (
    select
        r.batch_id,
        r.file,
        r.column_name,
        r.line_number,
        r.reason,
        -- 'anything quoted' -> '…', then runs of digits -> #
        regexp_replace(
            regexp_replace(r.reason, '''[^'']*''|"[^"]*"', '''…''', 'g'),
            '[0-9]+', '#', 'g'
        ) as reason_pattern
    from ingest.rejects as r
)

select
    p.batch_id,
    b.started_at as batch_started_at,
    p.file,
    f.entity,
    p.column_name,
    p.reason_pattern,
    count(*) as rejected_rows,
    min(p.line_number) as first_line_number,
    -- The full reason quotes the rejected value (a name, a date of birth): only those who may
    -- read ingest.rejects see it; everyone else gets the masked pattern.
    case
        -- by oid: resolving the name 'ingest.rejects' would itself fail without USAGE on ingest
        when has_table_privilege(current_user, 'ingest.rejects'::regclass::oid, 'select') then min(p.reason)
        else min(p.reason_pattern)
    end as example_reason
from reject_patterns as p
left join ingest.batches as b
  on b.batch_id = p.batch_id
left join ingest.batch_files as f
  on f.batch_id = p.batch_id
 and f.file = p.file
group by
    p.batch_id,
    b.started_at,
    p.file,
    f.entity,
    p.column_name,
    p.reason_pattern;
comment on view quality.rejects_by_file is 'Rows ingest rejected, counted per batch, file, column and reason pattern (values masked). No raw lines: see ingest.rejects with the right privileges for those.';
comment on column quality.rejects_by_file.batch_id is 'Ingest run that rejected the rows.';
comment on column quality.rejects_by_file.batch_started_at is 'When that ingest run started.';
comment on column quality.rejects_by_file.file is 'File name as found in the extract directory.';
comment on column quality.rejects_by_file.entity is 'Contract entity of the file (establishments, staff, cases, ...).';
comment on column quality.rejects_by_file.column_name is 'Column that broke a rule; NULL when the whole row was at fault (field count, encoding).';
comment on column quality.rejects_by_file.reason_pattern is 'The reason with quoted values shown as ''…'' and numbers as #, so rows rejected for the same cause group together.';
comment on column quality.rejects_by_file.rejected_rows is 'Number of rejected rows with this file, column and reason pattern.';
comment on column quality.rejects_by_file.first_line_number is 'First physical line (1 = header) rejected for this cause: where to start looking.';
comment on column quality.rejects_by_file.example_reason is 'One full reason of the group, as ingest wrote it, for roles that may read ingest.rejects; for everyone else (throughcare_reader) the masked reason_pattern, since reasons quote the rejected values.';
