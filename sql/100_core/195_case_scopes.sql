-- core.case_scopes: every scope a case counts in, one row each, so rates can be computed with a
-- single join and group by (scope_type, scope_id) instead of five near-identical queries.
--
-- One branch per scope type, so a query asking for one scope (scope_type and scope_id given as
-- values) is planned with the other four branches gone and a filter on one column of core.cases:
-- a region's review finds its 10 k cases in one pass over cases instead of unfolding every case
-- into its five scopes to look for them (docs/performance.md).
create or replace view core.case_scopes as
select c.case_id, 'establishment'::text as scope_type, c.establishment_code as scope_id
from core.cases as c
union all
select c.case_id, 'prison_group', c.prison_group
from core.cases as c
union all
select c.case_id, 'probation_region', c.probation_region
from core.cases as c
union all
-- only release_region can be NULL; a case with no release region simply has no such scope
select c.case_id, 'release_region', c.release_region
from core.cases as c
where c.release_region is not null
union all
select c.case_id, 'national', 'national'
from core.cases as c;
comment on view core.case_scopes is 'Scopes each case counts in: establishment, prison_group and probation_region (of its establishment), release_region (its own, when not NULL) and national (scope_id national).';
comment on column core.case_scopes.case_id is 'The case.';
comment on column core.case_scopes.scope_type is 'establishment, prison_group, probation_region, release_region or national.';
comment on column core.case_scopes.scope_id is 'The establishment code, prison group, region name, or ''national''.';
