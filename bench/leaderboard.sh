#!/usr/bin/env bash
# Leaderboard benchmark (issue 4, "Benchmark": rebuild a leaderboard of 10 000 entries; run on
# demand, not part of the test suite).
#
#   bash bench/leaderboard.sh
#
# Builds Release into <repo>/build-bench, seeds a throw-away data folder with one challenge, one
# user and BENCH_ENTRIES (default 10 000) completed submissions, each with a scores/entry.json
# (rows written straight into the SQLite file, as an evaluation would leave them), creates a
# leaderboard sorted by "-scores.accuracy,scores.time" over them, then runs
# `zr leaderboards:build ID` BENCH_RUNS times (default 3) and prints the median of
#   - the command's wall time (process start, settings, database open, build, exit), and
#   - the service-side build time zr prints (locks, the one SQL query, reading and parsing every
#     entry file, sorting, writing the file atomically).
# The first build reads files the seeding just wrote, so the page cache is warm for every run.
# Target (issue 4): < 0.5 s for 10 000 entries.
set -euo pipefail

LOG_PREFIX="leaderboard-bench"
source "$(dirname "$0")/lib.sh"
ENTRIES="${BENCH_ENTRIES:-10000}"
RUNS="${BENCH_RUNS:-3}"
TMP_PARENT="${BENCH_TMPDIR:-/tmp}"

require_tools cmake ninja /usr/bin/python3
[[ "$ENTRIES" =~ ^[0-9]+$ && "$ENTRIES" -ge 1 ]] || die "BENCH_ENTRIES must be a positive integer"
[[ "$RUNS" =~ ^[0-9]+$ && "$RUNS" -ge 1 ]] || die "BENCH_RUNS must be a positive integer"

TMP_DIR=""
trap 'finish_cleanup $?' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

build_release
TMP_DIR="$(mktemp -d "$TMP_PARENT/zr-leaderboard-bench.XXXXXX")"
DATA_DIR="$TMP_DIR/data"
mkdir -p "$DATA_DIR"
SERVER_ENV=(ZR_DATA_FOLDER="$DATA_DIR")
seed_data '[{"label": "bench-track", "start_date": "01/01/2024", "end_date": null, "url": "https://example.org",
  "active": true, "evaluator": null}]'

seed_completed_submissions bench-track "$ENTRIES"
create_leaderboard bench-track bench-board

WALL=()
SERVICE=()
for run in $(seq "$RUNS"); do
    log "run $run/$RUNS (machine idle: $(machine_idle_percent)%)"
    start_ns=$(date +%s%N)
    run_zr leaderboards:build "$BOARD_ID" >"$TMP_DIR/build.log" 2>&1 || { cat "$TMP_DIR/build.log" >&2; die "build failed"; }
    end_ns=$(date +%s%N)
    entries="$(sed -n 's/.*: \([0-9]*\) entries, .*/\1/p' "$TMP_DIR/build.log")"
    [[ "$entries" == "$ENTRIES" ]] || die "expected $ENTRIES entries, got: $(cat "$TMP_DIR/build.log")"
    WALL+=("$(awk -v ns=$((end_ns - start_ns)) 'BEGIN { printf "%.1f", ns / 1e6 }')")
    SERVICE+=("$(sed -n 's/.* skipped, \([0-9.]*\) ms .*/\1/p' "$TMP_DIR/build.log")")
done
/usr/bin/python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert len(d["data"]) == int(sys.argv[2]) and d["data"][0]["rank"] == 1' \
    "$DATA_DIR/leaderboards/bench-board.json" "$ENTRIES" || die "the built file is not as expected"
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
SIZE_KB=$(($(stat -c %s "$DATA_DIR/leaderboards/bench-board.json") / 1024))

echo
echo "leaderboard of $ENTRIES entries ($SIZE_KB KiB file), $RUNS runs"
printf '  %-40s %s\n' "zr leaderboards:build, wall (median):" "$(median "${WALL[@]}") ms   (runs: ${WALL[*]})"
printf '  %-40s %s\n' "service-side build (median):" "$(median "${SERVICE[@]}") ms   (runs: ${SERVICE[*]})"
