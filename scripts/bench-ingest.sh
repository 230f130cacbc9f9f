#!/usr/bin/env bash
# Ingest benchmark: throughcare ingest of contacts.csv against raw psql \copy of the same file
# into the same kind of table (UNLOGGED, no indexes), in one run on the same server, plus a
# one-INSERT-per-row loader on 100,000 rows. The machine is noisy: only same-run ratios count.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/throughcare}
DATA=${BENCH_DATA:-benchmarks/data/national}
SCALE=${BENCH_SCALE:-national}
RUNS=${BENCH_RUNS:-5}

if [ ! -f "$DATA/contacts.csv" ]; then
  echo "generating the $SCALE extract in $DATA (once)"
  "$BIN" generate --out "$DATA" --scale "$SCALE" --seed 1
fi

# A private cluster for the benchmark, stopped at the end.
export THROUGHCARE_PG_ROOT=${THROUGHCARE_PG_ROOT:-/var/tmp/throughcare-bench-$(id -u)}
"$BIN" db start >/dev/null
trap '"$BIN" db stop >/dev/null' EXIT
URL=$("$BIN" db url 2>/dev/null)
export PGPASSFILE="$THROUGHCARE_PG_ROOT/default/pgpass"

# Reference data first (small files), so contacts can be checked against cases and staff.
# Hard links beside the data, not symlinks: ingest reads only regular files inside the extract
# directory (a symlink out of it is refused).
link_into() { ln "$DATA/$1" "$2/$1" 2>/dev/null || cp "$DATA/$1" "$2/$1"; }
REF=$(mktemp -d -p "$(dirname "$DATA")")
trap 'rm -rf "$REF"; "$BIN" db stop >/dev/null' EXIT
for f in establishments staff cases; do link_into "$f.csv" "$REF"; done
"$BIN" ingest "$REF" --database "$URL" --quiet

ROWS=$(($(wc -l < "$DATA/contacts.csv") - 1))
BYTES=$(stat -c %s "$DATA/contacts.csv")
ONLY=$(mktemp -d -p "$(dirname "$DATA")")
trap 'rm -rf "$REF" "$ONLY"; "$BIN" db stop >/dev/null' EXIT
link_into contacts.csv "$ONLY"

psql -q "$URL" -c "drop table if exists public.raw_contacts; create unlogged table public.raw_contacts (like staging.contacts); alter table public.raw_contacts alter batch_id set default 0, alter line_number set default 0" >/dev/null
COLS="contact_id, case_id, staff_id, contact_type, contact_at, channel, outcome, duration_minutes"

run_raw() {
  psql -q "$URL" -c "truncate public.raw_contacts" >/dev/null
  local start; start=$(date +%s.%N)
  psql -q "$URL" -c "set timezone='Europe/London'" -c "\\copy public.raw_contacts ($COLS) from '$DATA/contacts.csv' csv header" >/dev/null
  raw=$(echo "$(date +%s.%N) - $start" | bc)
}
run_throughcare() {
  # Forget the hash so the same file loads again.
  psql -q "$URL" -c "delete from ingest.batch_files where entity = 'contacts'" >/dev/null
  local start; start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$ONLY/rss" "$BIN" ingest "$ONLY" --database "$URL" --quiet
  tc=$(echo "$(date +%s.%N) - $start" | bc)
  rss_big=$(cat "$ONLY/rss")
}

# Paired runs; the order alternates, since whichever loads second shares the machine with
# autovacuum of the table the first one just filled.
best_raw=999999; best_tc=999999; ratios=""
for i in $(seq 1 "$RUNS"); do
  if [ $((i % 2)) -eq 1 ]; then run_raw; run_throughcare; else run_throughcare; run_raw; fi
  ratio=$(echo "scale=3; $raw / $tc" | bc)
  ratios="$ratios $ratio"
  echo "run $i: raw psql \\copy ${raw}s   throughcare ingest ${tc}s   ratio $ratio"
  best_raw=$(echo "if ($raw < $best_raw) $raw else $best_raw" | bc)
  best_tc=$(echo "if ($tc < $best_tc) $tc else $best_tc" | bc)
done

# Peak memory does not grow with file size: the same ingest on a 50,000-row file.
SMALL=$(mktemp -d)
trap 'rm -rf "$REF" "$ONLY" "$SMALL"; "$BIN" db stop >/dev/null' EXIT
head -n 50001 "$DATA/contacts.csv" > "$SMALL/contacts.csv"
/usr/bin/time -f "%M" -o "$SMALL/rss" "$BIN" ingest "$SMALL" --database "$URL" --quiet
rss_small=$(cat "$SMALL/rss")

# One INSERT per row, 100,000 rows, through psql in one session (autocommit, like a naive loader).
head -n 100001 "$DATA/contacts.csv" | tail -n +2 | awk -F, -v q="'" '{
  printf "insert into public.raw_contacts (%s) values (%s%s%s,%s%s%s,%s%s%s,%s%s%s,%s%s%s,%s%s%s,%s%s%s,%s);\n",
    "contact_id, case_id, staff_id, contact_type, contact_at, channel, outcome, duration_minutes",
    q,$1,q, q,$2,q, q,$3,q, q,$4,q, q,$5,q, q,$6,q, q,$7,q, ($8 == "" ? "null" : $8) }' > "$ONLY/inserts.sql"
psql -q "$URL" -c "truncate public.raw_contacts" >/dev/null
start=$(date +%s.%N)
psql -q "$URL" -f "$ONLY/inserts.sql" >/dev/null
insert_seconds=$(echo "$(date +%s.%N) - $start" | bc)

echo
echo "contacts.csv: $ROWS rows, $((BYTES / 1048576)) MiB; best of $RUNS runs"
echo "raw psql \\copy:              $(echo "$ROWS / $best_raw" | bc) rows/s"
echo "throughcare ingest:           $(echo "$ROWS / $best_tc" | bc) rows/s (full validation, duplicates, ledger)"
echo "one INSERT per row (100,000): $(echo "100000 / $insert_seconds" | bc) rows/s"
echo "ratio throughcare / raw copy: $(echo "scale=2; $best_raw / $best_tc" | bc) (best of each); median of the paired runs: $(printf '%s\n' $ratios | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
echo "ratio throughcare / inserts:  $(echo "scale=1; ($ROWS / $best_tc) / (100000 / $insert_seconds)" | bc)"
echo "peak RSS of ingest: $((rss_big / 1024)) MiB for $ROWS rows, $((rss_small / 1024)) MiB for 50,000 rows"
