#!/usr/bin/env bash
# Throughput / latency benchmark of `zr serve` (run on demand, not part of the test suite).
#
#   bash bench/run.sh
#
# Builds Release into <repo>/build-bench, seeds a throw-away data folder (challenges + one verified
# user), starts the server on a free loopback port and measures with wrk:
#   1. GET /challenges/                      wrk -t2 -c64 -d15s --latency, 3 runs, medians
#   2. GET /users/profile (Bearer token)     same
#   3. GET /challenges/ alone                wrk -t1 -c32 -d15s --latency (baseline for 4)
#   4. GET /challenges/ during a login burst same, while a second wrk (-t1 -c16) POSTs
#      /auth/login continuously; reports its p99, req/s and the logins/s completed.
# Prints a summary table. The server (SIGTERM) and the temporary folder are cleaned up on exit.
# The measuring part takes about 2 minutes 10 s (plus the build, incremental after the first run).
#
# Environment: ZR_THREADS / ZR_HASH_THREADS are passed to the server as given (defaults: cores / 1).
# BENCH_DURATION (seconds per wrk run, default 15) and BENCH_RUNS (default 3) shorten a trial run.
set -euo pipefail

LOG_PREFIX="bench"
source "$(dirname "$0")/lib.sh"
DURATION="${BENCH_DURATION:-15}"
RUNS="${BENCH_RUNS:-3}"

for tool in cmake ninja wrk curl python3; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done

# ---------------------------------------------------------------------------------------------
# Clean-up: whatever happens, stop what we started and remove the temporary folder.
TMP_DIR=""
SERVER_PID=""
BURST_PID=""
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$BURST_PID" ]] && kill -0 "$BURST_PID" 2>/dev/null; then
        kill -TERM "$BURST_PID" 2>/dev/null || true
        wait "$BURST_PID" 2>/dev/null || true
    fi
    [[ -n "$SERVER_PID" ]] && stop_gracefully server "$SERVER_PID" 5
    finish_cleanup "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# 1. Release build.
build_release

# ---------------------------------------------------------------------------------------------
# 2. Seed a temporary data folder, start the server, log in.
TMP_DIR="$(mktemp -d /tmp/zr-bench.XXXXXX)"
DATA_DIR="$TMP_DIR/data"
mkdir -p "$DATA_DIR"

# The server and admin commands run in the temp folder so that no stray .env is read.
SERVER_ENV=(ZR_DATA_FOLDER="$DATA_DIR" ZR_HOST=127.0.0.1 ZR_PORT=0 ZR_SHUTDOWN_GRACE=2s)
seed_data '[
  {"label": "bench-2017", "start_date": "2021-01-01", "end_date": null, "url": "https://x.org", "active": true, "evaluator": null},
  {"label": "bench-2019", "start_date": "2021-01-01", "end_date": null, "url": "https://x.org", "active": true, "evaluator": null},
  {"label": "bench-2020", "start_date": "2021-01-01", "end_date": null, "url": "https://x.org", "active": true, "evaluator": null},
  {"label": "bench-2021", "start_date": "2021-01-01", "end_date": null, "url": "https://x.org", "active": true, "evaluator": null},
  {"label": "bench-old",  "start_date": "2021-01-01", "end_date": null, "url": "https://x.org", "active": false, "evaluator": null}
]'

log "starting zr serve (ZR_THREADS=${ZR_THREADS:-<default>}, ZR_HASH_THREADS=${ZR_HASH_THREADS:-<default>})"
# Access logs are kept (as in production) but written to a file in the temp folder.
start_server
SERVER_PID=$LAUNCH_PID
wait_for_port
log "server pid $SERVER_PID on $BASE"

LOGIN_BODY="username=$USERNAME&password=$PASSWORD"
TOKEN="$(login)" || die "login failed"
[[ -n "$TOKEN" ]] || die "empty token"

# Sanity: the measured endpoints answer 200 with the expected content (a fast 401 proves nothing).
curl -sS --max-time 10 -f "$BASE/challenges/" | python3 -c '
import json, sys
items = json.load(sys.stdin)
assert len(items) == 4, items' || die "GET /challenges/ does not list the 4 open challenges"
curl -sS --max-time 10 -f -H "Authorization: Bearer $TOKEN" "$BASE/users/profile" | python3 -c "
import json, sys
profile = json.load(sys.stdin)
assert profile['username'] == '$USERNAME', profile" || die "GET /users/profile does not answer the profile"

