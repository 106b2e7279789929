# Set-up shared by the bench/*.sh scripts; sourced, not run:
#   source "$(dirname "$0")/lib.sh"
# The caller sets LOG_PREFIX before sourcing, and TMP_DIR / SERVER_ENV before seeding or starting
# the server. Functions that need $ZR, $TMP_DIR or $BASE say so.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BENCH_BUILD_DIR:-$REPO_ROOT/build-bench}"  # BENCH_BUILD_DIR: another Release build folder
USERNAME="bench"
PASSWORD="Zr-Passw0rd-42"

# log MESSAGE... : prints "[$LOG_PREFIX] MESSAGE" on stderr.
log() { printf '[%s] %s\n' "$LOG_PREFIX" "$*" >&2; }
# die MESSAGE... : logs "ERROR: MESSAGE" and exits 1.
die() { log "ERROR: $*"; exit 1; }

# require_tools TOOL... : installs the benchmark packages (scripts/setup.sh --bench) if a TOOL is
# missing, then dies if one still is.
require_tools() {
    local tool missing=()
    for tool in "$@"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
    ((${#missing[@]} == 0)) && return 0
    log "missing ${missing[*]}: running scripts/setup.sh --bench"
    "$REPO_ROOT/scripts/setup.sh" --bench >&2 || die "scripts/setup.sh --bench failed"
    for tool in "$@"; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
}

# machine_idle_percent : share of idle CPU over one second (others' compiles skew the figures).
machine_idle_percent() {
    local a b
    a=($(awk '/^cpu / {print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $5 + $6}' /proc/stat))
    sleep 1
    b=($(awk '/^cpu / {print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $5 + $6}' /proc/stat))
    awk -v t=$((b[0] - a[0])) -v i=$((b[1] - a[1])) 'BEGIN { printf "%.0f", (t > 0) ? 100 * i / t : 0 }'
}

# build_release : builds the working tree's zr and the yardstick (bench/yardstick) in Release into
# $BUILD_DIR; sets ZR and YARDSTICK, dies on failure.
build_release() {
    log "building Release into $BUILD_DIR"
    (
        cd "$REPO_ROOT"
        cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DZR_BUILD_TESTS=OFF -DZR_BUILD_BENCH=ON >/dev/null
        ninja -C "$BUILD_DIR" zr zr_yardstick >/dev/null
    ) || die "build failed"
    ZR="$BUILD_DIR/zr"
    YARDSTICK="$BUILD_DIR/zr_yardstick"
    [[ -x "$ZR" && -x "$YARDSTICK" ]] || die "$ZR or $YARDSTICK not found after the build"
}

# run_zr ARGS... : runs `zr ARGS` in $TMP_DIR (so that no stray .env is read) with the ${SERVER_ENV[@]} settings.
run_zr() { (cd "$TMP_DIR" && env "${SERVER_ENV[@]}" "$ZR" "$@"); }

# seed_data CHALLENGES_JSON : writes it and one verified user ($USERNAME) to $TMP_DIR, loads both with zr.
seed_data() {
    printf '%s\n' "$1" >"$TMP_DIR/challenges.json"
    cat >"$TMP_DIR/users.json" <<EOF
[{"username": "$USERNAME", "email": "bench@example.org", "password": "$PASSWORD",
  "first_name": "Bench", "last_name": "Mark", "affiliation": "Bench Lab"}]
EOF
    log "seeding $DATA_DIR"
    run_zr challenges:new -f "$TMP_DIR/challenges.json" >"$TMP_DIR/seed.log" 2>&1 \
        || { cat "$TMP_DIR/seed.log" >&2; die "challenges:new failed"; }
    run_zr users:create -f "$TMP_DIR/users.json" --verified >>"$TMP_DIR/seed.log" 2>&1 \
        || { cat "$TMP_DIR/seed.log" >&2; die "users:create failed"; }
}

# seed_bench_data : seed_data with the benchmark's challenges (7 open, 1 closed) and user.
seed_bench_data() {
    seed_data '[
      {"label": "bench-2015", "start_date": "2015-01-01", "end_date": null, "url": "https://x.org", "active": true, "evaluator": null},
      {"label": "bench-2017", "start_date": "2017-01-01", "end_date": null, "url": "https://x.org", "active": true, "evaluator": null},
      {"label": "bench-2019", "start_date": "2019-01-01", "end_date": null, "url": "https://x.org", "active": true, "evaluator": null},
      {"label": "bench-2020", "start_date": "2020-01-01", "end_date": null, "url": "https://x.org", "active": true, "evaluator": null},
      {"label": "bench-2021", "start_date": "2021-01-01", "end_date": null, "url": "https://x.org", "active": true, "evaluator": null},
      {"label": "bench-2023", "start_date": "2023-01-01", "end_date": null, "url": "https://x.org", "active": true, "evaluator": null},
      {"label": "bench-2025", "start_date": "2025-01-01", "end_date": "2030-12-31", "url": "https://x.org", "active": true, "evaluator": null},
      {"label": "bench-old",  "start_date": "2021-01-01", "end_date": null, "url": "https://x.org", "active": false, "evaluator": null}
    ]'
}

# seed_completed_submissions CHALLENGE_LABEL COUNT : COUNT completed submissions of $USERNAME to
# that challenge, each with a scores/entry.json of about 560 bytes (rows written straight into the
# SQLite file, as an evaluation would leave them; seeded random scores). Needs $DATA_DIR.
seed_completed_submissions() {
    log "writing $2 completed submissions with entry files"
    /usr/bin/python3 - "$DATA_DIR" "$1" "$2" "$USERNAME" <<'PY' || die "seeding the submissions failed"
import json, os, random, sqlite3, sys
data, label, n, username = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
db = sqlite3.connect(os.path.join(data, "zerospeech.db"))
user_id = db.execute("SELECT id FROM users_credentials WHERE username = ?", (username,)).fetchone()[0]
track_id = db.execute("SELECT id FROM challenges WHERE label = ?", (label,)).fetchone()[0]
rng = random.Random(42)
rows = []
for i in range(n):
    sid = "202401-%04d-%04d-%s" % (i // 10000, i % 10000, "%032x" % rng.getrandbits(128))
    date = "2024-01-%02d %02d:%02d:%02d.%06d" % (1 + i // 86400 % 28, i // 3600 % 24, i // 60 % 60, i % 60, i)
    rows.append((sid, user_id, track_id, date, "completed"))
    scores = os.path.join(data, "submissions", sid, "scores")
    os.makedirs(scores)
    entry = {"model_id": "model-%d" % i, "author_label": username, "submission_date": date,
             "scores": {"accuracy": round(rng.random(), 6), "time": rng.randint(1, 1000),
                        "per_set": {s: round(rng.random(), 4) for s in ("dev-clean", "dev-other", "test-clean", "test-other")}},
             "details": {"train_set": "librispeech", "gpu_budget": rng.randint(1, 100), "description": "x" * 200}}
    with open(os.path.join(scores, "entry.json"), "w") as f:
        json.dump(entry, f)
db.executemany("INSERT INTO challenge_submissions (id, user_id, track_id, submit_date, status) VALUES (?, ?, ?, ?, ?)", rows)
db.commit()
PY
}

# create_leaderboard CHALLENGE_LABEL BOARD_LABEL : a leaderboard of that challenge's scores/entry.json,
# sorted by "-scores.accuracy,scores.time", created with zr leaderboards:create; sets BOARD_ID.
create_leaderboard() {
    local challenge_id
    challenge_id="$(/usr/bin/python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT id FROM challenges WHERE label = ?", (sys.argv[2],)).fetchone()[0])' \
        "$DATA_DIR/zerospeech.db" "$1")" || die "no challenge $1"
    cat >"$TMP_DIR/leaderboards.json" <<EOF
[{"label": "$2", "challenge_id": $challenge_id, "path_to": "$2.json", "entry_file": "scores/entry.json",
  "external_entries": null, "archived": false, "static_files": false, "sorting_key": "-scores.accuracy,scores.time"}]
EOF
    run_zr leaderboards:create -f "$TMP_DIR/leaderboards.json" >"$TMP_DIR/create.log" 2>&1 \
        || { cat "$TMP_DIR/create.log" >&2; die "leaderboards:create failed"; }
    BOARD_ID="$(sed -n 's/^created leaderboard \([0-9]*\).*/\1/p' "$TMP_DIR/create.log")"
    [[ -n "$BOARD_ID" ]] || die "no leaderboard id in: $(cat "$TMP_DIR/create.log")"
}

# serve_bench_data NAME [SEED_MORE] : a fresh $TMP_DIR (/tmp/zr-NAME.XXXXXX) with seed_bench_data
# (then the function SEED_MORE, if given), and `zr serve` on a free loopback port; sets TMP_DIR,
# DATA_DIR, SERVER_ENV, SERVER_PID, PORT, BASE.
serve_bench_data() {
    TMP_DIR="$(mktemp -d "/tmp/zr-$1.XXXXXX")"
    DATA_DIR="$TMP_DIR/data"
    mkdir -p "$DATA_DIR"
    SERVER_ENV=(ZR_DATA_FOLDER="$DATA_DIR" ZR_HOST=127.0.0.1 ZR_PORT=0 ZR_SHUTDOWN_GRACE=2s)
    seed_bench_data
    [[ -z "${2:-}" ]] || "$2"
    start_server
    SERVER_PID=$LAUNCH_PID
    wait_for_port
}

# start_server [WRAPPER...] : starts `WRAPPER... zr serve` like run_zr, in the background, output in
# $TMP_DIR/server.log; sets LAUNCH_PID (the background job, zr itself without a wrapper).
start_server() {
    (cd "$TMP_DIR" && exec env "${SERVER_ENV[@]}" "$@" "$ZR" serve) >"$TMP_DIR/server.log" 2>&1 &
    LAUNCH_PID=$!
}

# wait_for_listening PID LOG WHAT : waits up to 10 s for a "listening on http://127.0.0.1:<port>"
# line in LOG (zr serve and the yardstick print one); dies if PID exits first. Sets LISTEN_PORT.
wait_for_listening() {
    local pid=$1 log_file=$2 what=$3
    LISTEN_PORT=""
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || die "$what exited at start-up"
        LISTEN_PORT="$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$log_file" | head -n 1)"
        [[ -n "$LISTEN_PORT" ]] && return 0
        sleep 0.1
    done
    die "$what did not report its port within 10 s"
}

# wait_for_port : waits for the server's "listening on" log line; sets PORT and BASE.
wait_for_port() {
    wait_for_listening "$LAUNCH_PID" "$TMP_DIR/server.log" server
    PORT=$LISTEN_PORT
    BASE="http://127.0.0.1:$PORT"
}

# login : prints an access token for $USERNAME from POST $BASE/auth/login; fails if the login fails.
login() {
    curl -sS --max-time 10 -f -X POST --data "username=$USERNAME&password=$PASSWORD" "$BASE/auth/login" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

# stop_gracefully NAME PID [SECONDS] : SIGTERM, waits up to SECONDS (default 5), then SIGKILL; reaps PID if our child.
stop_gracefully() {
    local name=$1 pid=$2 seconds=${3:-5}
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq $((seconds * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        log "$name did not stop within $seconds s of SIGTERM, killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# finish_cleanup STATUS : on failure shows the end of the server log; removes $TMP_DIR; exits STATUS.
finish_cleanup() {
    local status=$1
    if [[ $status -ne 0 && -n "$TMP_DIR" && -f "$TMP_DIR/server.log" ]]; then
        log "last lines of the server log:"
        tail -n 20 "$TMP_DIR/server.log" >&2 || true
    fi
    [[ -n "$TMP_DIR" ]] && rm -rf "$TMP_DIR"
    exit "$status"
}

# wrk_req FILE : requests/s as wrk printed it.
wrk_req() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
# wrk_p99 FILE : 99th percentile latency in ms ("nan" for an unknown unit).
wrk_p99() {
    awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
         f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1;
         if (f < 0) { print "nan"; exit } printf "%.2f\n", v * f }' "$1"
}
# wrk_bad FILE : number of non-2xx/3xx responses + socket errors.
wrk_bad() { awk '/Non-2xx or 3xx responses:/ { n += $NF } /Socket errors:/ { gsub(",", ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' "$1"; }
