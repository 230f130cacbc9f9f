#!/usr/bin/env bash
# Warehouse benchmark: Throughcare against its peer baseline (benchmarks/peer/throughcare_peer.py,
# DuckDB over the same CSV files; not part of the product), in one run on one private cluster.
# Per round, alternating which goes first:
#   (a) peer: the whole year, monthly, every scope, from the CSV files;
#   (b) throughcare, fresh database: ingest + transform + aggregate --from 2024-01-01 --to 2025-01-01;
#   (c) one more month: the database reloaded with the contacts before December only and core
#       brought up to date with them (not timed), then ingest --incremental of December's contacts
#       + transform (a top-up) + aggregate of December, against the peer's full recompute (a);
#   (d) a review question on loaded data: Q4 2024 by quarter, one probation region, against the
#       peer computing the same question from the CSV files.
# Prints each round, the ratios throughcare / peer, their medians, the targets and peak RSS, and
# compares round 1's monthly run with the peer's results row for row.
# The machine is noisy: only ratios measured in the same run mean anything.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/throughcare}
PEER_PYTHON=${PEER_PYTHON:-.build/peer-venv/bin/python}
PEER=benchmarks/peer/throughcare_peer.py
COMPARE=benchmarks/peer/compare.py
PEER_THREADS=${PEER_THREADS:-2}
ROUNDS=${BENCH_ROUNDS:-3}
SCALE=${BENCH_SCALE:-national}
FACTOR=${BENCH_SCALE_FACTOR:-}
FROM=2024-01-01
TO=2025-01-01
LAST_MONTH=2024-12-01
REVIEW_FROM=2024-10-01

if [ -n "$FACTOR" ]; then
  if ! "$BIN" generate --help 2>&1 | grep -q -- '--scale-factor'; then
    echo "BENCH_SCALE_FACTOR=$FACTOR: this throughcare generate has no --scale-factor option; skipped"
    exit 0
  fi
  DATA=${BENCH_DATA:-benchmarks/data/$SCALE-x$FACTOR}
  GENERATE_EXTRA=(--scale-factor "$FACTOR")
else
  DATA=${BENCH_DATA:-benchmarks/data/$SCALE}
  GENERATE_EXTRA=()
