#!/usr/bin/env python3
"""Throughcare's peer baseline: the same OMiC metrics, computed by an analyst with DuckDB.

NOT part of the product. This is what a competent analyst would write instead of Throughcare:
read the extract's CSV files, apply the data contract's rules, and compute every case-level
metric of shared/spec/metrics.md (counted into rates for every scope) and the workload volumes,
with DuckDB SQL. It exists for two reasons:

* a correctness check: written from the spec, not from Throughcare's SQL, so agreement row for
  row means both read the spec the same way (Tests/AggregateTests/PeerBaselineTests.swift);
* a speed baseline: scripts/bench-warehouse.sh times Throughcare against it.

It is an honest peer: every run reads the CSV files afresh (nothing is cached between runs),
validates every row as ingest does, and computes every metric for every scope. It keeps no
evidence per case (Throughcare does), only the counts.

    throughcare_peer.py EXTRACT_DIR --from 2024-01-01 --to 2025-01-01 [--period month|quarter|whole]
                        [--as-of D] [--param name=value ...] [--scope TYPE:ID ...]
                        [--threads 2] [--out results.csv]

The output has one row per figure:
    kind,scope_type,scope_id,period_start,metric,numerator,denominator
kind `rate`: numerator and denominator of metrics.rates. kind `volume`: one row per measure of
metrics.volumes; a part (a count or a sum) has its value as numerator and an empty denominator,
a ratio has the two parts it divides (so `keywork_delivery_rate` = delivered / expected).

The sections below follow the pipeline: 1 read and validate, 2 core model and handover rules,
3 periods, 4 one CTE chain per metric, 5 rates, 6 volumes, 7 write.
"""

import argparse
import csv
import datetime as dt
import os
import resource
import sys
import time

import duckdb

# --- Parameters: metrics.md "Parameters", with the same defaults -------------------------------

DEFAULTS = {
    "com_only_below": "10 months",
    "handover_determinate": "8 months 14 days",
    "handover_parole": "12 months",
    "handover_indeterminate": "12 months",
    "keywork_min_window_days": 28,
    "keywork_max_gap_days": 14,
    "pom_min_window_days": 42,
    "pom_max_gap_days": 42,
    "sentence_plan_min_days": 56,
    "prerelease_window_days": 84,
    "prerelease_min_contacts": 3,
    "liaison_before_handover_days": 56,
    "liaison_after_handover_days": 28,
    "recall_window_days": 28,
}
INTERVAL_PARAMETERS = {"com_only_below", "handover_determinate", "handover_parole", "handover_indeterminate"}

METRICS = [
    "keywork_regular", "pom_contact_regular", "sentence_plan_in_place", "high_risk_with_probation_pom",
    "handover_on_time", "communication_adequate", "prerelease_contact_sufficient",
    "accommodation_on_release", "settled_accommodation_on_release", "id_on_release",
    "bank_account_on_release", "ete_on_release", "recalled_within_28_days",
]
SCOPE_TYPES = ["establishment", "prison_group", "probation_region", "release_region", "national"]

# --- Contract code lists (shared/spec/data-contract.md) ---------------------------------------

CODES = {
    "establishment_type": ["local", "training", "open", "resettlement", "high_security", "womens", "yoi"],
    "operator": ["public", "private"],
    "staff_role": ["keyworker", "prison_pom", "probation_pom", "com", "spo", "case_admin"],
    "sentence_type": ["determinate", "indeterminate", "recall"],
    "tier": ["a", "b", "c", "d"],
    "rosh": ["low", "medium", "high", "very_high"],
    "allocation_role": ["keyworker", "pom", "com"],
    "contact_type": ["keywork_session", "pom_contact", "com_contact", "pom_com_liaison", "handover_meeting"],
    "channel": ["face_to_face", "video", "phone", "written"],
    "outcome": ["completed", "refused", "cancelled", "did_not_attend"],
    "kind": ["oasys", "sentence_plan", "release_plan"],
    "accommodation": ["settled", "temporary", "approved_premises", "none", "unknown"],
}

# Each file's columns: name -> required. Missing required header columns fail the file.
FILES = {
    "establishments": {"establishment_code": True, "name": True, "establishment_type": True, "operator": True,
                       "prison_group": True, "probation_region": True, "keywork_frequency_weeks": False},
    "staff": {"staff_id": True, "role": True, "establishment_code": False, "probation_region": False,
              "fte": True, "start_date": True, "end_date": False},
    "cases": {"case_id": True, "prisoner_id": True, "establishment_code": True, "sentence_type": True,
              "sentence_start_date": True, "expected_release_date": False, "parole_eligibility_date": False,
              "release_date": False, "tier": False, "rosh": True, "mappa_level": True, "release_region": False},
    "allocations": {"case_id": True, "staff_id": True, "role": True, "start_date": True, "end_date": False},
    "contacts": {"contact_id": True, "case_id": True, "staff_id": True, "contact_type": True, "contact_at": True,
                 "channel": True, "outcome": True, "duration_minutes": False},
    "assessments": {"assessment_id": True, "case_id": True, "kind": True, "completed_date": True, "staff_id": False},
    "release_outcomes": {"case_id": True, "accommodation": True, "has_id": True, "has_bank_account": True,
                         "ete_arranged": True},
}
MAX_REJECT_RATE = 0.05


def sql_list(values):
    return "(" + ", ".join("'" + v + "'" for v in values) + ")"


def quote(text):
    return "'" + text.replace("'", "''") + "'"


# =============================================================================================
# 1. Read and validate the extract, as ingest does (data-contract.md "What ingest must do")
# =============================================================================================

MACROS = r"""
-- a field: spaces and tabs trimmed, empty = NULL (trim with a character list is slow, so it runs
-- only on the few fields with a space at either end or a tab)
create or replace macro field(x) as
    case when starts_with(x, ' ') or ends_with(x, ' ') or contains(x, chr(9))
         then nullif(trim(x, ' ' || chr(9)), '')
         else nullif(x, '') end;
create or replace macro ok_identifier(x) as length(x) <= 64;
create or replace macro ok_text(x) as length(x) <= 500;
create or replace macro ok_date(x) as regexp_full_match(x, '[0-9]{4}-[0-9]{2}-[0-9]{2}')
    and try_cast(x as date) is not null and x >= '0001-01-01';
create or replace macro ok_integer(x, lo, hi) as regexp_full_match(x, '-?[0-9]{1,10}')
    and length(x) <= 10 and try_cast(x as bigint) between lo and hi;
create or replace macro ok_fte(x) as length(x) <= 12 and regexp_full_match(x, '[0-9]*\.?[0-9]*')
    and regexp_matches(x, '[0-9]') and try_cast(x as double) > 0 and try_cast(x as double) <= 1;
create or replace macro as_boolean(x) as case when lower(x) in ('true', 't', '1', 'yes') then true
                                               when lower(x) in ('false', 'f', '0', 'no') then false end;
-- ISO 8601: date, T or a space, HH:MM[:SS[.fraction]], then Z, +-HH, +-HHMM, +-HH:MM or nothing
create or replace macro ok_timestamp(x) as
    regexp_full_match(x, '[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?([Zz]|[+-](0[0-9]|1[0-5])(:?[0-5][0-9])?)?')
    and try_cast(substr(x, 1, 10) as date) is not null;
"""

