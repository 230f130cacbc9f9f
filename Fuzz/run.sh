#!/usr/bin/env bash
# Builds the libFuzzer target for the tokenizer and validator, then fuzzes for $SECONDS_TO_RUN
# (default 60) seconds. Not run in CI. Uses its own build directory, so the normal .build is
# untouched. Extra arguments go to libFuzzer (e.g. -jobs=2, or a crash file to replay it).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=.build/fuzz
LOCK=${LOCK:-/tmp/throughcare-swift.lock}
# The modules Ingest imports are built by SwiftPM, with ASan, in a separate build directory. Ingest
# itself is compiled here by swiftc together with the entry, as one module: swiftc's
# -sanitize=fuzzer then instruments every line of the tokenizer and validator for coverage
# (SwiftPM's --sanitize=fuzzer did not instrument library targets), and the entry sees
# Ingest's internal types without @testable.
flock "$LOCK" swift build --build-path "$BUILD" --target PostgresClient --sanitize=address
flock "$LOCK" swift build --build-path "$BUILD" --target ThroughcareCore --sanitize=address
objects=$(ls "$BUILD"/debug/ThroughcareCore.build/*.o "$BUILD"/debug/PostgresClient.build/*.o)
flock "$LOCK" swiftc -sanitize=fuzzer,address -parse-as-library -g -enforce-exclusivity=unchecked -module-name IngestFuzz \
  -I "$BUILD/debug/Modules" -I Sources/CZlib -I Sources/CCrypto -I Sources/CLibPQ \
  -Xcc -I/usr/include/postgresql \
  Fuzz/IngestFuzz.swift Sources/Ingest/*.swift $objects -lpq -lz -lcrypto -o "$BUILD/ingest-fuzz"
mkdir -p "$BUILD/corpus"
# Seeds: the test fixtures, each prefixed with the byte that selects its entity.
index=0
for entity in establishments staff cases allocations contacts assessments release_outcomes; do
  f=Tests/IngestTests/Fixtures/base/$entity.csv
  { printf "\\$(printf '%03o' "$index")"; tail -n +2 "$f"; } > "$BUILD/corpus/seed-$entity"
  index=$((index + 1))
done
# Swift's own crash reporter would hang symbolicating under ASan; libFuzzer reports instead.
# Crashing inputs are written to $BUILD/ (crash-…); replay one with: Fuzz/run.sh $BUILD/crash-…
export SWIFT_BACKTRACE=enable=no
"$BUILD/ingest-fuzz" -artifact_prefix="$BUILD/" -max_total_time="${SECONDS_TO_RUN:-60}" -max_len=4096 "$@" "$BUILD/corpus"
