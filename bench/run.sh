#!/usr/bin/env bash
# Throughput / latency benchmark of `zr serve` against a yardstick (run on demand, not part of the
# test suite).
#
#   bash bench/run.sh
#
# Builds Release into <repo>/build-bench (zr and bench/yardstick, a bare Beast server with the same
# compiler, flags, Boost and IO thread count), seeds a throw-away data folder (7 open challenges +
# 1 closed, one verified user), starts both servers on free loopback ports and measures with wrk:
#   1. Per route, RUNS rounds (default 3), each: zr's route then the yardstick's /ping, both
#      wrk -t2 -c64 -d<DURATION>s --latency, one after the other. Routes: GET /, GET /challenges/,
#      GET /users/profile (Bearer token), and the second generation's (the zrc client's):
#      GET /benchmarks/{label}/info, GET /users/{username}/profile (Bearer) and a leaderboard's
#      JSON by label (BENCH_BOARD_ENTRIES entries, default 50; its size is reported). Reports the
#      medians of zr's req/s, p99 and CPU per request, of the yardstick's req/s, and of the
#      per-round ratio zr / yardstick: a ratio of two neighbouring runs holds on a noisy machine
#      where absolute figures do not.
#   2. GET /challenges/ alone, wrk -t1 -c32 (baseline), then the same during a login flood (a
#      second wrk -t1 -c64 POSTing wrong passwords for new logins from new addresses, so that no
#      throttle stops it and the hashing queue stays full); its p99, the ratio of the two p99s,
#      req/s, and the flood's answers by status (401 hashed, 503 refused at once, 429).
# Prints a summary table. The servers (SIGTERM) and the temporary folder are cleaned up on exit.
# The measuring part takes about 6 minutes 40 s with the defaults (plus the build).
#
# Environment: ZR_THREADS / ZR_HASH_THREADS are passed to the server as given (defaults: cores / 1);
# the yardstick runs ZR_THREADS IO threads too. BENCH_DURATION (seconds per wrk run, default 10)
# and BENCH_RUNS (default 3) shorten a trial run; BENCH_ROUTES (default: all of root challenges
# profile benchmark v2profile board burst) measures only the parts named.
set -euo pipefail

LOG_PREFIX="bench"
source "$(dirname "$0")/lib.sh"
DURATION="${BENCH_DURATION:-10}"
RUNS="${BENCH_RUNS:-3}"
BOARD_ENTRIES="${BENCH_BOARD_ENTRIES:-50}"
ALL_ROUTES="root challenges profile benchmark v2profile board burst"
ROUTES=" ${BENCH_ROUTES:-$ALL_ROUTES} "
for route in $ROUTES; do
    [[ " $ALL_ROUTES " == *" $route "* ]] || { echo "unknown route '$route' in BENCH_ROUTES ($ALL_ROUTES)" >&2; exit 2; }
done
wanted() { [[ "$ROUTES" == *" $1 "* ]]; } # wanted PART : whether BENCH_ROUTES names it

require_tools cmake ninja wrk curl python3

# ---------------------------------------------------------------------------------------------
# Clean-up: whatever happens, stop what we started and remove the temporary folder.
TMP_DIR=""
SERVER_PID=""
YARDSTICK_PID=""
BURST_PID=""
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$BURST_PID" ]] && kill -0 "$BURST_PID" 2>/dev/null; then
        kill -TERM "$BURST_PID" 2>/dev/null || true
        wait "$BURST_PID" 2>/dev/null || true
    fi
    [[ -n "$SERVER_PID" ]] && stop_gracefully server "$SERVER_PID" 5
    [[ -n "$YARDSTICK_PID" ]] && stop_gracefully yardstick "$YARDSTICK_PID" 5
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
log "starting zr serve (ZR_THREADS=${ZR_THREADS:-<default>}, ZR_HASH_THREADS=${ZR_HASH_THREADS:-<default>})"
# The server and admin commands run in the temp folder so that no stray .env is read; access logs
# are kept (as in production) but written to a file there.
# The leaderboard of the second generation's read: BOARD_ENTRIES completed submissions of the
# bench user to bench-2023, built before the server starts.
seed_board() {
    seed_completed_submissions bench-2023 "$BOARD_ENTRIES"
    create_leaderboard bench-2023 bench-board
    run_zr leaderboards:build "$BOARD_ID" >"$TMP_DIR/build.log" 2>&1 || { cat "$TMP_DIR/build.log" >&2; die "leaderboards:build failed"; }
}
serve_bench_data bench seed_board
BOARD_BYTES="$(stat -c %s "$DATA_DIR/leaderboards/bench-board.json")"
log "server pid $SERVER_PID on $BASE"
"$YARDSTICK" 0 "${ZR_THREADS:-0}" >"$TMP_DIR/yardstick.log" 2>&1 &
YARDSTICK_PID=$!
wait_for_listening "$YARDSTICK_PID" "$TMP_DIR/yardstick.log" yardstick
YARDSTICK_BASE="http://127.0.0.1:$LISTEN_PORT"
log "yardstick pid $YARDSTICK_PID on $YARDSTICK_BASE ($(sed -n 's/.*(\(.*\))/\1/p' "$TMP_DIR/yardstick.log"))"