# contacts.csv is the big file (millions of rows): its two codes are stored as ENUMs (one byte a
# value); an invalid code casts to NULL
CODE_TYPES = {"contact_type_code": "contact_type", "channel_code": "channel"}


def find_file(directory, stem):
    plain = os.path.join(directory, stem + ".csv")
    gz = plain + ".gz"
    if os.path.exists(plain) and os.path.exists(gz):
        sys.exit(f"{directory} holds both {stem}.csv and {stem}.csv.gz")
    return plain if os.path.exists(plain) else gz if os.path.exists(gz) else None


def read_header(path):
    import gzip
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        header = next(csv.reader(f), [])
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    return header


def quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


def read_checked(con, directory, stem, columns_sql, checks_sql, rejects):
    """One streaming pass of DuckDB's CSV reader over <stem>.csv into the table checked_<stem>:
    one row per record, in file order (rowid = record order; the session preserves insertion
    order while loading), holding `columns_sql` (the normalised, typed values, computed from the
    trimmed fields `r.<column>`) and `row_ok`, the contract's checks of the row on its own
    (`checks_sql`). No raw text copy of the file is kept. Records the CSV cannot split (wrong
    field count, broken quoting) are rejected by the reader."""
    path = find_file(directory, stem)
    columns = FILES[stem]
    if path is None:
        records = "(select " + ", ".join(f"null::varchar as {c}" for c in columns) + " where false)"
        header = list(columns)
    else:
        header = read_header(path)
        missing = [c for c, required in columns.items() if required and c not in header]
        if missing:
            sys.exit(f"{os.path.basename(path)}: missing required header column(s) {', '.join(missing)}; Throughcare fails this file")
        spec = "{" + ", ".join(f"{quote(h)}: 'VARCHAR'" for h in header) + "}"
        records = f"""read_csv({quote(path)}, columns = {spec}, header = true, auto_detect = false,
                               delim = ',', quote = '"', escape = '"', strict_mode = true,
                               null_padding = false, ignore_errors = true, store_rejects = true,
                               rejects_table = 'rejects_{stem}', rejects_scan = 'scan_{stem}')"""
    fields = ", ".join(
        (f"field({quote_ident(c)}) as {c}" if c in header else f"null::varchar as {c}") for c in columns)
    con.execute(f"""
        create or replace temp table checked_{stem} as
        with records as (
            select * from {records}            -- every column text, as the file has it
        ),
        trimmed_fields as (
            select {fields} from records       -- spaces and tabs trimmed, blank = NULL
        )
        select {columns_sql},
               coalesce({checks_sql}, false) as row_ok
        from trimmed_fields as r
    """)
    structural = 0 if path is None else con.execute(f"select count(distinct line) from rejects_{stem}").fetchone()[0]
    rejects[stem] = (structural, structural)


def keep_valid(con, stem, references_sql, key, rejects):
    """Deletes from checked_<stem> the rows failing a check of the row (`row_ok`) or of its
    references to the files read before (`references_sql`, over the row `c`), then every later
    occurrence of a key seen earlier in the file (the first valid occurrence loads); fails like
    ingest when more than 5% of the file's rows are rejected."""
    total = con.execute(f"select count(*) from checked_{stem}").fetchone()[0]
    con.execute(f"delete from checked_{stem} as c where not (c.row_ok and {references_sql})")
    con.execute(f"""
        delete from checked_{stem} where rowid in (
            with duplicated_keys as (
                select {key} from checked_{stem} group by all having count(*) > 1
            ),
            later_occurrences as (
                select c.rowid as line
                from checked_{stem} as c join duplicated_keys using ({key})
                qualify row_number() over (partition by {key} order by c.rowid) > 1
            )
            select line from later_occurrences
        )
    """)
    kept = con.execute(f"select count(*) from checked_{stem}").fetchone()[0]
    structural, _ = rejects[stem]
    rejected = structural + total - kept
    rows = structural + total
    rejects[stem] = (rejected, rows)
    if rows and rejected / rows > MAX_REJECT_RATE:
        sys.exit(f"{stem}.csv: {rejected} of {rows} rows rejected (over {MAX_REJECT_RATE:.0%}); Throughcare refuses this file")


