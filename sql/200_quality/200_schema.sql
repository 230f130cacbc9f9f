-- Quality: views that show what the data gets wrong or leaves out, so an analyst can see why a
-- number looks odd and nothing the transform drops disappears silently. Views, not tables: they
-- always describe the core model as it stands, and cost nothing until someone queries them.
create schema if not exists quality;
comment on schema quality is 'Data-quality views over ingest, staging and core: rejects, rows core dropped, and records that break the OMiC picture (contacts outside custody or by unallocated staff, missing POM/COM/keyworker allocations, clamped handovers).';

-- The spec's as-of date (latest contact date, any outcome). The checks that ask "now?" use it
-- rather than today, so a historical extract is judged on its own last day. A run's explicit
-- as_of parameter is deliberately not used: it belongs to one run, and these views would change
-- meaning from run to run.
create or replace view quality.data_as_of as
select
    coalesce(max(c.contact_date), current_date) as as_of_date,
    case
        when max(c.contact_date) is null then 'today: no contacts loaded'
        else 'latest contact date'
    end as as_of_source
from core.contacts as c;
comment on view quality.data_as_of is 'One row: the date the quality checks treat as "now" — the latest contact date in core.contacts (any outcome), as metrics.md defines the extract''s as-of date; today when no contacts are loaded.';
comment on column quality.data_as_of.as_of_date is 'The as-of date.';
comment on column quality.data_as_of.as_of_source is 'Where it came from: latest contact date, or today when there are no contacts.';
