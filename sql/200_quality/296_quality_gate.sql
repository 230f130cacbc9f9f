-- The quality gate's two inputs (Pipeline's QualityGate reads them; `throughcare check` prints them).
--
-- quality.contract_tests(codes): the tests the extract contract implies, run against the built
-- core model the way dbt runs unique / not_null / accepted_values / relationships: keys unique and
-- not null, codes accepted, references resolved. Ingest already refuses such rows one by one, but
-- a later full reload of one file can leave others pointing at nothing (quality.orphans), and a
-- gate that re-tests what the figures are computed from does not depend on how core was built.
-- The accepted codes come from the tool (ThroughcareCore.ContractCodes, bound as jsonb) so the
-- contract's vocabulary is written once.
create or replace function quality.contract_tests(p_codes jsonb)
returns table (test text, relation text, column_name text, failures bigint, description text)
language plpgsql
stable
as $$
declare
    key_column record;
    code_column record;
    reference record;
begin
    for key_column in
        select k.relation, k.column_name
        from (values
            ('core.establishments', 'establishment_code'),
            ('core.staff', 'staff_id'),
            ('core.cases', 'case_id'),
            ('core.contacts', 'contact_id'),
            ('core.assessments', 'assessment_id'),
            ('core.release_outcomes', 'case_id')
        ) as k (relation, column_name)
    loop
        return query execute format(
            'select %L, %L, %L, count(*) - count(distinct %I), %L from %s',
            'unique', key_column.relation, key_column.column_name, key_column.column_name,
            key_column.column_name || ' identifies one row', key_column.relation);
        return query execute format(
            'select %L, %L, %L, count(*) filter (where %I is null), %L from %s',
            'not_null', key_column.relation, key_column.column_name, key_column.column_name,
            key_column.column_name || ' is present', key_column.relation);
    end loop;

    -- "core.contacts.channel": ["face_to_face", ...]
    for code_column in
        select
            regexp_replace(c.key, '\.[^.]+$', '') as relation,
            substring(c.key from '[^.]+$') as column_name,
            array(select jsonb_array_elements_text(c.value)) as accepted
        from jsonb_each(p_codes) as c
        order by c.key
    loop
        return query execute format(
            'select %L, %L, %L, count(*) filter (where %I is not null and not (%I = any ($1))), %L from %s',
            'accepted_values', code_column.relation, code_column.column_name, code_column.column_name,
            code_column.column_name, 'one of ' || array_to_string(code_column.accepted, ', '), code_column.relation)
            using code_column.accepted;
    end loop;

    for reference in
        select r.relation, r.column_name, r.parent, r.parent_column
        from (values
            ('core.cases', 'establishment_code', 'core.establishments', 'establishment_code'),
            ('core.allocations', 'case_id', 'core.cases', 'case_id'),
            ('core.allocations', 'staff_id', 'core.staff', 'staff_id'),
            ('core.contacts', 'case_id', 'core.cases', 'case_id'),
            ('core.contacts', 'staff_id', 'core.staff', 'staff_id'),
            ('core.assessments', 'case_id', 'core.cases', 'case_id'),
            ('core.release_outcomes', 'case_id', 'core.cases', 'case_id')
        ) as r (relation, column_name, parent, parent_column)
    loop
        return query execute format(
            'select %L, %L, %L, count(*), %L from %s as child where child.%I is not null and not exists (select from %s as parent where parent.%I = child.%I)',
            'relationships', reference.relation, reference.column_name,
            'resolves to ' || reference.parent || '.' || reference.parent_column,
            reference.relation, reference.column_name, reference.parent, reference.parent_column, reference.column_name);
    end loop;

    -- What core left out because a reference led nowhere (see quality.orphans).
    return query
        select 'relationships', 'staging.' || o.entity, o.reference_column, count(*), 'staging rows left out of core: ' || min(o.reason)
        from quality.orphans as o
        group by o.entity, o.reference_column;
end;
$$;
comment on function quality.contract_tests(jsonb) is 'The extract contract as tests over core (unique, not_null, accepted_values, relationships), one row per test with its failure count; p_codes maps relation.column to its accepted codes. The quality gate fails on any failure.';

-- quality.gate_measures(): the shares the gate's thresholds (pipeline `quality:`, or
-- `check --max name=value`) are compared with. One row per measure, and per file for the reject
-- rate (a bad file must not hide behind good ones in an average).
create or replace function quality.gate_measures()
returns table (measure text, subject text, numerator bigint, denominator bigint, value numeric, description text)
language sql
stable
as $$
    with loaded as (
        select (l.value ->> 'batch_id')::bigint as batch_id, l.value ->> 'file' as file
        from jsonb_each(core.loaded_files()) as l
    ),

    file_rejects as (
        select f.file, f.rows_rejected, f.rows_read
        from loaded as l
        join ingest.batch_files as f
          on f.batch_id = l.batch_id
         and f.file = l.file
    ),

    released as (
        select
            count(*) as cases,
            count(*) filter (where not exists (select from core.release_outcomes as o where o.case_id = c.case_id)) as without_outcome
        from core.cases as c
        where c.release_date is not null
    ),

    in_custody as (
        select count(*) as cases
        from core.cases as c
        cross join quality.data_as_of as d
        where c.release_date is null
          and c.sentence_start_date <= d.as_of_date
    )

    select 'reject_rate_per_file', fr.file, fr.rows_rejected, fr.rows_read,
           round(fr.rows_rejected::numeric / nullif(fr.rows_read, 0), 6),
           'rows of the file ingest rejected (ingest.rejects), of rows read'
    from file_rejects as fr
    union all
    select 'contacts_outside_custody_share', null,
           (select count(*) from quality.contacts_outside_custody), (select count(*) from core.contacts),
           round((select count(*) from quality.contacts_outside_custody)::numeric / nullif((select count(*) from core.contacts), 0), 6),
           'contacts dated before sentence start or after release (quality.contacts_outside_custody), of all contacts'
    union all
    select 'released_without_outcome_share', null, r.without_outcome, r.cases,
           round(r.without_outcome::numeric / nullif(r.cases, 0), 6),
           'released cases with no release outcome row, of released cases'
    from released as r
    union all
    select 'custody_without_pom_share', null,
           (select count(*) from quality.custody_cases_without_pom), i.cases,
           round((select count(*) from quality.custody_cases_without_pom)::numeric / nullif(i.cases, 0), 6),
           'cases in custody on the as-of date with no active POM (quality.custody_cases_without_pom), of cases in custody'
    from in_custody as i
$$;
comment on function quality.gate_measures() is 'Shares the quality gate compares with its thresholds: reject_rate_per_file (one row per loaded file), contacts_outside_custody_share, released_without_outcome_share, custody_without_pom_share. value is numerator / denominator (NULL when the denominator is 0).';