def load_extract(con, directory):
    con.execute(MACROS)
    for type_name, code_list in CODE_TYPES.items():
        con.execute(f"create type {type_name} as enum {sql_list(CODES[code_list])}")
    rejects = {}

    # establishments.csv
    read_checked(con, directory, "establishments", """
        r.establishment_code, r.name, lower(r.establishment_type) as establishment_type,
        lower(r.operator) as operator, r.prison_group, r.probation_region,
        coalesce(try_cast(r.keywork_frequency_weeks as integer), 1) as keywork_frequency_weeks
    """, f"""
        regexp_full_match(r.establishment_code, '[A-Z0-9]{{2,5}}')
        and r.name is not null and ok_text(r.name)
        and lower(r.establishment_type) in {sql_list(CODES['establishment_type'])}
        and lower(r.operator) in {sql_list(CODES['operator'])}
        and r.prison_group is not null and ok_text(r.prison_group)
        and r.probation_region is not null and ok_text(r.probation_region)
        and (r.keywork_frequency_weeks is null or ok_integer(r.keywork_frequency_weeks, 1, 52))
    """, rejects)
    keep_valid(con, "establishments", "true", "establishment_code", rejects)
    con.execute("""
        create or replace temp table establishments as
        select * exclude (row_ok) from checked_establishments
    """)

    # staff.csv: establishment required but for a com, probation_region required for a com
    read_checked(con, directory, "staff", """
        r.staff_id, lower(r.role) as role, r.establishment_code, r.probation_region,
        try_cast(r.fte as decimal(4, 3)) as fte,            -- core.staff.fte is numeric(4, 3)
        try_cast(r.start_date as date) as start_date, try_cast(r.end_date as date) as end_date
    """, f"""
        r.staff_id is not null and ok_identifier(r.staff_id)
        and lower(r.role) in {sql_list(CODES['staff_role'])}
        and (r.establishment_code is null or ok_identifier(r.establishment_code))
        and (r.probation_region is null or ok_text(r.probation_region))
        and ok_fte(r.fte) and ok_date(r.start_date)
        and (r.end_date is null or ok_date(r.end_date))
        and (lower(r.role) <> 'com' or r.probation_region is not null)
        and (lower(r.role) = 'com' or r.establishment_code is not null)
        and (r.end_date is null or r.end_date >= r.start_date)
    """, rejects)
    keep_valid(con, "staff", """
        (c.establishment_code is null or c.establishment_code in (select establishment_code from establishments))
    """, "staff_id", rejects)
    con.execute("create or replace temp table staff as select * exclude (row_ok) from checked_staff")

    # cases.csv
    read_checked(con, directory, "cases", """
        r.case_id, r.prisoner_id, r.establishment_code, lower(r.sentence_type) as sentence_type,
        try_cast(r.sentence_start_date as date) as sentence_start_date,
        try_cast(r.expected_release_date as date) as expected_release_date,
        try_cast(r.parole_eligibility_date as date) as parole_eligibility_date,
        try_cast(r.release_date as date) as release_date,
        lower(r.tier) as tier, lower(r.rosh) as rosh, try_cast(r.mappa_level as integer) as mappa_level,
        r.release_region
    """, f"""
        r.case_id is not null and ok_identifier(r.case_id)
        and r.prisoner_id is not null and ok_identifier(r.prisoner_id)
        and r.establishment_code is not null and ok_identifier(r.establishment_code)
        and lower(r.sentence_type) in {sql_list(CODES['sentence_type'])}
        and ok_date(r.sentence_start_date)
        and (r.expected_release_date is null or ok_date(r.expected_release_date))
        and (r.parole_eligibility_date is null or ok_date(r.parole_eligibility_date))
        and (r.release_date is null or ok_date(r.release_date))
        and (r.tier is null or lower(r.tier) in {sql_list(CODES['tier'])})
        and lower(r.rosh) in {sql_list(CODES['rosh'])}
        and r.mappa_level is not null and ok_integer(r.mappa_level, 0, 3)
        and (r.release_region is null or ok_text(r.release_region))
        and (lower(r.sentence_type) = 'indeterminate' or r.expected_release_date is not null)
        and (r.release_date is null or r.release_date >= r.sentence_start_date)
    """, rejects)
    keep_valid(con, "cases", "c.establishment_code in (select establishment_code from establishments)",
               "case_id", rejects)
    con.execute("""
        create or replace temp table cases as
        select c.* exclude (row_ok), e.prison_group, e.probation_region
        from checked_cases as c
        join establishments as e using (establishment_code)
    """)

    # allocations.csv: the allocation role must agree with the staff member's role
    read_checked(con, directory, "allocations", """
        r.case_id, r.staff_id, lower(r.role) as role,
        try_cast(r.start_date as date) as start_date, try_cast(r.end_date as date) as end_date
    """, f"""
        r.case_id is not null and ok_identifier(r.case_id)
        and r.staff_id is not null and ok_identifier(r.staff_id)
        and lower(r.role) in {sql_list(CODES['allocation_role'])}
        and ok_date(r.start_date) and (r.end_date is null or ok_date(r.end_date))
        and (r.end_date is null or r.end_date >= r.start_date)
    """, rejects)
    keep_valid(con, "allocations", """
        c.case_id in (select case_id from cases)
        and exists (select 1 from staff as s where s.staff_id = c.staff_id
                    and (   (c.role = 'pom' and s.role in ('prison_pom', 'probation_pom'))
                         or (c.role = 'keyworker' and s.role = 'keyworker')
                         or (c.role = 'com' and s.role = 'com')))
    """, "case_id, staff_id, role, start_date", rejects)
    con.execute("""
        create or replace temp table allocations as
        select a.case_id, a.staff_id, a.role, s.role as staff_role, a.start_date, a.end_date
        from checked_allocations as a
        join staff as s using (staff_id)
    """)

    # contacts.csv: contact_at offset-less = Europe/London local time (the session zone below).
    # The table is kept as checked (no copy): the columns only the checks need are dropped.
    read_checked(con, directory, "contacts", """
        r.contact_id, r.case_id, r.staff_id,
        try_cast(lower(r.contact_type) as contact_type_code) as contact_type,
        -- the contact's date: the instant in Europe/London, truncated to a date
        case when ok_timestamp(r.contact_at)
             then cast(cast(upper(r.contact_at) as timestamptz) at time zone 'Europe/London' as date)
        end as contact_date,
        lower(r.outcome) = 'completed' as is_completed,
        lower(r.channel) in ('face_to_face', 'video') as is_live,
        try_cast(lower(r.channel) as channel_code) as channel
    """, f"""
        r.contact_id is not null and ok_identifier(r.contact_id)
        and r.case_id is not null and ok_identifier(r.case_id)
        and r.staff_id is not null and ok_identifier(r.staff_id)
        and lower(r.contact_type) in {sql_list(CODES['contact_type'])}
        and ok_timestamp(r.contact_at)
        and lower(r.channel) in {sql_list(CODES['channel'])}
        and lower(r.outcome) in {sql_list(CODES['outcome'])}
        and (r.duration_minutes is null or ok_integer(r.duration_minutes, 0, 1440))
    """, rejects)
    keep_valid(con, "contacts", """
        c.case_id in (select case_id from cases) and c.staff_id in (select staff_id from staff)
    """, "contact_id", rejects)
    con.execute("alter table checked_contacts drop column row_ok")
    con.execute("alter table checked_contacts drop column staff_id")
    con.execute("alter table checked_contacts rename to contacts")

    # assessments.csv: staff optional, must exist if given
    read_checked(con, directory, "assessments", """
        r.assessment_id, r.case_id, lower(r.kind) as kind, try_cast(r.completed_date as date) as completed_date,
        r.staff_id
    """, f"""
        r.assessment_id is not null and ok_identifier(r.assessment_id)
        and r.case_id is not null and ok_identifier(r.case_id)
        and lower(r.kind) in {sql_list(CODES['kind'])}
        and ok_date(r.completed_date)
        and (r.staff_id is null or ok_identifier(r.staff_id))
    """, rejects)
    keep_valid(con, "assessments", """
        c.case_id in (select case_id from cases)
        and (c.staff_id is null or c.staff_id in (select staff_id from staff))
    """, "assessment_id", rejects)
    con.execute("""
        create or replace temp table assessments as
        select assessment_id, case_id, kind, completed_date from checked_assessments
    """)

    # release_outcomes.csv: only for a case with a release_date
    read_checked(con, directory, "release_outcomes", """
        r.case_id, lower(r.accommodation) as accommodation, as_boolean(r.has_id) as has_id,
        as_boolean(r.has_bank_account) as has_bank_account, as_boolean(r.ete_arranged) as ete_arranged
    """, f"""
        r.case_id is not null and ok_identifier(r.case_id)
        and lower(r.accommodation) in {sql_list(CODES['accommodation'])}
        and as_boolean(r.has_id) is not null and as_boolean(r.has_bank_account) is not null
        and as_boolean(r.ete_arranged) is not null
    """, rejects)
    keep_valid(con, "release_outcomes", "c.case_id in (select case_id from cases where release_date is not null)",
               "case_id", rejects)
    con.execute("create or replace temp table release_outcomes as select * exclude (row_ok) from checked_release_outcomes")

    for stem in FILES:
        con.execute(f"drop table if exists checked_{stem}")
    return rejects


# =============================================================================================
# 2. Responsibility and handover (metrics.md): ERD, rules 1-6, date - interval as PostgreSQL
# =============================================================================================

