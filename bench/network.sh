#!/usr/bin/env bash
# Handover and recovery timings of evaluation over RabbitMQ (issue 21; run on demand, not part of
# the test suite: the e2e tests bound these loosely, this prints them).
#
#   bash bench/network.sh                          # ZR_RPC_HEARTBEAT 15s (the default), then 2s
#   BENCH_HEARTBEATS="2" BENCH_RUNS=3 bash bench/network.sh
#
# Builds Release into <repo>/build-bench and runs, against a private broker (tests/e2e/rabbitmq.py)
# and two `zr worker` processes of one pool (tests/e2e/test_network_stall.py):
#   - per heartbeat: a stall of one worker's network (StallProxy, both directions, sockets kept
#     open) in the middle of an evaluation: time to hand the job to the other worker, time for the
#     stalled worker to give its run up, time to reconnect once traffic flows; and a broker
#     restart: time from the broker accepting logins to a newly queued job being completed;
#   - at 2 s only (bounded by the tests' patience): SIGTERM during a stall, idle and holding a job;
#   - once, with the suite's settings: kill -9 of a worker mid-evaluation (time until the job starts
#     again on the other worker) and a broker restart in the middle of runs (evaluations started
#     per submission: 1 everywhere = no work repeated).
# Prints the figure lines. Takes about 1.5 minutes per heartbeat and run (plus the build).
set -euo pipefail

LOG_PREFIX="network-bench"
source "$(dirname "$0")/lib.sh"
HEARTBEATS="${BENCH_HEARTBEATS:-15 2}"
RUNS="${BENCH_RUNS:-1}"

require_tools cmake ninja /usr/bin/python3
[[ "$RUNS" =~ ^[0-9]+$ && "$RUNS" -ge 1 ]] || die "BENCH_RUNS must be a positive integer"
build_release

figures() {
    # pytest -s prints the tests' "[stall] ...", "[restart] ...", "[kill -9] ..." lines.
    (cd "$REPO_ROOT" && env ZR_BIN="$ZR" "$@" /usr/bin/python3 -m pytest -q -s -p no:cacheprovider "${TESTS[@]}" 2>&1) |
        grep -E '^\[(stall|restart|kill -9)\]|passed|failed' || true
}

for run in $(seq 1 "$RUNS"); do
    for heartbeat in $HEARTBEATS; do
        [[ "$heartbeat" =~ ^[0-9]+$ && "$heartbeat" -ge 1 ]] || die "BENCH_HEARTBEATS: seconds, not '$heartbeat'"
        log "run $run, ZR_RPC_HEARTBEAT=${heartbeat}s"
        TESTS=(tests/e2e/test_network_stall.py -k "mid_evaluation or broker_restart")
        [[ "$heartbeat" -le 2 ]] && TESTS=(tests/e2e/test_network_stall.py)
        figures ZR_STALL_HEARTBEAT="$heartbeat"
    done
    log "run $run, kill -9 and broker restart mid-run (tests/e2e/test_evaluation_rabbitmq.py)"
    TESTS=(tests/e2e/test_evaluation_rabbitmq.py -k "killed_mid_evaluation or broker_restart_mid_run")
    figures
done