# ---------------------------------------------------------------------------------------------
# 3. wrk helpers.
cat >"$TMP_DIR/auth.lua" <<EOF
wrk.headers["Authorization"] = "Bearer $TOKEN"
EOF
cat >"$TMP_DIR/login.lua" <<EOF
wrk.method = "POST"
wrk.body = "$LOGIN_BODY"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
EOF

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# server_cpu_ticks : user + system CPU time of the server so far, in clock ticks.
server_cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
CLK_TCK="$(getconf CLK_TCK)"

# run_wrk NAME ARGS... : one wrk run, output kept in $TMP_DIR/NAME.out, checked for errors.
# Prints "req/s p99_ms errors server_cpu_us_per_request".
run_wrk() {
    local name=$1; shift
    local ticks_before ticks_after
    ticks_before="$(server_cpu_ticks)"
    timeout $((DURATION + 20)) wrk "$@" >"$TMP_DIR/$name.out" 2>&1 || { cat "$TMP_DIR/$name.out" >&2; die "wrk $name failed"; }
    ticks_after="$(server_cpu_ticks)"
    local req p99 bad count cpu
    req="$(wrk_req "$TMP_DIR/$name.out")"
    p99="$(wrk_p99 "$TMP_DIR/$name.out")"
    bad="$(wrk_bad "$TMP_DIR/$name.out")"
    count="$(awk '/requests in/ {print $1}' "$TMP_DIR/$name.out")"
    [[ -n "$req" && -n "$p99" && -n "$count" ]] || { cat "$TMP_DIR/$name.out" >&2; die "cannot parse wrk output of $name"; }
    # Includes whatever else the server did meanwhile (the login burst in the burst run).
    cpu="$(awk -v d=$((ticks_after - ticks_before)) -v hz="$CLK_TCK" -v n="$count" \
        'BEGIN { printf "%.1f", (n > 0) ? d * 1e6 / hz / n : 0 }')"
    log "$name: $req req/s, p99 $p99 ms, errors $bad, server CPU $cpu us/request"
    printf '%s %s %s %s\n' "$req" "$p99" "$bad" "$cpu"
}

declare -A RESULT_REQ RESULT_P99 RESULT_BAD RESULT_CPU
# measure KEY RUNS ARGS... : median req/s, p99 and server CPU per request over RUNS runs.
measure() {
    local key=$1 runs=$2; shift 2
    local reqs=() p99s=() cpus=() bad_total=0 i line req p99 bad cpu
    for ((i = 1; i <= runs; i++)); do
        line="$(run_wrk "$key-$i" "$@")"
        read -r req p99 bad cpu <<<"$line"
        reqs+=("$req"); p99s+=("$p99"); cpus+=("$cpu"); bad_total=$((bad_total + bad))
    done
    RESULT_REQ[$key]="$(median "${reqs[@]}")"
    RESULT_P99[$key]="$(median "${p99s[@]}")"
    RESULT_CPU[$key]="$(median "${cpus[@]}")"
    RESULT_BAD[$key]=$bad_total
}

# ---------------------------------------------------------------------------------------------
# 3. Throughput.
IDLE_BEFORE="$(machine_idle_percent)"
log "machine idle before measuring: ${IDLE_BEFORE}%"
if ((IDLE_BEFORE < 90)); then
    log "WARNING: the machine is busy (compiles? tests?); the figures will be low. Check 'uptime' and retry."
fi
log "GET /challenges/: $RUNS x wrk -t2 -c64 -d${DURATION}s"
measure challenges "$RUNS" -t2 -c64 -d"${DURATION}s" --latency "$BASE/challenges/"
log "GET /users/profile: $RUNS x wrk -t2 -c64 -d${DURATION}s"
measure profile "$RUNS" -t2 -c64 -d"${DURATION}s" --latency -s "$TMP_DIR/auth.lua" "$BASE/users/profile"

# ---------------------------------------------------------------------------------------------
# 4. Login burst.
log "GET /challenges/ alone: wrk -t1 -c32 -d${DURATION}s (baseline)"
measure baseline 1 -t1 -c32 -d"${DURATION}s" --latency "$BASE/challenges/"

