-- quality.summary: one line per check, so an analyst (or `throughcare transform` output) can see
-- at a glance which checks found something and open the view that says what.
create or replace view quality.summary as
select 'rejects_by_file' as check_view, coalesce(sum(rejected_rows), 0)::bigint as findings, 'rows rejected by ingest (all batches)' as counted
from quality.rejects_by_file
union all
select 'orphans', count(*), 'staging rows left out of core, or kept with a dangling staff reference'
from quality.orphans
union all
select 'contacts_outside_custody', count(*), 'contacts dated before sentence start or after release'
from quality.contacts_outside_custody
union all
select 'contacts_without_allocation', count(*), 'contacts whose recorder held no matching allocation that day'
from quality.contacts_without_allocation
union all
select 'overlapping_allocations', count(*), 'pairs of same-role allocations on a case active on a common day'
from quality.overlapping_allocations
union all
select 'custody_cases_without_pom', count(*), 'cases in custody on the as-of date with no active POM allocation'
from quality.custody_cases_without_pom
union all
select 'released_cases_without_com_or_outcome', count(*), 'released cases with no COM allocated before release or no release outcome'
from quality.released_cases_without_com_or_outcome
union all
select 'cases_without_keyworker', count(*), 'cases with no keyworker allocation ever'
from quality.cases_without_keyworker
union all
select 'clamped_handovers', count(*), 'cases whose handover date was moved to sentence start'
from quality.clamped_handovers
union all
select 'single_establishment_parents', count(*), 'prison groups and probation regions with one establishment'
from quality.single_establishment_parents
union all
select 'allocation_role_mismatches', count(*), 'allocations whose staff role does not fit the allocation role'
from quality.allocation_role_mismatches;
comment on view quality.summary is 'One row per quality view with how many findings it holds. Querying it runs every check (including two over all contacts), so expect it to take a while on national data.';
comment on column quality.summary.check_view is 'Name of the quality view (schema quality).';
comment on column quality.summary.findings is 'Number of findings: rejected rows for rejects_by_file, rows of the view otherwise.';
comment on column quality.summary.counted is 'What a finding is.';