def build_handover(con, p):
    con.execute(f"""
        create or replace temp table case_handover as
        with cases_with_erd as (
            select case_id, sentence_type, sentence_start_date, parole_eligibility_date,
                   case when sentence_type in ('determinate', 'recall')
                            then coalesce(parole_eligibility_date, expected_release_date)
                        when sentence_type = 'indeterminate'
                            then coalesce(expected_release_date, parole_eligibility_date)
                   end as erd
            from cases
        ),
        cases_with_rule as (
            select *,
                   case when sentence_type = 'recall' then 'recall'
                        when erd is null then 'release_date_unknown'
                        when sentence_type = 'determinate'
                         and sentence_start_date + interval {quote(p['com_only_below'])} >= erd then 'determinate_short'
                        when sentence_type = 'determinate' and parole_eligibility_date is not null then 'determinate_parole'
                        when sentence_type = 'determinate' then 'determinate'
                        when sentence_type = 'indeterminate' then 'indeterminate'
                   end as reason
            from cases_with_erd
        ),
        computed as (
            -- DuckDB's date - interval moves whole months first (day clamped), then days
            select *,
                   cast(case reason
                        when 'determinate_parole' then erd - interval {quote(p['handover_parole'])}
                        when 'determinate' then erd - interval {quote(p['handover_determinate'])}
                        when 'indeterminate' then erd - interval {quote(p['handover_indeterminate'])}
                   end as date) as computed_handover
            from cases_with_rule
        )
        select case_id,
               case when computed_handover < sentence_start_date then sentence_start_date
                    else computed_handover end as handover_date,
               case reason when 'recall' then 'com' when 'determinate_short' then 'com'
                           when 'release_date_unknown' then 'pom' end as responsible_throughout
        from computed
    """)


# =============================================================================================
# 3. Review periods and the case x period frame
# =============================================================================================

