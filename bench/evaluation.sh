#!/usr/bin/env bash
# Evaluation throughput benchmark (issue 4, "Benchmark"; run on demand, not part of the tests).
#
#   bash bench/evaluation.sh                       # embedded queue, 1, 2 and 4 workers
#   BENCH_WORKERS="2" BENCH_JOBS=500 bash bench/evaluation.sh
#   BENCH_BACKEND=rabbitmq bash bench/evaluation.sh   # a private broker (tests/e2e/rabbitmq.py), or
#   BENCH_BACKEND=rabbitmq ZR_RPC_PORT=5672 ZR_RPC_USERNAME=... bash bench/evaluation.sh  # a running one
#
# Builds Release into <repo>/build-bench. For each worker count N: a throw-away data folder with one
# user, one challenge whose evaluator is a bash script that exits 0 at once (`true`), and
# BENCH_JOBS (default 1000) submissions in status "uploaded" (rows written straight into SQLite,
# folders made as an upload leaves them: input/, scores/, archive.hash). `zr serve` starts with no
# local worker and queues them all (its start-up recovery queues uploaded submissions that have
# no job: one Enqueue each, the path an upload takes). Once the 1000 jobs are on eval_queue,
# `zr worker -n N` starts; the clock runs from its start until the service has recorded every
# submission "completed" (each job: claim, started update, bash run, complete update, ack; the
# service applies both updates, writes out.log, queues the e-mail, rebuilds leaderboards).
# Prints jobs/s per N. Target (issue 4): embedded >= 200 evaluations/s with 2 workers.
set -euo pipefail

LOG_PREFIX="evaluation-bench"
source "$(dirname "$0")/lib.sh"
JOBS="${BENCH_JOBS:-1000}"
WORKER_COUNTS="${BENCH_WORKERS:-1 2 4}"
BACKEND="${BENCH_BACKEND:-embedded}"
TMP_PARENT="${BENCH_TMPDIR:-/tmp}"
HOST_NAME="benchhost"

require_tools cmake ninja curl /usr/bin/python3
[[ "$JOBS" =~ ^[0-9]+$ && "$JOBS" -ge 1 ]] || die "BENCH_JOBS must be a positive integer"

TMP_DIR=""
WORKER_PID=""
LAUNCH_PID=""
BROKER_PID=""
cleanup() {
    local status=$1
    if [[ -n "$BROKER_PID" ]]; then
        exec {BROKER[1]}>&-  # end of its stdin: the helper stops the broker and removes its folder
        wait "$BROKER_PID" 2>/dev/null || true
    fi
    [[ -n "$WORKER_PID" ]] && stop_gracefully "zr worker" "$WORKER_PID"
    [[ -n "$LAUNCH_PID" ]] && stop_gracefully "zr serve" "$LAUNCH_PID"
    finish_cleanup "$status"
}
trap 'cleanup $?' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# count SQL : one number from the benchmark's database.
count() {
    /usr/bin/python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1], timeout=30).execute(sys.argv[2]).fetchone()[0])' \
        "$DATA_DIR/zerospeech.db" "$1"
}

# wait_count SQL WANTED SECONDS : polls until count SQL >= WANTED; dies after SECONDS.
wait_count() {
    local deadline=$((SECONDS + $3))
    while (($(count "$1") < $2)); do
        ((SECONDS < deadline)) || die "timed out waiting for: $1 >= $2 (now $(count "$1"))"
        kill -0 "$LAUNCH_PID" 2>/dev/null || die "zr serve exited"
        sleep 0.02
    done
}

