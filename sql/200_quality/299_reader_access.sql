-- Read access for analysts. The role itself belongs to whoever sets up the database; when it
-- exists, it may read everything in core and quality (re-granted each run so new tables and
-- views are covered). It gets nothing in ingest: quality.rejects_by_file shows reject counts
-- without the raw lines, which can hold personal data.
do $$
begin
    if exists (select from pg_roles where rolname = 'throughcare_reader') then
        grant usage on schema core, quality to throughcare_reader;
        grant select on all tables in schema core to throughcare_reader;
        grant select on all tables in schema quality to throughcare_reader;
        grant execute on all functions in schema core to throughcare_reader;
    end if;
end;
$$;
