#!/usr/bin/env bash
# Scaling table: the whole national year (ingest + transform + aggregate, monthly, every scope,
# evidence kept) at 1x, 2x, 4x the national extract (throughcare generate --scale-factor N), on a
# fresh database of one private cluster each time; wall time and peak RSS of each step, and the
# database size after it. For docs/scaling.md. One run per size: the sizes differ by far more than
# the machine's noise, but compare rows of one run only.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/throughcare}
FACTORS=${BENCH_FACTORS:-1 2 4}
FROM=2024-01-01
TO=2025-01-01
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing (apt-get install time)"; exit 1; }

export THROUGHCARE_PG_ROOT=${THROUGHCARE_PG_ROOT:-/var/tmp/throughcare-bench-$(id -u)}
"$BIN" db start >/dev/null
trap '"$BIN" db stop >/dev/null' EXIT
URL=$("$BIN" db url 2>/dev/null)
export PGPASSFILE="$THROUGHCARE_PG_ROOT/default/pgpass"
BASE_URL=${URL%/*}
LOG=$(mktemp -d)

# timed STEP command...: "wall_s rss_MiB" of the command
timed() {
  local start; start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$LOG/rss" "$@" > "$LOG/out" 2>&1 || { echo "failed: $*"; tail -20 "$LOG/out"; exit 1; }
  printf '%.1f %d' "$(echo "$(date +%s.%N) - $start" | bc)" "$(( $(tail -1 "$LOG/rss") / 1024 ))"
}

echo "| scale | contacts | cases | CSV | ingest s (MiB) | transform s (MiB) | aggregate 12 months s (MiB) | whole s | database after |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in $FACTORS; do
  if [ "$n" = 1 ]; then DATA=benchmarks/data/national; EXTRA=(); else DATA=benchmarks/data/national-x$n; EXTRA=(--scale-factor "$n"); fi
  [ -f "$DATA/contacts.csv" ] || "$BIN" generate --out "$DATA" --scale national --seed 1 "${EXTRA[@]}" >/dev/null
  db=bench_scale_$n
  psql -X -q "$URL" -c "set client_min_messages = warning" -c "drop database if exists $db" -c "create database $db" >/dev/null
  url="$BASE_URL/$db"
  read -r ingest_s ingest_m <<< "$(timed "$BIN" ingest "$DATA" --database "$url" --quiet)"
  read -r transform_s transform_m <<< "$(timed "$BIN" transform --database "$url" --quiet)"
  read -r aggregate_s aggregate_m <<< "$(timed "$BIN" aggregate --from "$FROM" --to "$TO" --database "$url" --quiet)"
  contacts=$(($(wc -l < "$DATA/contacts.csv") - 1))
  cases=$(($(wc -l < "$DATA/cases.csv") - 1))
  csv=$(du -cm "$DATA"/*.csv | tail -1 | cut -f1)
  size=$(psql -X -At "$url" -c "select pg_size_pretty(pg_database_size(current_database()))")
  whole=$(echo "$ingest_s + $transform_s + $aggregate_s" | bc)
  echo "| ${n}× | $contacts | $cases | $csv MiB | $ingest_s ($ingest_m) | $transform_s ($transform_m) | $aggregate_s ($aggregate_m) | $whole | $size |"
  psql -X -q "$URL" -c "drop database $db" >/dev/null
done
rm -rf "$LOG"