# seed_submissions : JOBS uploaded submissions of the bench user to the bench challenge.
seed_submissions() {
    /usr/bin/python3 - "$DATA_DIR" "$JOBS" <<'PY'
import os, sqlite3, sys, uuid
data, n = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(os.path.join(data, "zerospeech.db"))
user_id = db.execute("SELECT id FROM users_credentials WHERE username = 'bench'").fetchone()[0]
track_id = db.execute("SELECT id FROM challenges WHERE label = 'bench-track'").fetchone()[0]
rows = []
for i in range(n):
    sid = "202401-0100-%04d-%s" % (i, uuid.uuid4())
    rows.append((sid, user_id, track_id, "2024-01-01 00:%02d:%02d.%06d" % (i // 60 % 60, i % 60, i), "uploaded"))
    folder = os.path.join(data, "submissions", sid)
    os.makedirs(os.path.join(folder, "input"))
    os.makedirs(os.path.join(folder, "scores"))
    with open(os.path.join(folder, "archive.hash"), "w") as f:
        f.write("0" * 32)
    with open(os.path.join(folder, "out.log"), "w") as f:
        f.write("[2024-01-01 00:00:00] submission %s created\n" % sid)
with db:
    db.executemany("INSERT INTO challenge_submissions (id, user_id, track_id, submit_date, status) "
                   "VALUES (?, ?, ?, ?, ?)", rows)
PY
}

# run_once N : prints the jobs/s of N workers on a fresh data folder.
run_once() {
    local workers=$1
    TMP_DIR="$(mktemp -d "$TMP_PARENT/zr-evaluation-bench.XXXXXX")"
    DATA_DIR="$TMP_DIR/data"
    mkdir -p "$DATA_DIR" "$TMP_DIR/bin"
    printf '#!/bin/bash\nexit 0\n' >"$TMP_DIR/bin/true.sh"
    printf 'evaluators:\n  true:\n    executor: bash\n    script_path: true.sh\n' >"$TMP_DIR/bin/index.yml"
    SERVER_ENV=(ZR_DATA_FOLDER="$DATA_DIR" ZR_HOST=127.0.0.1 ZR_PORT=0 ZR_SHUTDOWN_GRACE=2s
                ZR_HOSTNAME="$HOST_NAME" ZR_REMOTE_BIN="{\"$HOST_NAME\": \"$TMP_DIR/bin\"}"
                ZR_QUEUE_BACKEND="$BACKEND" ZR_LOCAL_WORKERS=0)
    for var in ZR_RPC_HOST ZR_RPC_PORT ZR_RPC_USERNAME ZR_RPC_PASSWORD ZR_RPC_VHOST; do
        [[ -n "${!var:-}" ]] && SERVER_ENV+=("$var=${!var}")
    done
    seed_data '[{"label": "bench-track", "start_date": "01/01/2024", "end_date": null, "url": "https://example.org",
      "active": true, "evaluator": null}]'
    run_zr evaluator:discover --local >>"$TMP_DIR/seed.log" 2>&1 || die "evaluator:discover failed"
    local evaluator track
    evaluator=$(count "SELECT id FROM evaluators WHERE label = 'true'")
    track=$(count "SELECT id FROM challenges WHERE label = 'bench-track'")
    run_zr challenges:set "$track" evaluator "$evaluator" >>"$TMP_DIR/seed.log" 2>&1 || die "challenges:set failed"
    seed_submissions

    local queue_start queued_at
    queue_start=$(date +%s.%N)
    start_server
    wait_for_port
    wait_count "SELECT COUNT(*) FROM evaluation_jobs WHERE published = 1" "$JOBS" 300
    queued_at=$(date +%s.%N)
    log "$JOBS jobs queued by the server's start-up in $(awk -v a="$queue_start" -v b="$queued_at" 'BEGIN { printf "%.2f", b - a }') s"

    local idle start end
    idle=$(machine_idle_percent)
    start=$(date +%s.%N)
    (cd "$TMP_DIR" && exec env "${SERVER_ENV[@]}" "$ZR" worker -n "$workers") >"$TMP_DIR/worker.log" 2>&1 &
    WORKER_PID=$!
    wait_count "SELECT COUNT(*) FROM challenge_submissions WHERE status = 'completed'" "$JOBS" 600
    end=$(date +%s.%N)
    local failed
    failed=$(count "SELECT COUNT(*) FROM evaluation_jobs WHERE state != 'completed'")
    ((failed == 0)) || die "$failed jobs not completed"
    stop_gracefully "zr worker" "$WORKER_PID"
    WORKER_PID=""
    stop_gracefully "zr serve" "$LAUNCH_PID"
    LAUNCH_PID=""
    rm -rf "$TMP_DIR"
    TMP_DIR=""
    awk -v a="$start" -v b="$end" -v n="$JOBS" -v w="$workers" -v idle="$idle" -v backend="$BACKEND" \
        'BEGIN { printf "%s queue, %d worker(s): %d evaluations in %.2f s = %.0f evaluations/s (machine %s%% idle before)\n", backend, w, n, b - a, n / (b - a), idle }'
}

# start_broker : a private RabbitMQ broker on loopback (the e2e tests' recipe); exports ZR_RPC_*.
start_broker() {
    log "starting a private RabbitMQ broker"
    coproc BROKER { cd "$REPO_ROOT/tests/e2e" && exec /usr/bin/python3 -c '
import sys
from rabbitmq import Broker
broker = Broker().start()
print(broker.port, flush=True)
sys.stdin.read()
broker.destroy()
'; }
    local port
    read -r -t 120 port <&"${BROKER[0]}" || die "the broker did not start"
    export ZR_RPC_HOST=127.0.0.1 ZR_RPC_PORT="$port" ZR_RPC_USERNAME=guest ZR_RPC_PASSWORD=guest ZR_RPC_VHOST=/
}

build_release
if [[ "$BACKEND" == rabbitmq && -z "${ZR_RPC_PORT:-}" ]]; then start_broker; fi
for n in $WORKER_COUNTS; do
    log "$JOBS jobs, $n worker(s), $BACKEND queue"
    run_once "$n"
done
