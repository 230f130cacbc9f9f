-- Staging: the validated extract, one table per contract file, typed and normalised (codes
-- lower-case, IDs trimmed) but otherwise as delivered. Ingest alone writes here. Tables are
-- UNLOGGED: they are rebuilt from the extract files, and core (logged) is built from them.
create schema if not exists staging;
comment on schema staging is 'Validated extract rows as delivered (one table per contract file). Written by ingest only.';
