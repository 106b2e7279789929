#!/usr/bin/env bash
# Mixed-load soak of `zr serve` (issue 8, part 3; run on demand, not part of the test suite).
#
#   bash bench/soak.sh [MINUTES]                               # default 5 minutes
#   SOAK_UPLOADERS=4 SOAK_MAX_MB=60 bash bench/soak.sh 1       # quick check of the script
#
# Builds Release into <repo>/build-bench, seeds a throw-away data folder (3 open challenges with a
# bash evaluator that sleeps 0.5-3 s and writes scores/entry.json, 2 leaderboards per challenge,
# one user per uploader), starts `zr serve` with ZR_LOCAL_WORKERS=2 and runs bench/soak.py for
# MINUTES: readers (wrk) on GET /challenges/, /users/profile, /users/submissions, /leaderboards/,
# /leaderboards/{id}/json, and uploaders sending 50-200 MB archives in parts (with wrong-md5,
# broken-off and duplicate parts on purpose) while the uploads are evaluated. Then it waits for
# every submission to be final and checks: zero 5xx, no lost or corrupt submission, every one
# final, no fd or thread leak. Prints the figures; exits 1 if a check failed.
#
# The bench owns its temporary folder: each submission's input.zip and input/ are deleted once its
# md5 and content were checked, and the data folder and archives are removed at the end; the
# small files (summary.json, server.log.gz, wrk scripts and outputs) stay, the path is printed.
#
# Environment (defaults): SOAK_READERS=200 SOAK_UPLOADERS=20 SOAK_MIN_MB=50 SOAK_MAX_MB=200
# SOAK_PART_MB=50 (multipart part size) SOAK_READER_PAUSE_MS=100 (each reader's pause between two
# requests, 0 = as fast as possible) SOAK_LOCAL_WORKERS=2 SOAK_TMPDIR=/tmp (parent of the
# temporary folder) SOAK_MIN_FREE_MB=2048 (the uploads stop below this much free disk)
# SOAK_FINAL_TIMEOUT=600 (seconds to wait for final states after the load) SOAK_SAMPLE_SECONDS=5
# SOAK_FD_SLACK=4 SOAK_DB_CONNECTIONS=17 SOAK_THREAD_SLACK=2 (leak checks) SOAK_SEED=1.
# ZR_THREADS / ZR_HASH_THREADS are passed to the server as given. MB = 10^6 bytes.
set -euo pipefail

LOG_PREFIX="soak"
source "$(dirname "$0")/lib.sh"
MINUTES="${1:-5}"
READERS="${SOAK_READERS:-200}"
UPLOADERS="${SOAK_UPLOADERS:-20}"
MIN_MB="${SOAK_MIN_MB:-50}"
MAX_MB="${SOAK_MAX_MB:-200}"
PART_MB="${SOAK_PART_MB:-50}"
PAUSE_MS="${SOAK_READER_PAUSE_MS:-100}"
LOCAL_WORKERS="${SOAK_LOCAL_WORKERS:-2}"
TMP_PARENT="${SOAK_TMPDIR:-/tmp}"
MIN_FREE_MB="${SOAK_MIN_FREE_MB:-2048}"
FINAL_TIMEOUT="${SOAK_FINAL_TIMEOUT:-600}"
SAMPLE_SECONDS="${SOAK_SAMPLE_SECONDS:-5}"
FD_SLACK="${SOAK_FD_SLACK:-4}"
THREAD_SLACK="${SOAK_THREAD_SLACK:-2}"
# The server pools up to 16 idle SQLite connections (kMaxIdleConnections, src/db/database.hpp) and
# an evaluation consumer may hold one: the database's fds are checked against that bound, the
# other fds (sockets, pipes, files) against SOAK_FD_SLACK.
DB_CONNECTIONS="${SOAK_DB_CONNECTIONS:-17}"
SEED="${SOAK_SEED:-1}"
READER_TOKENS=5
PASSWORD="Soak-Passw0rd-42"

