#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each.
#
#   bash fuzz/run.sh [SECONDS] [TARGET...]      # default 600 s per target, every target
#
# Builds build-fuzz/ (clang, -DZR_FUZZ=ON) when needed. Each target starts from its working
# corpus ($FUZZ_WORK/<target>, default build-fuzz/work/, ignored by git), the committed seeds
# (fuzz/corpus/<target>) and regressions (fuzz/regressions/<target>); new interesting inputs are
# kept in the working corpus only. Crash, leak, timeout and out-of-memory inputs are saved to
# $FUZZ_WORK/artifacts/<target>/. Prints per target: executions, exec/s, seconds, crashes (also
# in $FUZZ_WORK/last-run.txt). Exit status 1 if any target crashed. Temporary files go to
# /dev/shm when it is writable.
#   FUZZ_JOBS    targets run at the same time (default 1)
#   FUZZ_BUILD   build folder (default build-fuzz)
#   FUZZ_WORK    working corpora and artifacts (default $FUZZ_BUILD/work)
#   FUZZ_NICE    niceness of the fuzz processes (default 10)
#   FUZZ_TIMEOUT seconds one input may take before it counts as a hang (default 30: generous, as
#                a busy machine may starve a niced process for seconds)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
build=${FUZZ_BUILD:-build-fuzz}
work=${FUZZ_WORK:-$build/work}
work=$(mkdir -p "$work" && cd "$work" && pwd)

if [[ ! -f "$build/build.ninja" ]]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZR_FUZZ=ON \
    ${CMAKE_CXX_COMPILER_LAUNCHER:+-DCMAKE_CXX_COMPILER_LAUNCHER=$CMAKE_CXX_COMPILER_LAUNCHER} >/dev/null
fi
nice -n "${FUZZ_NICE:-10}" cmake --build "$build" -j "$(nproc)"

if (( $# )); then targets=("$@"); else IFS=";" read -r -a targets <"$build/fuzz_targets.txt" || true; fi
tmp=/tmp
[[ -w /dev/shm ]] && tmp=/dev/shm
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# Runs one target; its table line goes to $work/<target>.result.
run_target() {
  local target=$1 corpus="$work/$1" artifacts="$work/artifacts/$1" log="$work/$1.log"
  mkdir -p "$corpus" "$artifacts"
  local inputs=("$corpus" "fuzz/corpus/$target")
  [[ -d "fuzz/regressions/$target" ]] && inputs+=("fuzz/regressions/$target")
  local options=(-max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-30}" -rss_limit_mb=2048
                 -print_final_stats=1 -artifact_prefix="$artifacts/")
  [[ -f "fuzz/dict/$target.dict" ]] && options+=(-dict="fuzz/dict/$target.dict")
  local before start status=0
  before=$(find "$artifacts" -type f | wc -l)
  start=$(date +%s)
  TMPDIR=$tmp nice -n "${FUZZ_NICE:-10}" "$build/fuzz_$target" "${options[@]}" "${inputs[@]}" >"$log" 2>&1 || status=$?
  local elapsed=$(( $(date +%s) - start ))
  local crashes=$(( $(find "$artifacts" -type f | wc -l) - before ))
  local execs rate
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  if (( status != 0 || crashes != 0 )); then
    (( crashes == 0 )) && crashes=1
    { echo "--- $target failed (exit $status); end of $log:"; tail -40 "$log"; } >&2
  fi
  printf '%-20s %14s %10s %8s %8s\n' "$target" "${execs:-?}" "${rate:-?}" "$elapsed" "$crashes" >"$work/$target.result"
}

for target in "${targets[@]}"; do
  rm -f "$work/$target.result"
  while (( $(jobs -rp | wc -l) >= ${FUZZ_JOBS:-1} )); do wait -n || true; done
  run_target "$target" &
done
wait

failed=0
printf '%-20s %14s %10s %8s %8s\n' target executions exec/s seconds crashes | tee "$work/last-run.txt"
for target in "${targets[@]}"; do
  line=$(cat "$work/$target.result" 2>/dev/null || printf '%-20s %14s %10s %8s %8s' "$target" '?' '?' '?' 'no result')
  echo "$line" | tee -a "$work/last-run.txt"
  [[ "$(awk '{print $5}' <<<"$line")" == "0" ]] || failed=1
done
exit $failed