fi
[ -x "$PEER_PYTHON" ] || { echo "no $PEER_PYTHON: run make peer-venv"; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing (apt-get install time)"; exit 1; }

if [ ! -f "$DATA/contacts.csv" ]; then
  echo "generating the $SCALE extract in $DATA (once)"
  "$BIN" generate --out "$DATA" --scale "$SCALE" --seed 1 "${GENERATE_EXTRA[@]}"
fi

# A private cluster for the benchmark, stopped at the end (as scripts/bench-ingest.sh).
export THROUGHCARE_PG_ROOT=${THROUGHCARE_PG_ROOT:-/var/tmp/throughcare-bench-$(id -u)}
"$BIN" db start >/dev/null
WORK=$(mktemp -d -p "$(dirname "$DATA")")
trap 'rm -rf "$WORK"; "$BIN" db stop >/dev/null' EXIT
URL=$("$BIN" db url 2>/dev/null)
export PGPASSFILE="$THROUGHCARE_PG_ROOT/default/pgpass"
BASE_URL=${URL%/*}

# The extract split for "one more month": BASE = every file, contacts dated before December
# (by the date in contact_at; the union of the two files is the original contacts.csv) and DEC =
# December's contacts. Hard links beside the data: ingest reads only regular files inside the
# extract directory.
link_into() { ln "$DATA/$1" "$2/$1" 2>/dev/null || cp "$DATA/$1" "$2/$1"; }
mkdir -p "$WORK/base" "$WORK/dec"
for f in establishments staff cases allocations assessments release_outcomes; do
  [ -f "$DATA/$f.csv" ] && link_into "$f.csv" "$WORK/base"
done
awk -F, -v base="$WORK/base/contacts.csv" -v dec="$WORK/dec/contacts.csv" -v cut="$LAST_MONTH" '
  NR == 1 { for (i = 1; i <= NF; i++) if ($i == "contact_at") col = i; print > base; print > dec; next }
  { if (substr($col, 1, 10) >= cut) print > dec; else print > base }' "$DATA/contacts.csv"
DEC_ROWS=$(($(wc -l < "$WORK/dec/contacts.csv") - 1))

# The review question's region: BENCH_REGION, else the first probation region of the extract.
REGION=${BENCH_REGION:-$("$PEER_PYTHON" -c 'import csv, sys; print(sorted({r["probation_region"].strip() for r in csv.DictReader(open(sys.argv[1]))})[0])' "$DATA/establishments.csv")}
if "$BIN" aggregate --help 2>&1 | grep -q -- '--scope'; then
  REVIEW_MODE=option
else
  # No --scope on aggregate: the review is a pipeline file with scopes: (its ingest finds the
  # loaded files unchanged; it transforms again before aggregating).
  REVIEW_MODE=pipeline
  cat > "$WORK/review.yml" <<EOF
name: bench-review
extract:
  directory: dec
  mode: incremental
range:
  from: $REVIEW_FROM
  to: $TO
period: quarter
scopes:
  - probation_region: "$REGION"
publish: false
EOF
fi

declare -A WALL RSS
# timed KEY command...: wall seconds in WALL[KEY], peak RSS (KiB) in RSS[KEY]; output to $WORK/KEY.log
timed() {
  local key=$1; shift
  local start; start=$(date +%s.%N)
  if ! /usr/bin/time -f "%M" -o "$WORK/$key.rss" "$@" > "$WORK/$key.log" 2>&1; then
    echo "$key failed:"; tail -20 "$WORK/$key.log"; exit 1
  fi
  WALL[$key]=$(echo "$(date +%s.%N) - $start" | bc)
  RSS[$key]=$(tail -1 "$WORK/$key.rss")
}
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
last_run() { psql_q "$1" -At -c "select max(run_id) from metrics.runs where status = 'succeeded'"; }

run_peer_year() {
  timed peer_year "$PEER_PYTHON" "$PEER" "$DATA" --from "$FROM" --to "$TO" --period month \
    --threads "$PEER_THREADS" --out "$WORK/peer-year.csv"
}
run_peer_review() {
  timed peer_review "$PEER_PYTHON" "$PEER" "$DATA" --from "$REVIEW_FROM" --to "$TO" --period quarter \
    --scope "probation_region:$REGION" --threads "$PEER_THREADS" --out "$WORK/peer-review.csv"
}
run_throughcare() {
  local round=$1 db="bench_round_$1"
  psql_q "$URL" -c "set client_min_messages = warning" -c "drop database if exists $db" -c "create database $db" >/dev/null
  local url="$BASE_URL/$db"
  # (b) the whole year from a fresh database
  timed tc_ingest "$BIN" ingest "$DATA" --database "$url" --quiet
  timed tc_transform "$BIN" transform --database "$url" --quiet
  timed tc_aggregate "$BIN" aggregate --from "$FROM" --to "$TO" --database "$url" --quiet
  if [ "$round" = 1 ]; then
    local run; run=$(last_run "$url")
    psql_q "$url" -c "\\copy (select scope_type, scope_id, period_start, metric, numerator, denominator from metrics.rates where run_id = $run) to '$WORK/tc-rates.csv' csv header" \
                  -c "\\copy (select scope_type, scope_id, period_start, measure, value from metrics.volumes where run_id = $run) to '$WORK/tc-volumes.csv' csv header" >/dev/null
  fi
  # (c) one more month: back to the contacts before December, core built from them (setup, not
  # timed: that is where the month starts from), then December
  timed setup_base "$BIN" ingest "$WORK/base" --database "$url" --quiet
  timed setup_base_transform "$BIN" transform --database "$url" --quiet
  timed tc_month_ingest "$BIN" ingest "$WORK/dec" --incremental --database "$url" --quiet
  timed tc_month_transform "$BIN" transform --database "$url" --quiet
  timed tc_month_aggregate "$BIN" aggregate --from "$LAST_MONTH" --to "$TO" --database "$url" --quiet
  # (d) the review question on the loaded data
  if [ "$REVIEW_MODE" = option ]; then
    timed tc_review "$BIN" aggregate --from "$REVIEW_FROM" --to "$TO" --period quarter \
      --scope "probation_region:$REGION" --database "$url" --quiet
    REVIEW_AGGREGATE=${WALL[tc_review]}
  else
    timed tc_review "$BIN" run "$WORK/review.yml" --database "$url"
    REVIEW_AGGREGATE=$(sed -n 's/.*✓ aggregate \([0-9.]*\) s.*/\1/p' "$WORK/tc_review.log" | tail -1)
  fi
  psql_q "$URL" -c "drop database $db" >/dev/null
}

ratio() { echo "scale=3; $1 / $2" | bc; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mib() { echo $(( $1 / 1024 )); }

echo "extract $DATA: $(($(wc -l < "$DATA/contacts.csv") - 1)) contacts ($DEC_ROWS in December); review: $REGION, Q4 by quarter ($REVIEW_MODE); $ROUNDS round(s)"
WHOLE=() MONTH=() REVIEW=() REVIEW_AGG=()
for i in $(seq 1 "$ROUNDS"); do
  if [ $((i % 2)) -eq 1 ]; then
    run_peer_year; run_peer_review; run_throughcare "$i"; first=peer
  else
    run_throughcare "$i"; run_peer_year; run_peer_review; first=throughcare
  fi
  whole=$(echo "${WALL[tc_ingest]} + ${WALL[tc_transform]} + ${WALL[tc_aggregate]}" | bc)
  month=$(echo "${WALL[tc_month_ingest]} + ${WALL[tc_month_transform]} + ${WALL[tc_month_aggregate]}" | bc)
  WHOLE+=("$(ratio "$whole" "${WALL[peer_year]}")")
  MONTH+=("$(ratio "$month" "${WALL[peer_year]}")")
  REVIEW+=("$(ratio "${WALL[tc_review]}" "${WALL[peer_review]}")")
  [ -n "${REVIEW_AGGREGATE:-}" ] && REVIEW_AGG+=("$(ratio "$REVIEW_AGGREGATE" "${WALL[peer_review]}")")
  printf 'round %d (%s first)\n' "$i" "$first"
  printf '  (a) peer year monthly    %8.1f s  %5d MiB\n' "${WALL[peer_year]}" "$(mib "${RSS[peer_year]}")"
  printf '  (b) throughcare year     %8.1f s  = ingest %.1f s (%d MiB) + transform %.1f s (%d MiB) + aggregate %.1f s (%d MiB)   ratio %s\n' \
    "$whole" "${WALL[tc_ingest]}" "$(mib "${RSS[tc_ingest]}")" "${WALL[tc_transform]}" "$(mib "${RSS[tc_transform]}")" \
    "${WALL[tc_aggregate]}" "$(mib "${RSS[tc_aggregate]}")" "${WHOLE[-1]}"
  printf '  (c) one more month       %8.1f s  = ingest --incremental %.1f s (%d MiB) + transform %.1f s + aggregate %.1f s (%d MiB)   ratio %s (setup: base reload %.1f s + transform %.1f s)\n' \
    "$month" "${WALL[tc_month_ingest]}" "$(mib "${RSS[tc_month_ingest]}")" "${WALL[tc_month_transform]}" \
    "${WALL[tc_month_aggregate]}" "$(mib "${RSS[tc_month_aggregate]}")" "${MONTH[-1]}" "${WALL[setup_base]}" "${WALL[setup_base_transform]}"
  printf '  (d) review: peer         %8.1f s  %5d MiB\n' "${WALL[peer_review]}" "$(mib "${RSS[peer_review]}")"
  printf '      review: throughcare  %8.1f s  %5d MiB   ratio %s%s\n' "${WALL[tc_review]}" "$(mib "${RSS[tc_review]}")" "${REVIEW[-1]}" \
    "$([ "$REVIEW_MODE" = pipeline ] && echo " (throughcare run of a pipeline with scopes:, transform included; its aggregate stage ${REVIEW_AGGREGATE:-?} s, ratio ${REVIEW_AGG[-1]:-?})")"
done

echo
echo "medians of $ROUNDS round(s), throughcare / peer (target):"
echo "  whole year:      $(median "${WHOLE[@]}")   (<= 2)"
echo "  one more month:  $(median "${MONTH[@]}")   (<= 0.5)"
echo "  review question: $(median "${REVIEW[@]}")   (<= 0.1)$([ "$REVIEW_MODE" = pipeline ] && [ ${#REVIEW_AGG[@]} -gt 0 ] && echo "; aggregate stage alone $(median "${REVIEW_AGG[@]}")")"
echo "peak RSS (last round): peer $(mib "${RSS[peer_year]}") MiB; throughcare ingest $(mib "${RSS[tc_ingest]}") MiB, transform $(mib "${RSS[tc_transform]}") MiB, aggregate $(mib "${RSS[tc_aggregate]}") MiB (the client; the server's memory is PostgreSQL's own)"
echo
echo "round 1's monthly run against the peer, row for row:"
"$PEER_PYTHON" "$COMPARE" "$WORK/peer-year.csv" "$WORK/tc-rates.csv" "$WORK/tc-volumes.csv" || echo "MISMATCH between the peer and throughcare (see above)"