require_tools cmake ninja wrk /usr/bin/python3
[[ "$MINUTES" =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v m="$MINUTES" 'BEGIN { exit !(m > 0) }' \
    || die "MINUTES must be a positive number (got '$MINUTES')"
for var in READERS UPLOADERS MIN_MB MAX_MB PART_MB PAUSE_MS LOCAL_WORKERS MIN_FREE_MB FINAL_TIMEOUT FD_SLACK \
    THREAD_SLACK DB_CONNECTIONS SEED; do
    [[ "${!var}" =~ ^[0-9]+$ ]] || die "SOAK_$var must be a non-negative integer (got '${!var}')"
done
((READERS >= 5)) || die "SOAK_READERS must be at least 5 (one per route)"
((UPLOADERS >= 1 && MIN_MB >= 1 && MIN_MB <= MAX_MB && PART_MB >= 2)) \
    || die "need SOAK_UPLOADERS >= 1, 1 <= SOAK_MIN_MB <= SOAK_MAX_MB, SOAK_PART_MB >= 2"
((LOCAL_WORKERS >= 1)) || die "SOAK_LOCAL_WORKERS must be at least 1 (the submissions must be evaluated)"

# Disk budget: per uploader, its archive, the submission being uploaded (its parts) and the one
# before it (parts + merged input.zip + unzipped input/ until it is checked and deleted): 5x the
# largest archive; plus 2 GB for the access log and the rest, plus the guard kept free.
mkdir -p "$TMP_PARENT"
NEED_MB=$((UPLOADERS * MAX_MB * 5 + 2000))
AVAIL_MB=$(($(df --output=avail -k "$TMP_PARENT" | tail -n 1 | tr -d ' ') * 1024 / 1000000))
log "disk budget: $NEED_MB MB at most in $TMP_PARENT (+ $MIN_FREE_MB MB kept free); $AVAIL_MB MB available"
((AVAIL_MB >= NEED_MB + MIN_FREE_MB)) \
    || die "not enough free disk in $TMP_PARENT: lower SOAK_UPLOADERS or SOAK_MAX_MB, or set SOAK_TMPDIR"

# ---------------------------------------------------------------------------------------------
# Clean-up: stop the server, remove the big files, keep the small ones (summary, logs).
TMP_DIR=""
SERVER_PID=""
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    [[ -n "$SERVER_PID" ]] && stop_gracefully server "$SERVER_PID" 15
    if [[ -n "$TMP_DIR" && -d "$TMP_DIR" ]]; then
        if [[ $status -ne 0 && -f "$TMP_DIR/server.log" ]]; then
            log "last lines of the server log:"
            tail -n 20 "$TMP_DIR/server.log" >&2 || true
        fi
        rm -rf "$TMP_DIR/data" "$TMP_DIR/archives" "$TMP_DIR/bin"
        [[ -f "$TMP_DIR/server.log" ]] && gzip -1 "$TMP_DIR/server.log"
        log "kept in $TMP_DIR: summary.json (if the soak got that far), server.log.gz, wrk scripts and outputs"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

build_release

TMP_DIR="$(mktemp -d "$TMP_PARENT/zr-soak.XXXXXX")"
DATA_DIR="$TMP_DIR/data"
BIN_DIR="$TMP_DIR/bin"
mkdir -p "$DATA_DIR" "$BIN_DIR" "$TMP_DIR/baselines"

# The evaluator: reads the input, sleeps 0.5-3 s, writes a leaderboard entry under scores/.
cat >"$BIN_DIR/soak-eval.sh" <<'EOF'
#!/bin/bash
set -eu
folder="$1"
model=$(cat "$folder/input/meta.txt")
files=$(find "$folder/input" -type f | wc -l)
bytes=$(du -sb "$folder/input" | cut -f1)
ms=$((500 + RANDOM % 2501))
sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
printf '{"model": "%s", "score": 0.%04d, "files": %d, "bytes": %d, "eval_ms": %d}\n' \
    "$model" $((RANDOM % 10000)) "$files" "$bytes" "$ms" >"$folder/scores/entry.json"
echo "soak evaluator: $model, $files files, $bytes bytes, $ms ms"
EOF
chmod +x "$BIN_DIR/soak-eval.sh"
printf 'evaluators:\n  soak-eval:\n    executor: bash\n    script_path: soak-eval.sh\n' >"$BIN_DIR/index.yml"
# 100 baseline entries, shown on one leaderboard of each challenge.
/usr/bin/python3 -c '
import json, sys
print(json.dumps([{"model": f"baseline-{i:03d}", "score": round(i / 100, 2), "files": 0, "bytes": 0,
                   "eval_ms": 0, "description": "a baseline entry of the soak " * 3} for i in range(100)]))
' >"$TMP_DIR/baselines/baselines.json"

HOST_NAME="soakhost"
SERVER_ENV=(ZR_DATA_FOLDER="$DATA_DIR" ZR_HOST=127.0.0.1 ZR_PORT=0 ZR_SHUTDOWN_GRACE=5s
    ZR_hostname="$HOST_NAME" ZR_REMOTE_BIN="{\"$HOST_NAME\": \"$BIN_DIR\"}" ZR_LOCAL_WORKERS="$LOCAL_WORKERS"
    ZR_EVAL_TIME_LIMIT=120 ZR_MAX_SUBMISSIONS_PER_DAY=0 ZR_MAX_SUBMISSIONS_TOTAL=0
    ZR_MAX_UPLOAD_PART_BYTES="$((MAX_MB + 16))M")
for var in ZR_THREADS ZR_HASH_THREADS; do
    [[ -n "${!var:-}" ]] && SERVER_ENV+=("$var=${!var}")
done

# zr_step ARGS... : run_zr ARGS, output appended to seed.log; dies with that log on failure.
zr_step() { run_zr "$@" >>"$TMP_DIR/seed.log" 2>&1 || { cat "$TMP_DIR/seed.log" >&2; die "zr $1 failed"; }; }
# sql QUERY : the first column of each row of QUERY on the data folder's database, one a line.
sql() {
    /usr/bin/python3 -c 'import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print(row[0])' "$DATA_DIR/zerospeech.db" "$1"
}

seed_data "$(/usr/bin/python3 -c '
import json
print(json.dumps([{"label": label, "start_date": "2021-01-01", "end_date": None, "url": "https://x.org",
                   "active": label != "soak-old", "evaluator": None}
                  for label in ("soak-2019", "soak-2020", "soak-2021", "soak-old")]))')"
/usr/bin/python3 - "$UPLOADERS" "$PASSWORD" >"$TMP_DIR/users.json" <<'EOF'
import json, sys
n, password = int(sys.argv[1]), sys.argv[2]
print(json.dumps([{"username": f"soak{i:02d}", "email": f"soak{i:02d}@example.org", "password": password,
                   "first_name": "Soak", "last_name": f"Uploader {i}", "affiliation": "Soak Lab"}
                  for i in range(1, n + 1)]))
EOF
zr_step users:create -f "$TMP_DIR/users.json" --verified
zr_step evaluator:discover --local
EVALUATOR_ID="$(sql "SELECT id FROM evaluators WHERE label = 'soak-eval'")"
[[ -n "$EVALUATOR_ID" ]] || die "the soak evaluator was not discovered"
CHALLENGE_IDS=($(sql "SELECT id FROM challenges WHERE active = 1 ORDER BY id"))
for id in "${CHALLENGE_IDS[@]}"; do zr_step challenges:set "$id" evaluator "$EVALUATOR_ID"; done
# Two leaderboards per challenge: by score with the baselines, by evaluation time without.
/usr/bin/python3 - "$TMP_DIR/baselines" "${CHALLENGE_IDS[@]}" >"$TMP_DIR/boards.json" <<'EOF'
import json, sys
baselines, ids = sys.argv[1], [int(i) for i in sys.argv[2:]]
board = {"entry_file": "scores/entry.json", "archived": False, "static_files": False}
print(json.dumps([dict(board, label=f"c{i}-{kind}", challenge_id=i, path_to=f"c{i}-{kind}.json",
                       external_entries=baselines if kind == "score" else None, sorting_key=key)
                  for i in ids for kind, key in (("score", "-score"), ("time", "eval_ms"))]))
EOF
zr_step leaderboards:create -f "$TMP_DIR/boards.json"
zr_step leaderboards:build --all

log "starting zr serve (ZR_LOCAL_WORKERS=$LOCAL_WORKERS, ZR_THREADS=${ZR_THREADS:-<default>})"
start_server
SERVER_PID=$LAUNCH_PID
wait_for_port
log "server pid $SERVER_PID on $BASE"

IDLE_BEFORE="$(machine_idle_percent)"
log "machine idle before the load: ${IDLE_BEFORE}% (load average $(cut -d' ' -f1-3 /proc/loadavg))"
((IDLE_BEFORE >= 90)) || log "WARNING: the machine is busy (compiles? tests?); the figures will be low"

status=0
/usr/bin/python3 -B "$REPO_ROOT/bench/soak.py" --base-url "$BASE" --pid "$SERVER_PID" --data-dir "$DATA_DIR" \
    --submissions-dir "$DATA_DIR/submissions" --out-dir "$TMP_DIR" --server-log "$TMP_DIR/server.log" \
    --password "$PASSWORD" --commit "$(git -C "$REPO_ROOT" describe --always --dirty 2>/dev/null || echo '?')" \
    --minutes "$MINUTES" --readers "$READERS" --uploaders "$UPLOADERS" --min-mb "$MIN_MB" --max-mb "$MAX_MB" \
    --part-mb "$PART_MB" --pause-ms "$PAUSE_MS" --reader-tokens "$READER_TOKENS" --final-timeout "$FINAL_TIMEOUT" \
    --settle-seconds 5 --fd-slack "$FD_SLACK" --db-connections "$DB_CONNECTIONS" --thread-slack "$THREAD_SLACK" \
    --min-free-mb "$MIN_FREE_MB" --seed "$SEED" --idle-before "$IDLE_BEFORE" --local-workers "$LOCAL_WORKERS" \
    --sample-seconds "$SAMPLE_SECONDS" \
    || status=$?
((status == 0)) || log "the soak failed (exit status $status)"
exit "$status"
