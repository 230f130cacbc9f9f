-- Roles and grants, all of them (the one place): who may read what Throughcare writes.
--   throughcare_reader: analysts. core, quality, intermediate, metrics and published; nothing in
--     staging or ingest (rejected lines and reasons can hold personal data;
--     quality.rejects_by_file gives the counts).
--   throughcare_public: published only.
-- The roles are NOLOGIN groups: grant them to login roles. Roles are cluster-wide: a connecting
-- role without CREATEROLE cannot create them, and then this file leaves a notice instead of
-- failing the stage. The stages that create readable objects (transform, aggregate) call
-- throughcare.grant_reader_access() after their work; default privileges make tables and views
-- created later by the tool's role readable too.
create schema if not exists throughcare;

do $$ begin perform pg_advisory_xact_lock(2107201300); end $$;

do $$
declare
    can_create_roles boolean := (select r.rolsuper or r.rolcreaterole from pg_roles as r where r.rolname = current_user);
    role_name text;
begin
    foreach role_name in array array['throughcare_reader', 'throughcare_public'] loop
        if not exists (select from pg_roles as r where r.rolname = role_name) then
            if can_create_roles then
                execute format('create role %I nologin', role_name);
            else
                raise notice 'role % does not exist and % may not create roles: grants skipped', role_name, current_user;
            end if;
        end if;
    end loop;
    if can_create_roles then
        comment on role throughcare_reader is 'Analysts: read core, quality, metrics and published (not staging or ingest).';
        comment on role throughcare_public is 'Public: read the published schema only.';
    end if;
end;
$$;

-- Anyone may see which schema the database holds (the migrator creates the table first).
grant usage on schema throughcare to public;
do $$
begin
    if to_regclass('throughcare.schema_version') is not null then
        grant select on throughcare.schema_version to public;
    end if;
end;
$$;

-- Grants are not once-only: a database administrator may create the roles after the schema
-- was first migrated, and a schema (core, metrics) may be created after this file ran.
-- throughcare.grant_reader_access() grants what is missing, and does nothing — no catalog write,
-- so no race between concurrent runs — when the grants are already in place.
create or replace function throughcare.grant_reader_access()
returns boolean
language plpgsql
as $$
declare
    schema_name text;
    missing boolean;
begin
    select bool_or(
               not has_schema_privilege(r.rolname, n.nspname, 'usage')
               or exists (select from pg_class as c
                          where c.relnamespace = n.oid and c.relkind in ('r', 'v', 'p', 'm')
                            and not has_table_privilege(r.rolname, c.oid, 'select'))
               or (r.rolname = 'throughcare_reader' and n.nspname = 'core'
                   and exists (select from pg_proc as p
                               where p.pronamespace = n.oid and not has_function_privilege(r.rolname, p.oid, 'execute'))))
      into missing
    from pg_roles as r
    join pg_namespace as n
      on (r.rolname = 'throughcare_reader' and n.nspname in ('core', 'quality', 'intermediate', 'metrics', 'published'))
      or (r.rolname = 'throughcare_public' and n.nspname = 'published');
    if not coalesce(missing, false) then
        return false;
    end if;
    perform pg_advisory_xact_lock(2107201300);

    if exists (select from pg_roles as r where r.rolname = 'throughcare_reader') then
        foreach schema_name in array array['core', 'quality', 'intermediate', 'metrics', 'published'] loop
            if exists (select from pg_namespace as n where n.nspname = schema_name) then
                execute format('grant usage on schema %I to throughcare_reader', schema_name);
                execute format('grant select on all tables in schema %I to throughcare_reader', schema_name);
                execute format('alter default privileges in schema %I grant select on tables to throughcare_reader', schema_name);
            end if;
        end loop;
        -- core's functions (core.responsible_on, core.parameter) answer questions about cases.
        if exists (select from pg_namespace as n where n.nspname = 'core') then
            execute 'grant execute on all functions in schema core to throughcare_reader';
        end if;
    end if;

    if exists (select from pg_roles as r where r.rolname = 'throughcare_public')
       and exists (select from pg_namespace as n where n.nspname = 'published') then
        execute 'grant usage on schema published to throughcare_public';
        execute 'grant select on all tables in schema published to throughcare_public';
        execute 'alter default privileges in schema published grant select on tables to throughcare_public';
    end if;
    return true;
end;
$$;
comment on function throughcare.grant_reader_access() is 'Grants throughcare_reader (core, quality, intermediate, metrics, published; execute on core''s functions) and throughcare_public (published) what they lack; returns false, writing nothing, when every grant is in place.';

