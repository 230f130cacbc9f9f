-- quality.gate_findings(codes): what the quality gate reads (Pipeline's QualityGate), one row per
-- finding in the order `throughcare check` prints them: the contract tests of
-- quality.contract_tests, then the measures of quality.gate_measures. It decides nothing: which
-- finding passes (a contract test with no failure, a measure within the pipeline's threshold) is
-- for the tool, since the thresholds come from the pipeline file or --max.
-- Here, not in the metrics unit: `check` runs on a transformed core before any aggregate has
-- created the metrics schema, and this is rebuilt with the functions it reads.
create or replace function quality.gate_findings(p_codes jsonb)
returns table (kind text, name text, subject text, numerator bigint, denominator bigint, value numeric, description text)
language sql
stable
as $$
    select finding.kind, finding.name, finding.subject, finding.numerator, finding.denominator, finding.value, finding.description
    from (
        select 1 as kind_order, 'contract' as kind, t.test as name, t.relation || '.' || t.column_name as subject,
               t.failures as numerator, null::bigint as denominator, null::numeric as value, t.description,
               t.relation as sort_first, t.column_name as sort_second
        from quality.contract_tests(p_codes) as t
        union all
        select 2, 'threshold', m.measure, m.subject, m.numerator, m.denominator, m.value, m.description,
               m.subject, null
        from quality.gate_measures() as m
    ) as finding
    order by finding.kind_order, finding.name, finding.sort_first, finding.sort_second;
$$;
comment on function quality.gate_findings(jsonb) is 'The quality gate''s findings in the order check prints them: kind contract (name is the test, subject relation.column, numerator the failing rows; p_codes maps relation.column to its accepted codes, as for quality.contract_tests), then kind threshold (one row per quality.gate_measures measure, and per file for reject_rate_per_file). Whether a finding passes is decided by the tool against the run''s thresholds.';
