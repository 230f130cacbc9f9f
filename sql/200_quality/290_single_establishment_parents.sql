-- quality.single_establishment_parents: prison groups and probation regions that hold only one
-- establishment. Their rates equal that establishment's, so suppressing the establishment row
-- alone hides nothing (secondary suppression cannot help within a parent of one), and the
-- published parent row discloses it.
create or replace view quality.single_establishment_parents as
with parents as (
    select 'prison_group' as scope_type, e.prison_group as scope_id, e.establishment_code
    from core.establishments as e
    union all
    select 'probation_region', e.probation_region, e.establishment_code
    from core.establishments as e
)

select
    p.scope_type,
    p.scope_id,
    min(p.establishment_code) as establishment_code
from parents as p
group by p.scope_type, p.scope_id
having count(*) = 1;
comment on view quality.single_establishment_parents is 'Prison groups and probation regions with exactly one establishment: their figures are that establishment''s, whatever suppression does to it.';
comment on column quality.single_establishment_parents.scope_type is 'prison_group or probation_region.';
comment on column quality.single_establishment_parents.scope_id is 'The group or region.';
comment on column quality.single_establishment_parents.establishment_code is 'Its only establishment.';
