-- The statements the Ingest stage runs, by name: Swift decides when (one transaction per file,
-- under the stage lock) and binds every value; what is written where is decided here. Staging
-- tables are named by their contract entity and resolved through ingest.staging_table, which
-- refuses any name that is not a staging table, so no entity text reaches a statement unquoted.

create or replace function ingest.staging_table(p_entity text)
returns regclass
language plpgsql
stable
parallel safe
as $$
declare
    found regclass := to_regclass(format('staging.%I', p_entity));
begin
    if found is null then
        raise exception 'no staging table for entity %', p_entity using errcode = '42P01';
    end if;
    return found;
end;
$$;
comment on function ingest.staging_table(text) is 'The staging table of a contract entity (staging.<entity>), or an error when there is none: the one place an entity name becomes a table.';

create or replace function ingest.load_target(p_entity text, p_incremental boolean)
returns regclass
language plpgsql
stable
as $$
begin
    if p_incremental then
        return 'pg_temp.incoming'::regclass;
    end if;
    return ingest.staging_table(p_entity);
end;
$$;
comment on function ingest.load_target(text, boolean) is 'Where a file''s rows are copied: its staging table for a full load, the transaction''s pg_temp.incoming for an incremental one (merged by ingest.merge_incoming).';

create or replace function ingest.sweep_dead_batches()
returns void
language sql
as $$
    update ingest.batches set status = 'failed', finished_at = coalesce(finished_at, now())
    where status = 'running';
$$;
comment on function ingest.sweep_dead_batches() is 'Marks failed every batch still running. Called under the exclusive stage lock, so such a batch belongs to a process that died.';

create or replace function ingest.start_batch(p_mode text, p_extract_dir text, p_throughcare_version text)
returns bigint
language sql
as $$
    insert into ingest.batches (mode, extract_dir, throughcare_version)
    values (p_mode, p_extract_dir, p_throughcare_version)
    returning batch_id;
$$;
comment on function ingest.start_batch(text, text, text) is 'Opens a batch (status running) and returns its batch_id.';

create or replace function ingest.finish_batch(p_batch_id bigint, p_status text)
returns void
language sql
as $$
    update ingest.batches set status = p_status, finished_at = now() where batch_id = p_batch_id;
$$;
comment on function ingest.finish_batch(bigint, text) is 'Closes a batch with its outcome: succeeded, partial or failed.';

create or replace function ingest.loaded_file_of_size_exists(p_entity text, p_bytes bigint)
returns boolean
language sql
stable
as $$
    select exists (select from ingest.batch_files
                   where entity = p_entity and status = 'loaded' and bytes = p_bytes);
$$;
comment on function ingest.loaded_file_of_size_exists(text, bigint) is 'Whether a loaded file of the entity has this size, so a file is hashed before loading only when it could be the same file.';

create or replace function ingest.unchanged_load(p_sha256 text, p_entity text, p_mode text)
returns bigint
language plpgsql
stable
as $$
declare
    candidate ingest.batch_files;
    rows_in_staging bigint;
begin
    select f.* into candidate
    from ingest.batch_files as f
    join ingest.batches as b on b.batch_id = f.batch_id
    where f.sha256 = p_sha256 and f.entity = p_entity and f.status = 'loaded'
      and (b.mode = 'full' or p_mode = 'incremental')
      and f.batch_id = (select max(g.batch_id) from ingest.batch_files as g
                        where g.entity = p_entity and g.status = 'loaded');
    if not found then
        return null;
    end if;
    execute format('select count(*) from %s as s where s.batch_id = $1', ingest.staging_table(p_entity))
        into rows_in_staging using candidate.batch_id;
    if rows_in_staging = candidate.rows_loaded then
        return candidate.batch_id;
    end if;
    return null;
end;
$$;
comment on function ingest.unchanged_load(text, text, text) is 'The batch that loaded this very file (same sha256) when loading it again would change nothing: that load is the entity''s latest, its mode cannot have left other rows behind (a full load, or this run is incremental too), and its rows are all still in staging (an UNLOGGED table is emptied by a server crash). NULL otherwise.';