BURST_LEAD=2
BURST_SECONDS=$((DURATION + BURST_LEAD + 1))
log "login burst: wrk -t1 -c16 -d${BURST_SECONDS}s POST /auth/login, with GET /challenges/ -t1 -c32 -d${DURATION}s"
timeout $((BURST_SECONDS + 20)) wrk -t1 -c16 -d"${BURST_SECONDS}s" --timeout 10s --latency -s "$TMP_DIR/login.lua" \
    "$BASE/auth/login" >"$TMP_DIR/burst-logins.out" 2>&1 &
BURST_PID=$!
sleep "$BURST_LEAD"
measure burst 1 -t1 -c32 -d"${DURATION}s" --latency "$BASE/challenges/"
wait "$BURST_PID" || { cat "$TMP_DIR/burst-logins.out" >&2; die "login burst wrk failed"; }
BURST_PID=""
LOGINS_PER_S="$(wrk_req "$TMP_DIR/burst-logins.out")"
LOGIN_P99="$(wrk_p99 "$TMP_DIR/burst-logins.out")"
LOGIN_BAD="$(wrk_bad "$TMP_DIR/burst-logins.out")"
[[ -n "$LOGINS_PER_S" ]] || { cat "$TMP_DIR/burst-logins.out" >&2; die "cannot parse the login burst output"; }
log "logins: $LOGINS_PER_S/s, p99 $LOGIN_P99 ms, errors $LOGIN_BAD"

# ---------------------------------------------------------------------------------------------
# 5. Summary.
verdict() { # verdict VALUE OP TARGET
    if awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN { exit !((op == ">=") ? (v >= t) : (v < t)) }'; then
        echo "ok"
    else
        echo "MISSED"
    fi
}
ERRORS=$((RESULT_BAD[challenges] + RESULT_BAD[profile] + RESULT_BAD[baseline] + RESULT_BAD[burst] + LOGIN_BAD))

row() { # row LABEL REQ P99 CPU TARGET RESULT
    printf '| %-48s | %10s | %8s | %11s | %-15s | %-6s |\n' "$@"
}
echo
echo "zr benchmark $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$REPO_ROOT" describe --always --dirty 2>/dev/null || echo '?')," \
    "$(nproc) cores, ZR_THREADS=${ZR_THREADS:-default} ZR_HASH_THREADS=${ZR_HASH_THREADS:-default}," \
    "machine ${IDLE_BEFORE}% idle before the run"
echo
row "measure" "req/s" "p99 ms" "CPU us/req" "target" "result"
row "$(printf -- '-%.0s' {1..48})" "----------" "--------" "-----------" "---------------" "------"
row "GET /challenges/ (-t2 -c64, median of $RUNS)" "$(printf '%.0f' "${RESULT_REQ[challenges]}")" \
    "${RESULT_P99[challenges]}" "${RESULT_CPU[challenges]}" ">= 30000 req/s" "$(verdict "${RESULT_REQ[challenges]}" '>=' 30000)"
row "GET /users/profile (-t2 -c64, median of $RUNS)" "$(printf '%.0f' "${RESULT_REQ[profile]}")" \
    "${RESULT_P99[profile]}" "${RESULT_CPU[profile]}" ">= 20000 req/s" "$(verdict "${RESULT_REQ[profile]}" '>=' 20000)"
row "GET /challenges/ alone (-t1 -c32)" "$(printf '%.0f' "${RESULT_REQ[baseline]}")" \
    "${RESULT_P99[baseline]}" "${RESULT_CPU[baseline]}" "(baseline)" ""
row "GET /challenges/ during login burst (-t1 -c32)" "$(printf '%.0f' "${RESULT_REQ[burst]}")" \
    "${RESULT_P99[burst]}" "${RESULT_CPU[burst]}" "p99 < 10 ms" "$(verdict "${RESULT_P99[burst]}" '<' 10)"
row "POST /auth/login during the burst (-t1 -c16)" "$LOGINS_PER_S" "$LOGIN_P99" "" "" ""
echo
echo "CPU us/req: server CPU time (user+system, all threads) per completed request of that wrk run."
echo "Non-2xx responses or socket errors over all runs: $ERRORS"
[[ "$ERRORS" -eq 0 ]] || { log "some requests failed; see the figures with care"; exit 1; }