TOKEN="$(login)" || die "login failed"
[[ -n "$TOKEN" ]] || die "empty token"

# Sanity: the measured endpoints answer 200 with the expected content (a fast 401 proves nothing).
curl -sS --max-time 10 -f "$BASE/challenges/" | python3 -c '
import json, sys
items = json.load(sys.stdin)
assert len(items) == 7, items' || die "GET /challenges/ does not list the 7 open challenges"
curl -sS --max-time 10 -f -H "Authorization: Bearer $TOKEN" "$BASE/users/profile" | python3 -c "
import json, sys
profile = json.load(sys.stdin)
assert profile['username'] == '$USERNAME', profile" || die "GET /users/profile does not answer the profile"
curl -sS --max-time 10 -f "$BASE/" | python3 -c '
import json, sys
assert "app" in json.load(sys.stdin)' || die "GET / does not answer the app description"
curl -sS --max-time 10 -f "$BASE/benchmarks/bench-2023/info" | python3 -c '
import json, sys
assert json.load(sys.stdin)["label"] == "bench-2023"' || die "GET /benchmarks/bench-2023/info does not answer the benchmark"
curl -sS --max-time 10 -f -H "Authorization: Bearer $TOKEN" "$BASE/users/$USERNAME/profile" | python3 -c "
import json, sys
profile = json.load(sys.stdin)
assert profile['username'] == '$USERNAME' and profile['verified'], profile" || die "GET /users/$USERNAME/profile does not answer the profile"
curl -sS --max-time 10 -f "$BASE/leaderboards/bench-board/json" | python3 -c '
import json, sys
board = json.load(sys.stdin)
assert len(board["data"]) == int(sys.argv[1]), len(board["data"])' "$BOARD_ENTRIES" \
    || die "GET /leaderboards/bench-board/json does not answer the $BOARD_ENTRIES entries"
curl -sS --max-time 10 -f "$YARDSTICK_BASE/ping" | grep -q pong || die "the yardstick does not answer /ping"