create or replace function ingest.replayed_load(p_sha256 text, p_entity text)
returns table (batch_id bigint, loaded_at text, later_batch_id bigint, later_loaded_at text)
language sql
stable
as $$
    select f.batch_id, to_char(b.started_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'),
           later.batch_id, to_char(later.started_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')
    from ingest.batch_files as f
    join ingest.batches as b on b.batch_id = f.batch_id
    join lateral (
        select g.batch_id, gb.started_at from ingest.batch_files as g
        join ingest.batches as gb on gb.batch_id = g.batch_id
        where g.entity = f.entity and g.status = 'loaded' and g.batch_id > f.batch_id
          and g.sha256 is distinct from f.sha256
        order by g.batch_id desc limit 1
    ) as later on true
    where f.sha256 = p_sha256 and f.entity = p_entity and f.status = 'loaded'
    order by f.batch_id desc limit 1;
$$;
comment on function ingest.replayed_load(text, text) is 'When loading this file incrementally would be a replay: the batch that loaded the same bytes before and the later batch that loaded a different file of the entity (upserting the old rows again would undo its corrections). No row otherwise.';

create or replace function ingest.record_file(p_batch_id bigint, p_file text, p_entity text, p_sha256 text,
                                              p_bytes bigint, p_status text, p_message text)
returns void
language sql
as $$
    insert into ingest.batch_files (batch_id, file, entity, sha256, bytes, status, message)
    values (p_batch_id, p_file, p_entity, p_sha256, p_bytes, p_status, p_message)
    on conflict (batch_id, file) do update set status = excluded.status, message = excluded.message;
$$;
comment on function ingest.record_file(bigint, text, text, text, bigint, text, text) is 'The ledger row of a file that did not load (failed, skipped), with the message saying why.';

drop function if exists ingest.record_loaded_file(bigint, text, text, text, bigint, bigint, bigint, bigint, double precision, text);
create or replace function ingest.record_loaded_file(p_batch_id bigint, p_file text, p_entity text, p_sha256 text,
                                                     p_bytes bigint, p_rows_read bigint, p_rows_loaded bigint,
                                                     p_rows_rejected bigint, p_rows_replaced bigint, p_seconds double precision,
                                                     p_message text)
returns void
language sql
as $$
    insert into ingest.batch_files (batch_id, file, entity, sha256, bytes, status, rows_read, rows_loaded, rows_rejected, rows_replaced, seconds, message)
    values (p_batch_id, p_file, p_entity, p_sha256, p_bytes, 'loaded', p_rows_read, p_rows_loaded, p_rows_rejected, p_rows_replaced, p_seconds, p_message);
$$;
comment on function ingest.record_loaded_file(bigint, text, text, text, bigint, bigint, bigint, bigint, bigint, double precision, text) is 'The ledger row of a file that loaded, written in the file''s own transaction (warnings as the message).';

create or replace function ingest.begin_file_load(p_entity text, p_incremental boolean)
returns void
language plpgsql
as $$
begin
    -- Offset-less timestamps are Europe/London local time (the contract).
    perform set_config('timezone', 'Europe/London', true);
    -- keys compared as text (ingest.key_text) spell a date as the loader does, whatever the session's DateStyle
    perform set_config('datestyle', 'ISO', true);
    perform set_config('work_mem', '256MB', true);
    if p_incremental then
        execute format('create temporary table incoming (like %s) on commit drop', ingest.staging_table(p_entity));
    else
        execute format('truncate %s', ingest.staging_table(p_entity));
    end if;
end;
$$;
comment on function ingest.begin_file_load(text, boolean) is 'Starts loading a file in the current transaction: Europe/London time zone, ISO dates, more work_mem, and an empty target (the staging table truncated for a full load, pg_temp.incoming created for an incremental one).';

-- The key as the loader spells it (RowValidator.withKeyBytes), the spelling of
-- pg_temp.duplicate_candidates: one column's text, or for a composite key each column's byte
-- count, ':' and its text, so keys compare column by column.
create or replace function ingest.key_text(p_key_columns text[], p_alias text)
returns text
language sql
immutable
as $$
    select case when cardinality(p_key_columns) = 1
        then format('%I.%I::text', p_alias, p_key_columns[1])
        else (select string_agg(format('octet_length(%1$I.%2$I::text)::text || '':'' || %1$I.%2$I::text', p_alias, key), ' || ' order by position)
              from unnest(p_key_columns) with ordinality as k (key, position)) end;
$$;
comment on function ingest.key_text(text[], text) is 'SQL text of a row''s key as the loader spells it (the row named p_alias; columns p_key_columns), for comparing with the key_value of pg_temp.duplicate_candidates.';

drop function if exists ingest.merge_incoming(text, text[], text[]);
drop function if exists ingest.merge_incoming(text, text[], text[], text);
create or replace function ingest.merge_incoming(p_entity text, p_key_columns text[], p_columns text[], p_look_up text)
returns bigint
language plpgsql
as $$
declare
    target regclass := ingest.staging_table(p_entity);
    key_match text := (select string_agg(format('s.%1$I = k.%1$I', key), ' and ') from unnest(p_key_columns) as key);
    key_list text := (select string_agg(format('i.%I', key), ', ') from unnest(p_key_columns) as key);
    column_list text := (select string_agg(format('%I', name), ', ') from unnest(p_columns) as name);
    -- Finding the staged rows an incremental file replaces means hash-probing every staged row
    -- (staging has no key index: it would slow every full load). A month of contacts against a
    -- national year is 9 million probes, 4.6 s on one core; the keys in a plain (unlogged) table
    -- let the probe run in parallel workers (2.3 s on two), which a temporary table does not. It
    -- is made and dropped in the file's transaction, so a crash leaves nothing behind. The keys
    -- are copied as they are, not made distinct: the loader has already removed a file's repeated
    -- keys (ingest.reject_duplicates), and a key repeated anyway would only name the same staged
    -- row twice, which the delete removes once (the distinct cost 0.4 s of a month's 0.5 s copy).
    -- Half of the probe's time is the cache misses of a hash table of 455 k keys; with the few
    -- keys the loader's saved filter could not rule out, the table fits in cache.
    keys_table text := format('ingest.%I', 'incoming_keys_' || pg_backend_pid());
    replaced bigint := 0;
    old_end bigint;
    batch bigint;
    earlier_blocks int8multirange;
begin
    -- Which incoming keys to look for in staging (the loader decides, from its filter of the
    -- staged keys, ingest.staged_key_filters): every_key when it has no valid filter;
    -- candidate_keys, those in pg_temp.duplicate_candidates (the filter's "maybe seen": in
    -- staging, or earlier in the file), the only ones it could not rule out; none when it ruled
    -- out every key (a month of new contacts, usually).
    if p_look_up not in ('every_key', 'candidate_keys', 'none') then
        raise exception 'ingest.merge_incoming: p_look_up is %, not every_key, candidate_keys or none', p_look_up
            using errcode = 'invalid_parameter_value';
    end if;
    if p_look_up <> 'none' then
        execute format('create unlogged table %s as select %s from pg_temp.incoming as i %s', keys_table, key_list,
                       case when p_look_up = 'candidate_keys'
                            then format('where %s in (select c.key_value from pg_temp.duplicate_candidates as c)',
                                        ingest.key_text(p_key_columns, 'i'))
                            else '' end);
        execute format('analyze %s', keys_table);
        execute format('create temporary table replaced on commit drop as select s.ctid as row_position from %s as s join %s as k on %s',
                       target, keys_table, key_match);
        execute format('drop table %s', keys_table);
        execute format('delete from %s where ctid = any (array(select r.row_position from pg_temp.replaced as r))', target);
        get diagnostics replaced = row_count;
        drop table pg_temp.replaced;
    end if;
    -- Where the rows went (ingest.staged_blocks), so the transform reads just them: mostly the
    -- blocks the insert added to the table, plus any earlier block with room it filled (free
    -- space left by a COPY or by replaced rows). Only the rows below the old end are looked at
    -- one by one: turning each of a month's 455 k positions into a block number cost 0.3 s.
    old_end := pg_relation_size(target) / current_setting('block_size')::bigint;
    execute format($sql$
        with inserted as (
            insert into %1$s (%2$s) select %2$s from pg_temp.incoming returning ctid, batch_id
        )
        select
            (select min(i.batch_id) from inserted as i),
            (select range_agg(int8range(e.block, e.block + 1))
             from (select distinct ((i.ctid)::text::point)[0]::bigint as block
                   from inserted as i
                   where i.ctid < format('(%%s,0)', $1)::tid) as e)
        $sql$, target, column_list)
        into batch, earlier_blocks
        using old_end;
    if batch is not null then
        insert into ingest.staged_blocks as b (batch_id, entity, filenode, blocks)
        values (batch, p_entity, pg_relation_filenode(target),
                coalesce(earlier_blocks, '{}') + int8multirange(int8range(old_end, pg_relation_size(target) / current_setting('block_size')::bigint)))
        on conflict (batch_id, entity) do update set blocks = b.blocks + excluded.blocks;
    end if;
    return replaced;
end;
$$;
comment on function ingest.merge_incoming(text, text[], text[], text) is 'Incremental load: the rows of pg_temp.incoming replace the staging rows with the same key (columns p_key_columns); the other rows stay; the blocks the new rows went to are recorded in ingest.staged_blocks. p_look_up says which incoming keys may be staged: every_key, candidate_keys (those in pg_temp.duplicate_candidates) or none. Returns how many staged rows were replaced.';

create or replace function ingest.staged_key_filter_chunk_bytes()
returns integer
language sql
immutable
as $$
    select 1048576;
$$;
comment on function ingest.staged_key_filter_chunk_bytes() is 'Bytes per chunk of a saved key filter (1 MiB): the rows stay small, and the loader reads the filter a chunk at a time.';

-- The loader's filter of the staged keys (ingest.staged_key_filters), saved by every load of
-- the entity. It covers the staging table only as the load that saved it left it: any later
-- load that did not save one (a tool from before filters, say) makes it stale.
drop function if exists ingest.staged_key_filter_bit_count(text);
create or replace function ingest.staged_key_filter_bit_count(p_entity text, p_layout integer)
returns bigint
language sql
stable
as $$
    select f.bit_count
    from ingest.staged_key_filters as f
    where f.entity = p_entity
      and f.layout = p_layout
      and f.batch_id = (select max(b.batch_id) from ingest.batch_files as b
                        where b.entity = p_entity and b.status = 'loaded')
    group by f.bit_count
    -- whole: every chunk of that size there, numbered from 0
    having count(*) = (f.bit_count / 8 + ingest.staged_key_filter_chunk_bytes() - 1) / ingest.staged_key_filter_chunk_bytes()
       and min(f.chunk) = 0
       and max(f.chunk) = count(*) - 1;
$$;
comment on function ingest.staged_key_filter_bit_count(text, integer) is 'The size in bits of the entity''s saved key filter when it is whole, of the loader''s layout p_layout, and covers staging as it stands (saved by the entity''s latest load); NULL otherwise (look up every key).';

create or replace function ingest.staged_key_filter_bits(p_entity text)
returns table (chunk integer, bits bytea)
language sql
stable
as $$
    select f.chunk, f.bits from ingest.staged_key_filters as f where f.entity = p_entity order by f.chunk;
$$;
comment on function ingest.staged_key_filter_bits(text) is 'The chunks of the entity''s saved key filter, in order (the loader reads them by binary COPY).';

create or replace function ingest.clear_staged_key_filter(p_entity text)
returns void
language sql
as $$
    delete from ingest.staged_key_filters as f where f.entity = p_entity;
$$;
comment on function ingest.clear_staged_key_filter(text) is 'Removes the entity''s saved key filter, before a load saves its own (by binary COPY into ingest.staged_key_filters) or when a load cannot make one.';

-- The blocks of an entity's staging table holding the rows of the loads after a batch. Staging
-- has no index (it would slow every full load), so "the rows of the latest loads" was a scan of
-- the whole table: for a month of contacts after a national year, 9 million rows read to find
-- 455 thousand, twice per transform (the ledger check and the top-up). Incremental loads record
-- the blocks they wrote to and the file they wrote them in. Staged rows are only inserted and
-- deleted, never updated, and plain VACUUM moves none, so while the table is still in that file
-- those blocks hold every row of those loads. Any load without a record
-- (a full load, a load made before records were kept, or a table rewritten since) makes the answer
-- the whole table.
create or replace function ingest.staged_block_ranges(p_entity text, p_after_batch bigint)
returns table (first_block bigint, end_block bigint, whole_table boolean)
language sql
stable
parallel safe
as $$
    with loads as (
        select b.filenode, b.blocks
        from ingest.batch_files as f
        left join ingest.staged_blocks as b
          on b.batch_id = f.batch_id
         and b.entity = f.entity
        where f.entity = p_entity
          and f.status = 'loaded'
          and f.batch_id > p_after_batch
          -- a load that wrote no row has none to find (and no record)
          and f.rows_loaded > 0
    ),
    recorded as (
        select
            -- no such load: nothing to read
            coalesce(bool_and(coalesce(l.filenode = pg_relation_filenode(ingest.staging_table(p_entity)), false)), true) as every_load,
            range_agg(l.blocks) as blocks
        from loads as l
    )
    select lower(r.block_range), upper(r.block_range), false
    from recorded as rec
    cross join lateral unnest(rec.blocks) as r (block_range)
    where rec.every_load
    union all
    -- the whole table (block numbers are below 2^32 - 1)
    select 0, 4294967295, true
    from recorded as rec
    where not rec.every_load;
$$;
comment on function ingest.staged_block_ranges(text, bigint) is 'The block ranges [first_block, end_block) of the entity''s staging table that hold every row loaded by batches after p_after_batch: the blocks those loads recorded (ingest.staged_blocks) when all of them are incremental loads into the table''s current file (no range when none of them wrote a row), else one range of the whole table (whole_table true).';

-- The staged contacts of the batches after p_after_batch (0: all of them), read where those loads
-- wrote them. A plain SQL function, so it is inlined where it is used.
create or replace function ingest.staged_contacts(p_after_batch bigint)
returns setof staging.contacts
language sql
stable
-- read by the full build's parallel CREATE TABLE AS of core.contacts
parallel safe
as $$
    select s.*
    from (
        -- every batch: the whole table
        select whole.* from staging.contacts as whole where p_after_batch <= 0
        union all
        -- the recent ones: their blocks (for a month after a national year, the table's tail and
        -- a few pages, not 9 million rows), one TID range scan per range of blocks. OFFSET 0 keeps
        -- the range's bounds parameters of the scan; pulled up, they would become a join filter
        -- over the whole table.
        select blocks.*
        from ingest.staged_block_ranges('contacts', p_after_batch) as r
        cross join lateral (
            select t.*
            from staging.contacts as t
            where t.ctid >= format('(%s,0)', r.first_block)::tid
              and t.ctid < format('(%s,0)', r.end_block)::tid
            offset 0
        ) as blocks
        where p_after_batch > 0
    ) as s
    where s.batch_id > p_after_batch;
$$;
comment on function ingest.staged_contacts(bigint) is 'The staged contacts of batches after p_after_batch (0: every staged contact), read from the blocks those loads wrote to (ingest.staged_block_ranges) rather than the whole table.';

drop function if exists ingest.analyze_staging(text);
create or replace function ingest.analyze_staging(p_entity text, p_rows_added bigint)
returns boolean
language plpgsql
as $$
declare
    rows_before real := (select c.reltuples from pg_class as c where c.oid = ingest.staging_table(p_entity));
begin
    -- A load that adds less than autovacuum's own share of a table that has statistics (a month
    -- of contacts is 5% of a national year) leaves them to autovacuum, as autovacuum would: the
    -- planner scales the row count by the table's size anyway, and sampling 9 million staged
    -- rows again cost 0.3 s of a month's 2.5 s ingest. A full load (TRUNCATE forgets the row
    -- count) and a larger one are analysed at once.
    if rows_before > 0
       and current_setting('autovacuum') = 'on'
       and p_rows_added < rows_before * current_setting('autovacuum_analyze_scale_factor')::real then
        return false;
    end if;
    execute format('analyze %s', ingest.staging_table(p_entity));
    return true;
end;
$$;
comment on function ingest.analyze_staging(text, bigint) is 'Fresh planner statistics for a staging table just loaded, so the transform plans with the new row counts, unless autovacuum is on and the load added fewer rows than autovacuum_analyze_scale_factor of a table that has statistics (autovacuum''s own rule); returns whether it analysed.';

create or replace function ingest.prepare_duplicate_candidates()
returns void
language sql
as $$
    create temporary table duplicate_candidates (key_value text primary key) on commit drop;
$$;
comment on function ingest.prepare_duplicate_candidates() is 'Creates pg_temp.duplicate_candidates for the keys the loader''s Bloom filter says may repeat (or, in an incremental load starting from the staged keys'' filter, may be staged); the loader fills it by COPY.';

drop function if exists ingest.reject_duplicates(text, boolean, text[]);
create or replace function ingest.reject_duplicates(p_entity text, p_incremental boolean, p_key_columns text[], p_every_key boolean)
returns table (duplicate_line bigint, first_line bigint, key_values text[])
language plpgsql
as $$
declare
    key_text text := ingest.key_text(p_key_columns, 't');
    key_array text := (select 'array[' || string_agg(format('t.%I::text', key), ', ' order by position) || ']'
                       from unnest(p_key_columns) with ordinality as k (key, position));
begin
    return query execute format($sql$
        with candidate_rows as (
            select t.ctid as row_position, t.line_number, %1$s as key_value, %2$s as key_values
            from %3$s as t
            %4$s
        ),
        ranked as (
            select row_position, line_number, key_values, min(line_number) over (partition by key_value) as first_line
            from candidate_rows
        )
        delete from %3$s as t
        using ranked as r
        where t.ctid = r.row_position and r.line_number > r.first_line
        returning r.line_number, r.first_line, r.key_values
        $sql$, key_text, key_array, ingest.load_target(p_entity, p_incremental),
        -- every key: more candidates than the loader keeps (a file re-sent whole, say)
        case when p_every_key then '' else format('where %s in (select key_value from pg_temp.duplicate_candidates)', key_text) end);
end;
$$;
comment on function ingest.reject_duplicates(text, boolean, text[], boolean) is 'A key seen twice in a file: removes every occurrence after the first (lowest line) among the keys in pg_temp.duplicate_candidates (every key of the file when p_every_key), returning the removed line, the kept line and the key values, for the rejects.';

create or replace function ingest.reference_establishments()
returns table (establishment_code text)
language sql
stable
as $$
    select e.establishment_code from staging.establishments as e;
$$;
comment on function ingest.reference_establishments() is 'Establishment codes already in staging, for checking references while a file streams.';

create or replace function ingest.reference_staff()
returns table (staff_id text, role text)
language sql
stable
as $$
    select s.staff_id, s.role from staging.staff as s;
$$;
comment on function ingest.reference_staff() is 'Staff ids and roles already in staging, for checking references (and roles) while a file streams.';

create or replace function ingest.reference_cases()
returns table (case_id text, released boolean)
language sql
stable
as $$
    select c.case_id, c.release_date is not null from staging.cases as c;
$$;
comment on function ingest.reference_cases() is 'Case ids already in staging and whether each has a release date, for checking references while a file streams.';

create or replace function ingest.rejected_keys(p_batch_id bigint, p_entity text)
returns table (key_value text, file text, line_number bigint)
language sql
stable
as $$
    select distinct on (r.key_value) r.key_value, r.file, r.line_number
    from ingest.rejects as r
    join ingest.batch_files as f on f.batch_id = r.batch_id and f.file = r.file
    where r.batch_id = p_batch_id and f.entity = p_entity and r.key_value is not null
    order by r.key_value, r.line_number;
$$;
comment on function ingest.rejected_keys(bigint, text) is 'The keys of an entity this batch rejected, each with its first file and line, so a row pointing at one can say where it was rejected.';

create or replace function ingest.london_offset_changes(p_first date, p_last date)
returns table (day_number integer, offset_seconds integer)
language sql
stable
as $$
    with days as (
        select day::date as day,
               (date_part('epoch', day) - date_part('epoch', day at time zone 'Europe/London'))::integer as offset_seconds
        from generate_series(p_first::timestamp, p_last::timestamp, interval '1 day') as day
    ), changes as (
        select day, offset_seconds, lag(offset_seconds) over (order by day) as previous from days
    )
    select day - date '1970-01-01', offset_seconds from changes
    where previous is distinct from offset_seconds order by day;
$$;
comment on function ingest.london_offset_changes(date, date) is 'The UTC offset of Europe/London local midnight from the server''s time zone data, one row per change between the two days (days since 1970-01-01), so the loader converts offset-less timestamps exactly as the server would.';
