#!/usr/bin/env bash
# CPU profile of `zr serve` on a read route under load (run on demand, not part of the test suite).
#
#   bash bench/profile.sh [ROUTE...]      ROUTE: root, challenges, profile, benchmark, v2profile
#                                         (default: root, challenges, profile)
#
# Builds Release into <repo>/build-bench, seeds the data folder of bench/run.sh (7 open challenges,
# one verified user), starts `zr serve` and, per route, runs wrk -t2 -c64 against it while
# `perf record -F 999 --call-graph dwarf` samples the server for PROFILE_SECONDS (default 6). Prints
# per route the top PROFILE_TOP (default 25) symbols by self time and by inclusive time (children),
# as percentages of the server's samples. The perf data stays in PROFILE_KEEP (a folder) if set.
#
# Environment: ZR_THREADS (passed to the server), PROFILE_SECONDS, PROFILE_TOP, PROFILE_KEEP.
set -euo pipefail

LOG_PREFIX="profile"
source "$(dirname "$0")/lib.sh"
SECONDS_PER_ROUTE="${PROFILE_SECONDS:-6}"
TOP="${PROFILE_TOP:-25}"
ROUTES=("$@")
[[ ${#ROUTES[@]} -gt 0 ]] || ROUTES=(root challenges profile)
for route in "${ROUTES[@]}"; do
    [[ "$route" =~ ^(root|challenges|profile|benchmark|v2profile)$ ]] \
        || die "unknown route '$route' (root, challenges, profile, benchmark, v2profile)"
done
require_tools cmake ninja wrk curl python3 perf

TMP_DIR=""
SERVER_PID=""
WRK_PID=""
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$WRK_PID" ]] && kill -0 "$WRK_PID" 2>/dev/null; then kill -TERM "$WRK_PID" 2>/dev/null || true; fi
    [[ -n "$SERVER_PID" ]] && stop_gracefully server "$SERVER_PID" 5
    finish_cleanup "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

build_release
serve_bench_data profile
TOKEN="$(login)" || die "login failed"
printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$TOKEN" >"$TMP_DIR/auth.lua"
log "server pid $SERVER_PID on $BASE; machine $(machine_idle_percent)% idle"

# profile_route NAME PATH [WRK ARGS...] : wrk on PATH while perf samples the server; prints the tops.
profile_route() {
    local name=$1 path=$2; shift 2
    local data="$TMP_DIR/$name.perf"
    wrk -t2 -c64 -d"$((SECONDS_PER_ROUTE + 3))s" "$@" "$BASE$path" >"$TMP_DIR/$name.wrk" 2>&1 &
    WRK_PID=$!
    sleep 1  # past the connection set-up
    perf record -q -F 999 --call-graph dwarf,16384 -o "$data" -p "$SERVER_PID" -- sleep "$SECONDS_PER_ROUTE" \
        >"$TMP_DIR/$name.record.log" 2>&1 || { cat "$TMP_DIR/$name.record.log" >&2; die "perf record failed"; }
    wait "$WRK_PID" || { cat "$TMP_DIR/$name.wrk" >&2; die "wrk failed"; }
    WRK_PID=""
    [[ "$(wrk_bad "$TMP_DIR/$name.wrk")" -eq 0 ]] || { cat "$TMP_DIR/$name.wrk" >&2; die "wrk saw errors"; }
    echo
    echo "== GET $path: $(wrk_req "$TMP_DIR/$name.wrk") req/s while sampled (wrk -t2 -c64 $*)"
    echo "-- top $TOP by self time (% of the server's samples; names cut at 150 characters)"
    perf report -i "$data" --no-children --sort sym --stdio -g none --percent-limit 0.3 2>/dev/null \
        | awk -v top="$TOP" '!/^#/ && NF && n < top { print substr($0, 1, 150); n++ }'
    echo "-- top $TOP of our code and libraries by inclusive time (children, self)"
    perf report -i "$data" --children --sort sym --stdio -g none --percent-limit 0.3 2>/dev/null \
        | awk -v top="$TOP" '!/^#/ && NF && n < top && /zr::|spdlog::|fmt::|nlohmann::|sqlite3|SQLite|malloc|free|write|sendmsg|recvmsg|timer|mutex/ &&
              !/zr::cli::|zr::api::Serve|Server::Impl::Run/ { print substr($0, 1, 150); n++ }'
    if [[ -n "${PROFILE_KEEP:-}" ]]; then
        mkdir -p "$PROFILE_KEEP"
        cp "$data" "$PROFILE_KEEP/"
    fi
}

for route in "${ROUTES[@]}"; do
    case "$route" in
        root) profile_route root / ;;
        challenges) profile_route challenges /challenges/ ;;
        profile) profile_route profile /users/profile -s "$TMP_DIR/auth.lua" ;;
        benchmark) profile_route benchmark /benchmarks/bench-2023/info ;;
        v2profile) profile_route v2profile "/users/$USERNAME/profile" -s "$TMP_DIR/auth.lua" ;;
    esac
done
