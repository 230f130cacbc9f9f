-- core.case_scopes: every scope a case counts in, one row each, so rates can be computed with a
-- single join and group by (scope_type, scope_id) instead of five near-identical queries.
create or replace view core.case_scopes as
select
    c.case_id,
    s.scope_type,
    s.scope_id
from core.cases as c
cross join lateral (
    values
        ('establishment', c.establishment_code),
        ('prison_group', c.prison_group),
        ('probation_region', c.probation_region),
        ('release_region', c.release_region),
        ('national', 'national')
) as s (scope_type, scope_id)
-- only release_region can be NULL; a case with no release region simply has no such scope
where s.scope_id is not null;
comment on view core.case_scopes is 'Scopes each case counts in: establishment, prison_group and probation_region (of its establishment), release_region (its own, when not NULL) and national (scope_id national).';
comment on column core.case_scopes.case_id is 'The case.';
comment on column core.case_scopes.scope_type is 'establishment, prison_group, probation_region, release_region or national.';
comment on column core.case_scopes.scope_id is 'The establishment code, prison group, region name, or ''national''.';