def add_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def cut_periods(kind, start, end, as_of):
    """[start, end) cut into calendar months or quarters (clipped), or whole; each ends at the
    latest on as_of + 1; periods starting after as_of are left out."""
    if kind == "whole":
        units = [(start, end)]
    else:
        step = 1 if kind == "month" else 3
        first = dt.date(start.year, start.month if kind == "month" else 3 * ((start.month - 1) // 3) + 1, 1)
        units = []
        while first < end:
            nxt = add_months(first, step)
            units.append((max(first, start), min(nxt, end)))
            first = nxt
    cap = as_of + dt.timedelta(days=1)
    return [(s, min(e, cap)) for s, e in units if s <= as_of and s < e]


def build_frame(con, periods, volume_months, scopes):
    con.execute("create or replace temp table periods (period_start date, period_end date)")
    con.executemany("insert into periods values (?, ?)", periods)
    con.execute("create or replace temp table months (period_start date, period_end date)")
    con.executemany("insert into months values (?, ?)", volume_months)

    # cases in the review: those counting in a listed scope (all cases when none or national)
    if scopes and not any(t == "national" for t, _ in scopes):
        conditions = " or ".join(
            f"{'establishment_code' if t == 'establishment' else t} = {quote(i)}" for t, i in scopes)
        con.execute(f"create or replace temp view review_cases as select * from cases where {conditions}")
    else:
        con.execute("create or replace temp view review_cases as select * from cases")

    # every case in custody on some day of the period, or released in it; W = C * P
    con.execute("""
        create or replace temp table case_periods as
        select p.period_start, p.period_end, c.case_id, c.prisoner_id, c.establishment_code,
               c.sentence_type, c.sentence_start_date, c.release_date, c.rosh,
               greatest(c.sentence_start_date, p.period_start) as observed_start,
               least(coalesce(c.release_date, p.period_end), p.period_end) as observed_end,
               p.period_end - 1 as last_day,
               c.sentence_start_date <= p.period_end - 1
                   and (c.release_date is null or c.release_date > p.period_end - 1) as in_custody_on_last_day,
               coalesce(c.release_date >= p.period_start and c.release_date < p.period_end, false) as released_in_period
        from periods as p
        join review_cases as c
          on (c.sentence_start_date < p.period_end
              and (c.release_date is null or c.release_date > p.period_start)
              and c.sentence_start_date < coalesce(c.release_date, date '9999-12-31'))
          or (c.release_date >= p.period_start and c.release_date < p.period_end)
    """)
    con.execute("""
        create or replace temp view observed_cases as
        select *, observed_end - observed_start as observed_days
        from case_periods where observed_start < observed_end
    """)
    con.execute("create or replace temp view released_cases as select * from case_periods where released_in_period")


# =============================================================================================
# 4. The thirteen case-level metrics: one CTE chain each, (metric, case, period, eligible, met)
# =============================================================================================

def metric_queries(p, as_of):
    q = {}

    # keywork_regular: |W| >= keywork_min_window_days; gap rule over completed keywork sessions
    # in W with T = keywork_max_gap_days x the establishment's keywork_frequency_weeks
    q["keywork_regular"] = f"""
        with keywork_windows as (
            select o.case_id, o.period_start, o.observed_start, o.observed_end, o.observed_days,
                   {p['keywork_max_gap_days']} * e.keywork_frequency_weeks as max_gap_days
            from observed_cases as o join establishments as e using (establishment_code)
        ),
        sessions_in_window as (
            select distinct w.case_id, w.period_start, ct.contact_date
            from keywork_windows as w
            join contacts as ct
              on ct.case_id = w.case_id and ct.contact_type = 'keywork_session' and ct.is_completed
             and ct.contact_date >= w.observed_start and ct.contact_date < w.observed_end
        ),
        gap_points as (
            select case_id, period_start, observed_start as point from keywork_windows
            union all select case_id, period_start, observed_end from keywork_windows
            union all select case_id, period_start, contact_date from sessions_in_window
        ),
        longest_gaps as (
            select case_id, period_start, max(gap) as longest_gap
            from (select case_id, period_start,
                         point - lag(point) over (partition by case_id, period_start order by point) as gap
                  from gap_points)
            group by case_id, period_start
        ),
        sessions_per_window as (
            select case_id, period_start, count(*) as session_dates from sessions_in_window group by all
        )
        select 'keywork_regular' as metric, w.case_id, w.period_start,
               w.observed_days >= {p['keywork_min_window_days']} as eligible,
               coalesce(s.session_dates, 0) > 0 and g.longest_gap <= w.max_gap_days as met
        from keywork_windows as w
        join longest_gaps as g using (case_id, period_start)
        left join sessions_per_window as s using (case_id, period_start)
    """

    # pom_contact_regular: |W| >= pom_min_window_days and a POM allocation overlaps W; gap rule
    # over completed, live pom_contact dates in W with T = pom_max_gap_days
    q["pom_contact_regular"] = f"""
        with pom_windows as (
            select o.case_id, o.period_start, o.observed_start, o.observed_end, o.observed_days,
                   exists (select 1 from allocations as a
                           where a.case_id = o.case_id and a.role = 'pom'
                             and a.start_date < o.observed_end
                             and (a.end_date is null or a.end_date >= o.observed_start)) as pom_allocated
            from observed_cases as o
        ),
        pom_contacts_in_window as (
            select distinct w.case_id, w.period_start, ct.contact_date
            from pom_windows as w
            join contacts as ct
              on ct.case_id = w.case_id and ct.contact_type = 'pom_contact' and ct.is_completed and ct.is_live
             and ct.contact_date >= w.observed_start and ct.contact_date < w.observed_end
        ),
        gap_points as (
            select case_id, period_start, observed_start as point from pom_windows
            union all select case_id, period_start, observed_end from pom_windows
            union all select case_id, period_start, contact_date from pom_contacts_in_window
        ),
        longest_gaps as (
            select case_id, period_start, max(gap) as longest_gap
            from (select case_id, period_start,
                         point - lag(point) over (partition by case_id, period_start order by point) as gap
                  from gap_points)
            group by case_id, period_start
        ),
        contact_dates_per_window as (
            select case_id, period_start, count(*) as contact_dates from pom_contacts_in_window group by all
        )
        select 'pom_contact_regular' as metric, w.case_id, w.period_start,
               w.observed_days >= {p['pom_min_window_days']} and w.pom_allocated as eligible,
               coalesce(d.contact_dates, 0) > 0 and g.longest_gap <= {p['pom_max_gap_days']} as met
        from pom_windows as w
        join longest_gaps as g using (case_id, period_start)
        left join contact_dates_per_window as d using (case_id, period_start)
    """

    # sentence_plan_in_place: in custody on pe-1 and (pe-1) - sentence start >= sentence_plan_min_days;
    # met by a sentence_plan completed between sentence start and pe-1
    q["sentence_plan_in_place"] = f"""
        with plan_cases as (
            select case_id, period_start, sentence_start_date, last_day,
                   in_custody_on_last_day and last_day - sentence_start_date >= {p['sentence_plan_min_days']} as eligible
            from observed_cases
        ),
        cases_with_plan as (
            select distinct pc.case_id, pc.period_start
            from plan_cases as pc
            join assessments as a
              on a.case_id = pc.case_id and a.kind = 'sentence_plan'
             and a.completed_date between pc.sentence_start_date and pc.last_day
        )
        select 'sentence_plan_in_place' as metric, pc.case_id, pc.period_start, pc.eligible,
               cp.case_id is not null as met
        from plan_cases as pc
        left join cases_with_plan as cp using (case_id, period_start)
    """

    # high_risk_with_probation_pom: in custody on pe-1, POM responsible that day, rosh high or
    # very_high, a POM allocation active that day; met when the deciding allocation (latest
    # start_date, then highest staff_id) is held by a probation_pom
    q["high_risk_with_probation_pom"] = """
        with responsibility_on_last_day as (
            select o.case_id, o.period_start, o.last_day, o.in_custody_on_last_day, o.rosh,
                   case when h.handover_date is null then h.responsible_throughout
                        when o.last_day >= h.handover_date then 'com' else 'pom' end as responsible
            from observed_cases as o join case_handover as h using (case_id)
        ),
        deciding_pom as (
            select r.case_id, r.period_start, a.staff_role
            from responsibility_on_last_day as r
            join allocations as a
              on a.case_id = r.case_id and a.role = 'pom'
             and a.start_date <= r.last_day and (a.end_date is null or a.end_date >= r.last_day)
            qualify row_number() over (partition by r.case_id, r.period_start
                                       order by a.start_date desc, a.staff_id desc) = 1
        )
        select 'high_risk_with_probation_pom' as metric, r.case_id, r.period_start,
               r.in_custody_on_last_day and r.responsible = 'pom' and r.rosh in ('high', 'very_high')
                   and d.staff_role is not null as eligible,
               d.staff_role = 'probation_pom' as met
        from responsibility_on_last_day as r
        left join deciding_pom as d using (case_id, period_start)
    """

    # handover_on_time: released in P with a handover date before release; met when a COM
    # allocation started on or before the handover date
    q["handover_on_time"] = """
        with first_com as (
            select case_id, min(start_date) as first_com_start from allocations where role = 'com' group by case_id
        )
        select 'handover_on_time' as metric, r.case_id, r.period_start,
               coalesce(h.handover_date < r.release_date, false) as eligible,
               coalesce(f.first_com_start <= h.handover_date, false) as met
        from released_cases as r
        join case_handover as h using (case_id)
        left join first_com as f using (case_id)
    """

    # communication_adequate: released in P and a COM allocation started before release; met by
    # (a) a completed pom_com_liaison or handover_meeting in [release - prerelease_window_days,
    # release) and (b), when the handover date is before release, one in [handover - before,
    # handover + after]
    q["communication_adequate"] = f"""
        with first_com as (
            select case_id, min(start_date) as first_com_start from allocations where role = 'com' group by case_id
        ),
        liaison_windows as (
            select r.case_id, r.period_start, r.release_date, f.first_com_start,
                   h.handover_date < r.release_date as handover_rule_applies,
                   h.handover_date - {p['liaison_before_handover_days']} as handover_first_day,
                   h.handover_date + {p['liaison_after_handover_days']} as handover_last_day
            from released_cases as r
            join case_handover as h using (case_id)
            left join first_com as f using (case_id)
        ),
        liaison_found as (
            select w.case_id, w.period_start,
                   bool_or(ct.contact_date >= w.release_date - {p['prerelease_window_days']}
                           and ct.contact_date < w.release_date) as prerelease_met,
                   bool_or(ct.contact_date between w.handover_first_day and w.handover_last_day) as handover_window_met
            from liaison_windows as w
            join contacts as ct
              on ct.case_id = w.case_id and ct.is_completed
             and ct.contact_type in ('pom_com_liaison', 'handover_meeting')
            group by w.case_id, w.period_start
        )
        select 'communication_adequate' as metric, w.case_id, w.period_start,
               coalesce(w.first_com_start < w.release_date, false) as eligible,
               coalesce(l.prerelease_met, false)
                   and (not coalesce(w.handover_rule_applies, false) or coalesce(l.handover_window_met, false)) as met
        from liaison_windows as w
        left join liaison_found as l using (case_id, period_start)
    """

    # prerelease_contact_sufficient: at least prerelease_min_contacts completed, non-written
    # com_contact or handover_meeting contacts in [release - window, release), one of them live
    q["prerelease_contact_sufficient"] = f"""
        with prerelease_contacts as (
            select r.case_id, r.period_start,
                   count(distinct ct.contact_id) as contacts_counted,
                   count(distinct ct.contact_id) filter (where ct.is_live) as live_contacts
            from released_cases as r
            join contacts as ct
              on ct.case_id = r.case_id and ct.is_completed and ct.channel <> 'written'
             and ct.contact_type in ('com_contact', 'handover_meeting')
             and ct.contact_date >= r.release_date - {p['prerelease_window_days']}
             and ct.contact_date < r.release_date
            group by r.case_id, r.period_start
        )
        select 'prerelease_contact_sufficient' as metric, r.case_id, r.period_start, true as eligible,
               coalesce(c.contacts_counted >= {p['prerelease_min_contacts']} and c.live_contacts > 0, false) as met
        from released_cases as r
        left join prerelease_contacts as c using (case_id, period_start)
    """

    # the five resettlement metrics: every released case eligible; no outcome row = not met
    resettlement = {
        "accommodation_on_release": "o.accommodation in ('settled', 'temporary', 'approved_premises')",
        "settled_accommodation_on_release": "o.accommodation = 'settled'",
        "id_on_release": "o.has_id",
        "bank_account_on_release": "o.has_bank_account",
        "ete_on_release": "o.ete_arranged",
    }
    for metric, condition in resettlement.items():
        q[metric] = f"""
            with outcome_on_release as (
                select r.case_id, r.period_start, {condition} as met
                from released_cases as r
                left join release_outcomes as o using (case_id)
            )
            select '{metric}' as metric, case_id, period_start, true as eligible, coalesce(met, false) as met
            from outcome_on_release
        """

    # recalled_within_28_days: follow-up complete by as_of; met by another case of the same
    # prisoner with sentence_type recall starting after release and within recall_window_days
    q["recalled_within_28_days"] = f"""
        with followed_up as (
            select case_id, period_start, prisoner_id, release_date,
                   release_date + {p['recall_window_days']} as follow_up_until,
                   release_date + {p['recall_window_days']} <= date '{as_of.isoformat()}' as eligible
            from released_cases
        ),
        recalled as (
            select distinct f.case_id, f.period_start
            from followed_up as f
            join cases as c
              on c.prisoner_id = f.prisoner_id and c.case_id <> f.case_id and c.sentence_type = 'recall'
             and c.sentence_start_date > f.release_date and c.sentence_start_date <= f.follow_up_until
        )
        select 'recalled_within_28_days' as metric, f.case_id, f.period_start, f.eligible,
               r.case_id is not null as met
        from followed_up as f
        left join recalled as r using (case_id, period_start)
    """
    return q


# =============================================================================================
# 5. Rates: every scope x period x metric, zero rows included; rollups are sums
# =============================================================================================

RATES = """
    with case_counts as (
        select m.period_start, m.metric, c.establishment_code, c.release_region,
               count(*) filter (where m.eligible and m.met) as numerator,
               count(*) filter (where m.eligible) as denominator
        from case_metrics as m join cases as c using (case_id)
        group by all
    ),
    periods_and_metrics as (
        select p.period_start, m.metric from periods as p cross join metric_names as m
    ),
    establishment_cells as (
        select pm.period_start, pm.metric, e.establishment_code, e.prison_group, e.probation_region,
               coalesce(sum(cc.numerator), 0) as numerator, coalesce(sum(cc.denominator), 0) as denominator
        from periods_and_metrics as pm
        cross join establishments as e
        left join case_counts as cc
          on cc.period_start = pm.period_start and cc.metric = pm.metric and cc.establishment_code = e.establishment_code
        group by all
    ),
    release_region_cells as (
        select 'release_region' as scope_type, rr.release_region as scope_id, pm.period_start, pm.metric,
               coalesce(sum(cc.numerator), 0) as numerator, coalesce(sum(cc.denominator), 0) as denominator
        from periods_and_metrics as pm
        cross join (select distinct release_region from cases where release_region is not null) as rr
        left join case_counts as cc
          on cc.period_start = pm.period_start and cc.metric = pm.metric and cc.release_region = rr.release_region
        group by all
    )
    select 'establishment' as scope_type, establishment_code as scope_id, period_start, metric, numerator, denominator
    from establishment_cells
    union all
    select 'prison_group', prison_group, period_start, metric, sum(numerator), sum(denominator)
    from establishment_cells group by all
    union all
    select 'probation_region', probation_region, period_start, metric, sum(numerator), sum(denominator)
    from establishment_cells group by all
    union all
    select 'national', 'national', period_start, metric, sum(numerator), sum(denominator)
    from establishment_cells group by all
    union all
    select * from release_region_cells
"""


# =============================================================================================
# 6. Volumes: per establishment x calendar month, rolled up as sums of parts
# =============================================================================================

VOLUMES = """
    with volume_days as (
        select period_start, period_end, period_end - 1 as last_day from months
    ),
    keywork_delivered as (
        -- completed keywork sessions dated in the month, at the case's establishment
        select m.period_start, c.establishment_code, count(distinct ct.contact_id) as keywork_sessions_delivered
        from volume_days as m
        join contacts as ct
          on ct.contact_type = 'keywork_session' and ct.is_completed
         and ct.contact_date >= m.period_start and ct.contact_date < m.period_end
        join cases as c using (case_id)
        group by all
    ),
    custody_days_in_month as (
        -- days of each case's custody window in the month, summed per establishment
        select m.period_start, c.establishment_code,
               sum(least(coalesce(c.release_date, m.period_end), m.period_end)
                   - greatest(c.sentence_start_date, m.period_start)) as custody_days
        from volume_days as m
        join cases as c
          on c.sentence_start_date < m.period_end
         and (c.release_date is null or c.release_date > m.period_start)
         and c.sentence_start_date < coalesce(c.release_date, date '9999-12-31')
        group by all
    ),
    keywork_expected as (
        -- days / (7 x keywork_frequency_weeks), kept exact: units of 1e-20 (floor), as hugeint
        select d.period_start, d.establishment_code,
               (cast(d.custody_days as hugeint) * cast('100000000000000000000' as hugeint))
                   // (7 * e.keywork_frequency_weeks) as expected_e20
        from custody_days_in_month as d join establishments as e using (establishment_code)
    ),
    allocations_on_last_day as (
        -- cases in custody on d, with the POM and keyworker allocations active on d
        select m.period_start, c.establishment_code, c.case_id,
               count(a.case_id) filter (where a.role = 'pom') as pom,
               count(a.case_id) filter (where a.role = 'pom' and a.staff_role = 'prison_pom') as prison_pom,
               count(a.case_id) filter (where a.role = 'keyworker') as keyworker
        from volume_days as m
        join cases as c
          on c.sentence_start_date <= m.last_day and (c.release_date is null or c.release_date > m.last_day)
        left join allocations as a
          on a.case_id = c.case_id and a.start_date <= m.last_day and (a.end_date is null or a.end_date >= m.last_day)
        group by all
    ),
    custody_on_last_day as (
        select period_start, establishment_code,
               count(*) as cases_in_custody,
               sum(pom) as pom_allocations_on_day,
               sum(prison_pom) as prison_pom_allocations_on_day,
               sum(keyworker) as keyworker_allocations_on_day,
               count(*) filter (where keyworker > 0) as cases_with_keyworker_on_day
        from allocations_on_last_day group by all
    ),
    staff_in_post as (
        select m.period_start, s.establishment_code,
               sum(s.fte) filter (where s.role in ('prison_pom', 'probation_pom')) as pom_fte_in_post,
               sum(s.fte) filter (where s.role = 'spo') as spo_fte_in_post,
               count(*) filter (where s.role = 'keyworker') as keyworkers_in_post
        from volume_days as m
        join staff as s
          on s.start_date <= m.last_day and (s.end_date is null or s.end_date >= m.last_day)
        where s.establishment_code is not null
        group by all
    ),
    first_keyworker as (
        select case_id, min(start_date) as first_day from allocations where role = 'keyworker' group by case_id
    ),
    first_keywork as (
        select case_id, min(contact_date) as first_day
        from contacts where contact_type = 'keywork_session' and is_completed group by case_id
    ),
    sentence_starts as (
        select m.period_start, c.establishment_code,
               count(*) as sentence_starts,
               count(fk.first_day) as sentence_starts_with_keyworker,
               coalesce(sum(fk.first_day - c.sentence_start_date), 0) as days_to_keyworker_total,
               count(fs.first_day) as sentence_starts_with_keywork,
               coalesce(sum(fs.first_day - c.sentence_start_date), 0) as days_to_first_keywork_total
        from volume_days as m
        join cases as c on c.sentence_start_date >= m.period_start and c.sentence_start_date < m.period_end
        left join first_keyworker as fk using (case_id)
        left join first_keywork as fs using (case_id)
        group by all
    ),
    establishment_parts as (
        select m.period_start, e.establishment_code, e.prison_group, e.probation_region,
               coalesce(kd.keywork_sessions_delivered, 0) as keywork_sessions_delivered,
               coalesce(ke.expected_e20, 0) as expected_e20,
               coalesce(cd.cases_in_custody, 0) as cases_in_custody,
               coalesce(cd.pom_allocations_on_day, 0) as pom_allocations_on_day,
               coalesce(cd.prison_pom_allocations_on_day, 0) as prison_pom_allocations_on_day,
               coalesce(cd.keyworker_allocations_on_day, 0) as keyworker_allocations_on_day,
               coalesce(cd.cases_with_keyworker_on_day, 0) as cases_with_keyworker_on_day,
               coalesce(sp.pom_fte_in_post, 0) as pom_fte_in_post,
               coalesce(sp.spo_fte_in_post, 0) as spo_fte_in_post,
               coalesce(sp.keyworkers_in_post, 0) as keyworkers_in_post,
               coalesce(ss.sentence_starts, 0) as sentence_starts,
               coalesce(ss.sentence_starts_with_keyworker, 0) as sentence_starts_with_keyworker,
               coalesce(ss.days_to_keyworker_total, 0) as days_to_keyworker_total,
               coalesce(ss.sentence_starts_with_keywork, 0) as sentence_starts_with_keywork,
               coalesce(ss.days_to_first_keywork_total, 0) as days_to_first_keywork_total
        from volume_days as m
        cross join volume_establishments as e
        left join keywork_delivered as kd on kd.period_start = m.period_start and kd.establishment_code = e.establishment_code
        left join keywork_expected as ke on ke.period_start = m.period_start and ke.establishment_code = e.establishment_code
        left join custody_on_last_day as cd on cd.period_start = m.period_start and cd.establishment_code = e.establishment_code
        left join staff_in_post as sp on sp.period_start = m.period_start and sp.establishment_code = e.establishment_code
        left join sentence_starts as ss on ss.period_start = m.period_start and ss.establishment_code = e.establishment_code
    ),
    scope_parts as (
        select case when grouping(establishment_code) = 0 then 'establishment'
                    when grouping(prison_group) = 0 then 'prison_group'
                    when grouping(probation_region) = 0 then 'probation_region'
                    else 'national' end as scope_type,
               coalesce(establishment_code, prison_group, probation_region, 'national') as scope_id,
               period_start,
               sum(keywork_sessions_delivered) as keywork_sessions_delivered,
               sum(expected_e20) as expected_e20,
               sum(cases_in_custody) as cases_in_custody,
               sum(pom_allocations_on_day) as pom_allocations_on_day,
               sum(prison_pom_allocations_on_day) as prison_pom_allocations_on_day,
               sum(keyworker_allocations_on_day) as keyworker_allocations_on_day,
               sum(cases_with_keyworker_on_day) as cases_with_keyworker_on_day,
               sum(pom_fte_in_post) as pom_fte_in_post,
               sum(spo_fte_in_post) as spo_fte_in_post,
               sum(keyworkers_in_post) as keyworkers_in_post,
               sum(sentence_starts) as sentence_starts,
               sum(sentence_starts_with_keyworker) as sentence_starts_with_keyworker,
               sum(days_to_keyworker_total) as days_to_keyworker_total,
               sum(sentence_starts_with_keywork) as sentence_starts_with_keywork,
               sum(days_to_first_keywork_total) as days_to_first_keywork_total
        from establishment_parts
        group by period_start, grouping sets ((establishment_code), (prison_group), (probation_region), ())
    )
    select *,
           -- rounded to 10 places (half up) as Throughcare stores it
           (expected_e20 + cast('5000000000' as hugeint)) // cast('10000000000' as hugeint) as expected_e10
    from scope_parts
"""

# measure -> (numerator part, denominator part or None), in metrics.volumes order
VOLUME_MEASURES = [
    ("keywork_sessions_delivered", "keywork_sessions_delivered", None),
    ("keywork_sessions_expected", "keywork_sessions_expected", None),
    ("keywork_delivery_rate", "keywork_sessions_delivered", "keywork_sessions_expected"),
    ("cases_in_custody", "cases_in_custody", None),
    ("pom_allocations_on_day", "pom_allocations_on_day", None),
    ("pom_fte_in_post", "pom_fte_in_post", None),
    ("pom_caseload_per_fte", "pom_allocations_on_day", "pom_fte_in_post"),
    ("prison_pom_allocations_on_day", "prison_pom_allocations_on_day", None),
    ("prison_pom_share", "prison_pom_allocations_on_day", "pom_allocations_on_day"),
    ("keyworker_allocations_on_day", "keyworker_allocations_on_day", None),
    ("keyworkers_in_post", "keyworkers_in_post", None),
    ("keyworker_caseload", "keyworker_allocations_on_day", "keyworkers_in_post"),
    ("spo_fte_in_post", "spo_fte_in_post", None),
    ("pom_fte_per_spo_fte", "pom_fte_in_post", "spo_fte_in_post"),
    ("cases_with_keyworker_on_day", "cases_with_keyworker_on_day", None),
    ("keyworker_assigned_share", "cases_with_keyworker_on_day", "cases_in_custody"),
    ("sentence_starts", "sentence_starts", None),
    ("sentence_starts_with_keyworker", "sentence_starts_with_keyworker", None),
    ("days_to_keyworker_total", "days_to_keyworker_total", None),
    ("mean_days_to_keyworker", "days_to_keyworker_total", "sentence_starts_with_keyworker"),
    ("sentence_starts_with_keywork", "sentence_starts_with_keywork", None),
    ("days_to_first_keywork_total", "days_to_first_keywork_total", None),
    ("mean_days_to_first_keywork", "days_to_first_keywork_total", "sentence_starts_with_keywork"),
]


def decimal_text(value):
    """A number as PostgreSQL's trim_scale prints it: no trailing zeros, no exponent."""
    text = format(value, "f") if not isinstance(value, int) else str(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def e10_text(units):
    """A non-negative integer count of 1e-10 as a decimal, trailing zeros trimmed."""
    whole, fraction = divmod(int(units), 10**10)
    return f"{whole}.{fraction:010d}".rstrip("0").rstrip(".")


# =============================================================================================
# 7. The run
# =============================================================================================

def parse_scope(text):
    kind, _, ident = text.partition(":")
    if kind not in SCOPE_TYPES or not ident:
        raise argparse.ArgumentTypeError(f"--scope TYPE:ID with TYPE one of {', '.join(SCOPE_TYPES)}")
    return kind, ident


def scope_in_review(scopes, establishments, scope_type, scope_id):
    """metrics.scope_in_review: listed, national listed, or an establishment / prison group
    inside a listed prison group or probation region."""
    if not scopes or any(t == "national" for t, _ in scopes):
        return True
    if (scope_type, scope_id) in scopes:
        return True
    if scope_type == "establishment":
        e = establishments.get(scope_id)
        return e is not None and (("prison_group", e[0]) in scopes or ("probation_region", e[1]) in scopes)
    if scope_type == "prison_group":
        return any(("probation_region", region) in scopes for group, region in establishments.values() if group == scope_id)
    return False


def main():
    parser = argparse.ArgumentParser(description="Peer baseline of Throughcare's metrics in DuckDB (not part of the product).")
    parser.add_argument("extract", help="extract directory (the CSV files Throughcare ingests)")
    parser.add_argument("--from", dest="start", required=True, type=dt.date.fromisoformat)
    parser.add_argument("--to", dest="end", required=True, type=dt.date.fromisoformat, help="exclusive")
    parser.add_argument("--period", choices=["month", "quarter", "whole"], default="month")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, help="default: the latest contact date")
    parser.add_argument("--param", action="append", default=[], metavar="name=value")
    parser.add_argument("--scope", action="append", default=[], type=parse_scope, metavar="TYPE:ID")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", help="results CSV (default: no file, only the summary)")
    args = parser.parse_args()
    if args.start >= args.end:
        parser.error("--from must be before --to (--to is exclusive)")

    params = dict(DEFAULTS)
    for item in args.param:
        name, _, value = item.partition("=")
        if name not in DEFAULTS:
            parser.error(f"unknown parameter {name}")
        params[name] = value if name in INTERVAL_PARAMETERS else int(value)

    started = time.monotonic()
    con = duckdb.connect()
    con.execute(f"set threads = {args.threads}")
    con.execute("set preserve_insertion_order = true")
    # offset-less contact_at values are Europe/London local time, read as PostgreSQL reads them
    # with TimeZone = 'Europe/London'
    con.execute("set TimeZone = 'Europe/London'")

    # 1-2: the extract, validated, and the handover rules
    rejects = load_extract(con, args.extract)
    build_handover(con, params)
    loaded = time.monotonic()
    # loading needed the file order (the first occurrence of a key wins); nothing after it does
    # (every result below is ordered explicitly)
    con.execute("set preserve_insertion_order = false")

    # 3: as-of date (latest contact date of any outcome) and the periods
    as_of = args.as_of or con.execute("select max(contact_date) from contacts").fetchone()[0]
    if as_of is None:
        sys.exit("no contacts and no --as-of: no as-of date")
    periods = cut_periods(args.period, args.start, args.end, as_of)
    if not periods:
        sys.exit(f"no period of the range starts on or before the as-of date {as_of}")
    months = cut_periods("month", args.start, args.end, as_of)
    build_frame(con, periods, months, args.scope)

    # 4: case metrics
    con.execute("create or replace temp table metric_names (metric varchar)")
    con.executemany("insert into metric_names values (?)", [[m] for m in METRICS])
    queries = metric_queries(params, as_of)
    con.execute("create or replace temp table case_metrics as " +
                "\nunion all\n".join(f"select * from ({queries[m]})" for m in METRICS))

    # 5: rates
    rate_rows = con.execute(RATES + " order by 1, 2, 3, 4").fetchall()

    # 6: volumes (for a scoped review: the establishments of the prison groups in review, so the
    # rollups shown are whole)
    establishment_parents = {code: (group, region) for code, group, region in
                             con.execute("select establishment_code, prison_group, probation_region from establishments").fetchall()}
    if args.scope and not any(t == "national" for t, _ in args.scope):
        groups = {g for code, (g, r) in establishment_parents.items()
                  if scope_in_review(args.scope, establishment_parents, "establishment", code)
                  or scope_in_review(args.scope, establishment_parents, "prison_group", g)}
        con.execute("create or replace temp table review_groups (prison_group varchar)")
        con.executemany("insert into review_groups values (?)", [[g] for g in sorted(groups)])
        con.execute("create or replace temp view volume_establishments as "
                    "select * from establishments where prison_group in (select prison_group from review_groups)")
    else:
        con.execute("create or replace temp view volume_establishments as select * from establishments")
    volume_cursor = con.execute(VOLUMES + " order by 1, 2, 3")
    volume_columns = [d[0] for d in volume_cursor.description]
    volume_rows = [dict(zip(volume_columns, row)) for row in volume_cursor.fetchall()]
    computed = time.monotonic()

    # 7: write
    output = []
    for scope_type, scope_id, period_start, metric, numerator, denominator in rate_rows:
        if scope_in_review(args.scope, establishment_parents, scope_type, scope_id):
            output.append(("rate", scope_type, scope_id, period_start.isoformat(), metric, str(numerator), str(denominator)))
    for row in volume_rows:
        if not scope_in_review(args.scope, establishment_parents, row["scope_type"], row["scope_id"]):
            continue
        for measure, numerator_part, denominator_part in VOLUME_MEASURES:
            def part(name):
                return e10_text(row["expected_e10"]) if name == "keywork_sessions_expected" else decimal_text(row[name])
            output.append(("volume", row["scope_type"], row["scope_id"], row["period_start"].isoformat(), measure,
                           part(numerator_part), part(denominator_part) if denominator_part else ""))
    if args.out:
        with open(args.out, "w", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(["kind", "scope_type", "scope_id", "period_start", "metric", "numerator", "denominator"])
            writer.writerows(output)

    wall = time.monotonic() - started
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rejected = sum(r for r, _ in rejects.values())
    national = {}
    for kind, scope_type, _, _, metric, numerator, denominator in output:
        if kind == "rate" and scope_type == "national":
            n, d = national.get(metric, (0, 0))
            national[metric] = (n + int(numerator), d + int(denominator))
    print(f"peer: {len(periods)} period(s) by {args.period}, as of {as_of}, {len(rate_rows)} rate rows, "
          f"{len(output) - sum(1 for o in output if o[0] == 'rate')} volume rows written, {rejected} row(s) rejected",
          file=sys.stderr)
    for metric in METRICS:
        if metric in national:
            n, d = national[metric]
            print(f"  {metric:34} {n:>8} / {d:<8} {n / d:6.1%}" if d else f"  {metric:34} {n:>8} / {d:<8}", file=sys.stderr)
    print(f"peer wall time {wall:.2f} s (read and validate {loaded - started:.2f} s, metrics {computed - loaded:.2f} s), "
          f"peak RSS {rss_mib:.0f} MiB, threads {args.threads}")


if __name__ == "__main__":
    main()
