-- Ingest ledger: one batch per `throughcare ingest`, one row per file it looked at, and every
-- rejected row with the reason a person can act on. Written by the Ingest stage only.
create schema if not exists ingest;
comment on schema ingest is 'Ingest ledger: batches, the files each loaded, and every rejected row.';

create table if not exists ingest.batches (
    batch_id     bigserial primary key,
    started_at   timestamptz not null default now(),
    finished_at  timestamptz,
    status       text not null default 'running' check (status in ('running', 'succeeded', 'partial', 'failed')),
    mode         text not null check (mode in ('full', 'incremental')),
    extract_dir  text not null,
    throughcare_version text
);
comment on table ingest.batches is 'One row per ingest run. A batch left ''running'' by a killed process is marked ''failed'' by the next ingest.';
comment on column ingest.batches.batch_id is 'Identifier of the ingest run; staging rows and rejects carry it.';
comment on column ingest.batches.started_at is 'When the ingest run started.';
comment on column ingest.batches.finished_at is 'When the ingest run ended; NULL while running or when the process died.';
comment on column ingest.batches.status is 'running, succeeded (every file loaded or was already loaded), partial (some files failed or were skipped), failed (the run died or no file loaded).';
comment on column ingest.batches.mode is 'full: each file is the whole truth for its entity; incremental: rows upserted by key, nothing deleted.';
comment on column ingest.batches.extract_dir is 'The extract directory as given on the command line.';
comment on column ingest.batches.throughcare_version is 'Version of the throughcare tool that ran the ingest.';

create table if not exists ingest.batch_files (
    batch_id      bigint not null references ingest.batches (batch_id) on delete cascade,
    file          text not null,
    entity        text not null,
    sha256        text,
    bytes         bigint,
    status        text not null check (status in ('loaded', 'skipped_unchanged', 'skipped_dependency', 'failed')),
    rows_read     bigint not null default 0,
    rows_loaded   bigint not null default 0,
    rows_rejected bigint not null default 0,
    seconds       double precision,
    message       text,
    primary key (batch_id, file)
);
comment on table ingest.batch_files is 'One row per contract file an ingest run looked at: its hash, what became of it and its row counts.';
comment on column ingest.batch_files.batch_id is 'The ingest run.';
comment on column ingest.batch_files.file is 'File name as found in the extract directory (e.g. contacts.csv.gz).';
comment on column ingest.batch_files.entity is 'Contract entity the file holds (establishments, staff, cases, allocations, contacts, assessments, release_outcomes).';
comment on column ingest.batch_files.sha256 is 'SHA-256 of the file bytes as stored (compressed bytes for .csv.gz). A file whose hash already loaded is skipped.';
comment on column ingest.batch_files.bytes is 'File size in bytes as stored.';
comment on column ingest.batch_files.status is 'loaded, skipped_unchanged (same sha256 loaded before), skipped_dependency (a file it references failed), failed (nothing of it kept).';
comment on column ingest.batch_files.rows_read is 'Data rows read (records after the header).';
comment on column ingest.batch_files.rows_loaded is 'Rows that reached staging.';
comment on column ingest.batch_files.rows_rejected is 'Rows written to ingest.rejects.';
comment on column ingest.batch_files.seconds is 'Wall-clock seconds spent on the file.';
comment on column ingest.batch_files.message is 'Why the file failed or was skipped, or warnings (e.g. unknown extra columns).';
alter table ingest.batch_files add column if not exists rows_replaced bigint;
comment on column ingest.batch_files.rows_replaced is 'Incremental loads: staged rows the file replaced (same key). A transform top-up skips looking for replaced contacts in core when every load since the previous build replaced none. NULL for full loads and for loads recorded before this column.';