# ---------------------------------------------------------------------------------------------
# 3. wrk helpers.
cat >"$TMP_DIR/auth.lua" <<EOF
wrk.headers["Authorization"] = "Bearer $TOKEN"
EOF
# The login flood: wrong passwords for ever new logins from ever new addresses (X-Forwarded-For;
# loopback is a trusted proxy by default), so that no throttle stops it and every attempt reaches
# the hashing queue: the worst case for the other routes. Answers are counted by status.
cat >"$TMP_DIR/flood.lua" <<'EOF'
local threads = {}
function setup(thread) table.insert(threads, thread) end
local n = 0
statuses = {}
function request()
    n = n + 1
    local address = string.format("10.%d.%d.%d", math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
    return wrk.format("POST", "/auth/login",
        {["Content-Type"] = "application/x-www-form-urlencoded", ["X-Forwarded-For"] = address},
        "username=flood" .. n .. "&password=wrong-password")
end
function response(status) statuses[status] = (statuses[status] or 0) + 1 end
function done()
    local total = {}
    for _, thread in ipairs(threads) do
        for status, count in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + count end
    end
    for status, count in pairs(total) do io.write(string.format("flood status %d: %d\n", status, count)) end
end
EOF

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# cpu_ticks PID : user + system CPU time of that process so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
CLK_TCK="$(getconf CLK_TCK)"

# run_wrk NAME PID ARGS... : one wrk run against the server PID, output kept in $TMP_DIR/NAME.out,
# checked for errors. Prints "req/s p99_ms errors server_cpu_us_per_request".
run_wrk() {
    local name=$1 pid=$2; shift 2
    local ticks_before ticks_after
    ticks_before="$(cpu_ticks "$pid")"
    timeout $((DURATION + 20)) wrk "$@" >"$TMP_DIR/$name.out" 2>&1 || { cat "$TMP_DIR/$name.out" >&2; die "wrk $name failed"; }
    ticks_after="$(cpu_ticks "$pid")"
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

declare -A RESULT_REQ RESULT_P99 RESULT_BAD RESULT_CPU RESULT_YARD RESULT_RATIO
# record KEY LINES... : medians of "req/s p99 errors cpu" lines into RESULT_*[KEY] (errors summed).
record() {
    local key=$1; shift
    local reqs=() p99s=() cpus=() bad_total=0 line req p99 bad cpu
    for line in "$@"; do
        read -r req p99 bad cpu <<<"$line"
        reqs+=("$req"); p99s+=("$p99"); cpus+=("$cpu"); bad_total=$((bad_total + bad))
    done
    RESULT_REQ[$key]="$(median "${reqs[@]}")"
    RESULT_P99[$key]="$(median "${p99s[@]}")"
    RESULT_CPU[$key]="$(median "${cpus[@]}")"
    RESULT_BAD[$key]=$bad_total
}
# measure KEY RUNS ARGS... : RUNS runs of wrk ARGS against zr, medians in RESULT_*[KEY].
measure() {
    local key=$1 runs=$2 i lines=(); shift 2
    for ((i = 1; i <= runs; i++)); do lines+=("$(run_wrk "$key-$i" "$SERVER_PID" "$@")"); done
    record "$key" "${lines[@]}"
}
# compare KEY PATH [WRK ARGS...] : RUNS rounds of zr's PATH then the yardstick's /ping (wrk -t2
# -c64); zr's medians in RESULT_*[KEY], the yardstick's median req/s in RESULT_YARD[KEY] and the
# median of the rounds' ratios zr / yardstick in RESULT_RATIO[KEY].
compare() {
    local key=$1 path=$2 i zr_line yard_line zr_lines=() yard_lines=() ratios=(); shift 2
    local wrk_args=(-t2 -c64 -d"${DURATION}s" --latency)
    for ((i = 1; i <= RUNS; i++)); do
        zr_line="$(run_wrk "$key-$i" "$SERVER_PID" "${wrk_args[@]}" "$@" "$BASE$path")"
        yard_line="$(run_wrk "$key-yardstick-$i" "$YARDSTICK_PID" "${wrk_args[@]}" "$YARDSTICK_BASE/ping")"
        zr_lines+=("$zr_line"); yard_lines+=("$yard_line")
        ratios+=("$(awk -v z="${zr_line%% *}" -v y="${yard_line%% *}" 'BEGIN { printf "%.3f", (y > 0) ? z / y : 0 }')")
        log "$key round $i: ratio ${ratios[-1]}"
    done
    record "$key" "${zr_lines[@]}"
    record "$key-yardstick" "${yard_lines[@]}"
    RESULT_YARD[$key]="${RESULT_REQ[$key-yardstick]}"
    RESULT_BAD[$key]=$((RESULT_BAD[$key] + RESULT_BAD[$key-yardstick]))
    RESULT_RATIO[$key]="$(median "${ratios[@]}")"
}

# ---------------------------------------------------------------------------------------------
# 3. Throughput against the yardstick.
IDLE_BEFORE="$(machine_idle_percent)"
log "machine idle before measuring: ${IDLE_BEFORE}%"
if ((IDLE_BEFORE < 90)); then
    log "WARNING: the machine is busy (compiles? tests?); the figures will be low. Check 'uptime' and retry."
fi
if wanted root; then
    log "GET /: $RUNS rounds of zr then yardstick, wrk -t2 -c64 -d${DURATION}s"
    compare root /
fi
if wanted challenges; then
    log "GET /challenges/: $RUNS rounds of zr then yardstick, wrk -t2 -c64 -d${DURATION}s"
    compare challenges /challenges/
fi
if wanted profile; then
    log "GET /users/profile: $RUNS rounds of zr then yardstick, wrk -t2 -c64 -d${DURATION}s"
    compare profile /users/profile -s "$TMP_DIR/auth.lua"
fi
if wanted benchmark; then
    log "GET /benchmarks/bench-2023/info: $RUNS rounds of zr then yardstick, wrk -t2 -c64 -d${DURATION}s"
    compare benchmark /benchmarks/bench-2023/info
fi
if wanted v2profile; then
    log "GET /users/$USERNAME/profile: $RUNS rounds of zr then yardstick, wrk -t2 -c64 -d${DURATION}s"
    compare v2profile "/users/$USERNAME/profile" -s "$TMP_DIR/auth.lua"
fi
if wanted board; then
    log "GET /leaderboards/bench-board/json ($BOARD_BYTES bytes): $RUNS rounds of zr then yardstick, wrk -t2 -c64 -d${DURATION}s"
    compare board /leaderboards/bench-board/json
fi

# ---------------------------------------------------------------------------------------------
# 4. Login flood.
LOGIN_BAD=0
if wanted burst; then
    log "GET /challenges/ alone: wrk -t1 -c32 -d${DURATION}s (baseline)"
    measure baseline 1 -t1 -c32 -d"${DURATION}s" --latency "$BASE/challenges/"

    BURST_LEAD=2
    BURST_SECONDS=$((DURATION + BURST_LEAD + 1))
    log "login flood: wrk -t1 -c64 -d${BURST_SECONDS}s POST /auth/login (wrong passwords, new logins and addresses), with GET /challenges/ -t1 -c32 -d${DURATION}s"
    timeout $((BURST_SECONDS + 20)) wrk -t1 -c64 -d"${BURST_SECONDS}s" --timeout 10s --latency -s "$TMP_DIR/flood.lua" \
        "$BASE/auth/login" >"$TMP_DIR/burst-logins.out" 2>&1 &
    BURST_PID=$!
    sleep "$BURST_LEAD"
    measure burst 1 -t1 -c32 -d"${DURATION}s" --latency "$BASE/challenges/"
    wait "$BURST_PID" || { cat "$TMP_DIR/burst-logins.out" >&2; die "login flood wrk failed"; }
    BURST_PID=""
    LOGINS_PER_S="$(wrk_req "$TMP_DIR/burst-logins.out")"
    LOGIN_P99="$(wrk_p99 "$TMP_DIR/burst-logins.out")"
    [[ -n "$LOGINS_PER_S" ]] || { cat "$TMP_DIR/burst-logins.out" >&2; die "cannot parse the login flood output"; }
    flood_count() { awk -v s="$1:" '$1 == "flood" && $3 == s {print $4}' "$TMP_DIR/burst-logins.out"; }
    FLOOD_401="$(flood_count 401)"; FLOOD_503="$(flood_count 503)"; FLOOD_429="$(flood_count 429)"
    # Only 401 (hashed), 503 (refused at once) and 429 are expected; anything else is an error.
    LOGIN_BAD="$(awk '$1 == "flood" && $3 != "401:" && $3 != "503:" && $3 != "429:" { n += $4 }
        /Socket errors:/ { gsub(",", ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' "$TMP_DIR/burst-logins.out")"
    FLOOD_RATIO="$(awk -v a="${RESULT_P99[burst]}" -v b="${RESULT_P99[baseline]}" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')"
    log "logins: $LOGINS_PER_S/s (401 hashed: ${FLOOD_401:-0}, 503 refused: ${FLOOD_503:-0}, 429: ${FLOOD_429:-0}), p99 $LOGIN_P99 ms, errors $LOGIN_BAD"
fi

# ---------------------------------------------------------------------------------------------
# 5. Summary.
verdict() { # verdict VALUE OP TARGET
    if awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN { exit !((op == ">=") ? (v >= t) : (v < t)) }'; then
        echo "ok"
    else
        echo "MISSED"
    fi
}
ERRORS=$LOGIN_BAD
for key in root challenges profile benchmark v2profile board baseline burst; do ERRORS=$((ERRORS + ${RESULT_BAD[$key]:-0})); done

row() { # row LABEL REQ P99 CPU YARDSTICK YARDSTICK_P99 RATIO TARGET RESULT
    printf '| %-50s | %9s | %7s | %10s | %9s | %8s | %6s | %-22s | %-6s |\n' "$@"
}
ratio_row() { # ratio_row KEY LABEL [MIN_RATIO] : without MIN_RATIO, reported without a target
    local key=$1 label=$2 min=${3:-} result="" target="(report)"
    if [[ -n "$min" ]]; then
        target=">= ${min}x, p99 < 5 ms"
        result="$(verdict "${RESULT_RATIO[$key]}" '>=' "$min")"
        [[ "$(verdict "${RESULT_P99[$key]}" '<' 5)" == ok ]] || result="MISSED"
    fi
    row "$label" "$(printf '%.0f' "${RESULT_REQ[$key]}")" "${RESULT_P99[$key]}" "${RESULT_CPU[$key]}" \
        "$(printf '%.0f' "${RESULT_YARD[$key]}")" "${RESULT_P99[$key-yardstick]}" "${RESULT_RATIO[$key]}" \
        "$target" "$result"
}
echo
echo "zr benchmark $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$REPO_ROOT" describe --always --dirty 2>/dev/null || echo '?')," \
    "$(nproc) cores, ZR_THREADS=${ZR_THREADS:-default} ZR_HASH_THREADS=${ZR_HASH_THREADS:-default}," \
    "machine ${IDLE_BEFORE}% idle before the run"
echo
row "measure (medians of $RUNS rounds)" "req/s" "p99 ms" "CPU us/req" "yardstick" "yard p99" "ratio" "target" "result"
row "$(printf -- '-%.0s' {1..50})" "---------" "-------" "----------" "---------" "--------" "------" "----------------------" "------"
wanted root && ratio_row root "GET / (-t2 -c64)" 0.7
wanted challenges && ratio_row challenges "GET /challenges/, 7 challenges (-t2 -c64)" 0.5
wanted profile && ratio_row profile "GET /users/profile, Bearer (-t2 -c64)" 0.9
wanted benchmark && ratio_row benchmark "GET /benchmarks/{label}/info (-t2 -c64)" 0.9
wanted v2profile && ratio_row v2profile "GET /users/{username}/profile, Bearer (-t2 -c64)" 0.9
wanted board && ratio_row board "GET /leaderboards/{label}/json, $((BOARD_BYTES / 1024)) KiB (-t2 -c64)"
if wanted burst; then
    row "GET /challenges/ alone (-t1 -c32)" "$(printf '%.0f' "${RESULT_REQ[baseline]}")" \
        "${RESULT_P99[baseline]}" "${RESULT_CPU[baseline]}" "" "" "" "(baseline)" ""
    row "GET /challenges/ during login flood (-t1 -c32)" "$(printf '%.0f' "${RESULT_REQ[burst]}")" \
        "${RESULT_P99[burst]}" "${RESULT_CPU[burst]}" "" "" "$FLOOD_RATIO" "p99 < 10 ms" "$(verdict "${RESULT_P99[burst]}" '<' 10)"
    row "POST /auth/login flood (-t1 -c64)" "$LOGINS_PER_S" "$LOGIN_P99" "" "" "" "" \
        "401/503/429 ${FLOOD_401:-0}/${FLOOD_503:-0}/${FLOOD_429:-0}" ""
fi
echo
echo "yardstick: bench/yardstick's /ping (a bare Beast server, same build and IO threads), measured"
echo "right after zr's route in each round (yard p99: its median p99); ratio: median of the rounds'"
echo "zr req/s / yardstick req/s."
echo "CPU us/req: the server's CPU time (user+system, all threads) per completed request of that wrk run."
echo "Non-2xx responses or socket errors over all runs: $ERRORS"
[[ "$ERRORS" -eq 0 ]] || { log "some requests failed; see the figures with care"; exit 1; }