-- Written by ingest.merge_incoming, read by ingest.staged_block_ranges.
create table if not exists ingest.staged_blocks (
    batch_id  bigint not null references ingest.batches (batch_id) on delete cascade,
    entity    text not null,
    filenode  oid not null,
    blocks    int8multirange not null,
    primary key (batch_id, entity)
);
comment on table ingest.staged_blocks is 'Where an incremental load wrote its rows in a staging table, so the transform reads those blocks instead of the whole table (ingest.staged_block_ranges). Full loads have no row: they fill the table from its start.';
comment on column ingest.staged_blocks.batch_id is 'The ingest run.';
comment on column ingest.staged_blocks.entity is 'Contract entity whose staging table the rows went to.';
comment on column ingest.staged_blocks.filenode is 'pg_relation_filenode of that staging table when the rows were written: the blocks hold only while the table is still in that file (TRUNCATE, VACUUM FULL, CLUSTER and a rewriting ALTER TABLE replace it; plain VACUUM moves no row, and ingest never updates a staged row).';
comment on column ingest.staged_blocks.blocks is 'The blocks the load''s rows were written to, as ranges of block numbers.';

-- Written and read by the loader (Sources/Ingest/StagedKeyFilterStore.swift). UNLOGGED, as
-- staging is: a crash empties both, and a missing filter only means the next incremental load
-- looks up every key, as it did before filters were kept.
create unlogged table if not exists ingest.staged_key_filters (
    entity    text not null,
    chunk     integer not null,
    batch_id  bigint not null references ingest.batches (batch_id) on delete cascade,
    bit_count bigint not null,
    layout    integer not null,
    bits      bytea not null,
    primary key (entity, chunk)
);
-- a table saved before filters carried their layout gets it as 0, a layout no loader uses
alter table ingest.staged_key_filters add column if not exists layout integer not null default 0;
alter table ingest.staged_key_filters alter column layout drop default;
-- the bits are random: compressing them would cost time and save nothing
alter table ingest.staged_key_filters alter column bits set storage external;
comment on table ingest.staged_key_filters is 'The loader''s Bloom filter of every key in a staging table, in 1 MiB chunks, saved by each load in its own transaction: an incremental load then looks up in staging only the keys the filter says may be there (usually none), instead of every key it brings (ingest.merge_incoming). Valid only while its batch_id is the entity''s latest load (ingest.staged_key_filter_bit_count).';
comment on column ingest.staged_key_filters.entity is 'Contract entity whose staging table the filter covers.';
comment on column ingest.staged_key_filters.chunk is 'Position of this chunk of the bit array (0 first).';
comment on column ingest.staged_key_filters.batch_id is 'The ingest run whose load saved the filter: the filter covers the staging table as that load left it.';
comment on column ingest.staged_key_filters.bit_count is 'Size of the whole bit array in bits (a power of two).';
comment on column ingest.staged_key_filters.layout is 'The version of the filter''s hashing and bit layout (DuplicateKeyFilter.layoutVersion): a loader of another version does not use it.';
comment on column ingest.staged_key_filters.bits is 'This chunk''s bytes of the bit array (DuplicateKeyFilter''s layout: 512-bit blocks of 64-bit little-endian words).';

create table if not exists ingest.rejects (
    reject_id   bigserial primary key,
    batch_id    bigint not null references ingest.batches (batch_id) on delete cascade,
    file        text not null,
    line_number bigint not null,
    column_name text,
    key_value   text,
    reason      text not null,
    raw_line    text
);
comment on table ingest.rejects is 'Every row ingest refused, with the physical line it started on and a reason a person can act on. Rows of a failed file are not kept here (the whole file failed; see ingest.batch_files.message).';
comment on column ingest.rejects.reject_id is 'Surrogate key.';
comment on column ingest.rejects.batch_id is 'The ingest run that refused the row.';
comment on column ingest.rejects.file is 'File name as found in the extract directory.';
comment on column ingest.rejects.line_number is 'Physical line number (1 = header) where the record starts; a quoted field with a newline spans several lines.';
comment on column ingest.rejects.column_name is 'The column that broke a rule; NULL when the whole row is at fault (field count, encoding).';
comment on column ingest.rejects.key_value is 'The row''s key (e.g. case_id) when it could be read, so rows that reference it can say why they were refused too.';
comment on column ingest.rejects.reason is 'What is wrong, in words, with the offending value.';
comment on column ingest.rejects.raw_line is 'The raw record as it stood in the file (invalid UTF-8 bytes shown as U+FFFD, NUL bytes removed).';
create index if not exists rejects_batch_file on ingest.rejects (batch_id, file);
