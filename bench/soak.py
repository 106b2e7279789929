"""Mixed-load soak of a running `zr serve` (issue 8, part 3); started by bench/soak.sh, which builds,
seeds and starts the server, then stops it and cleans up.

For MINUTES: readers (wrk, one process per route) cycle through the public and per-user read
routes while uploaders (threads) upload 50-200 MB archives in parts, with wrong-md5, broken-off and
duplicate parts on purpose, and the server's local workers evaluate what was uploaded. Then it
waits (bounded) for every submission to reach a final state and checks: no 5xx, no unexpected
answer, no lost or corrupt submission, every submission final and completed, leaderboards listing
every completed submission, no fd or thread leak. Prints a summary and writes summary.json into
--out-dir. Exit status 1 if a check failed.
"""
import argparse
import json
import os
import random
import sqlite3
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

from soak_clients import Http, Stats, login
from soak_readers import Route, WrkRun, merged_percentiles, route_figures
from soak_report import analyse_server_log, percentile, print_summary
from soak_uploads import Archive, Uploader, random_pool

MB = 1000 * 1000


def log(message):
    print(f"[soak] {message}", file=sys.stderr, flush=True)


class Context:
    """What the uploaders share: server address, deadlines, records and problems (thread-safe)."""

    def __init__(self, args, stats, challenges):
        url = urlparse(args.base_url)
        self.host, self.port, self.stats, self.challenges = url.hostname, url.port, stats, challenges
        self.submissions_dir = Path(args.submissions_dir)
        self.poll_seconds = 0.5
        self.stop = threading.Event()
        self.server_gone = threading.Event()
        self.deadline = self.final_deadline = float("inf")
        self.submissions, self.problems = [], []
        self._lock = threading.Lock()

    def add_submission(self, record):
        with self._lock:
            self.submissions.append(record)
        return record

    def problem(self, kind, submission_id, detail):
        with self._lock:
            self.problems.append({"kind": kind, "submission": submission_id, "detail": detail})
        log(f"PROBLEM {kind} ({submission_id}): {detail}")


# --- The server process ----------------------------------------------------------------------------
def process_snapshot(pid):
    """RSS (MB), peak RSS, threads, open fds and CPU seconds of a process."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return {"rss_mb": int(fields["VmRSS"][0]) * 1024 / MB, "hwm_mb": int(fields["VmHWM"][0]) * 1024 / MB,
            "threads": int(fields["Threads"][0]), "fds": len(os.listdir(f"/proc/{pid}/fd")),
            "cpu_s": (int(stat[11]) + int(stat[12])) / ticks}


def fd_targets(pid):
    """What the process's fds point to, by kind ("socket", "pipe", a file's name without its folder)."""
    kinds = Counter()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        kinds[target.split(":")[0] if ":[" in target else os.path.basename(target)] += 1
    return kinds


def fd_difference(before, after):
    """{kind: change} for the kinds whose count changed."""
    return {k: after.get(k, 0) - before.get(k, 0) for k in sorted(set(before) | set(after))
            if after.get(k, 0) != before.get(k, 0)}


def cpu_idle():
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:9]]
    return sum(values), values[3] + values[4]


class Sampler(threading.Thread):
    """Samples the server every `interval` s (RSS, threads, fds, CPU), the machine's idle share and
    the free disk space; stops the uploads when the disk gets below min_free_mb."""

    def __init__(self, pid, interval, disk_path, min_free_mb, ctx):
        super().__init__(name="sampler", daemon=True)
        self.pid, self.interval, self.disk_path, self.min_free_mb, self.ctx = pid, interval, disk_path, min_free_mb, ctx
        self.samples, self.done, self.disk_low, self.start_time = [], threading.Event(), False, time.monotonic()

    def run(self):
        last_cpu, last_idle = cpu_idle()
        while not self.done.wait(self.interval):
            try:
                snap = process_snapshot(self.pid)
            except (OSError, KeyError):
                break  # the server is gone; the main loop notices
            total, idle = cpu_idle()
            disk = os.statvfs(self.disk_path)
            snap.update({"t": round(time.monotonic() - self.start_time, 1),
                         "machine_idle_pct": round(100 * (idle - last_idle) / max(1, total - last_cpu)),
                         "free_mb": disk.f_bavail * disk.f_frsize // MB})
            last_cpu, last_idle = total, idle
            self.samples.append(snap)
            if snap["free_mb"] < self.min_free_mb and not self.disk_low:
                self.disk_low = True
                log(f"only {snap['free_mb']} MB free on {self.disk_path} (< {self.min_free_mb}): stopping the uploads")
                self.ctx.stop.set()


# --- Set-up ------------------------------------------------------------------------------------------
def reader_routes(http, reader_tokens):
    """The read routes, each checked once (200 and the expected shape; a fast 401 proves nothing)."""
    def get_json(path):
        status, body = http.get("setup", path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
        return json.loads(body)

    challenges = get_json("/challenges/")
    boards = get_json("/leaderboards/")
    if not challenges or not boards:
        raise RuntimeError("no open challenge or no leaderboard was seeded")
    for board in boards:
        get_json(f"/leaderboards/{board['id']}/json")["data"]
    for token in reader_tokens:
        user = Http(http.host, http.port, http.stats, token)
        if "username" not in json.loads(user.get("setup", "/users/profile")[1]):
            raise RuntimeError("GET /users/profile does not answer a profile")
        if not isinstance(json.loads(user.get("setup", "/users/submissions")[1]), dict):
            raise RuntimeError("GET /users/submissions does not answer an object")
        user.close()
    routes = [Route("/challenges/", ["/challenges/"]),
              Route("/users/profile", ["/users/profile"], reader_tokens),
              Route("/users/submissions", ["/users/submissions"], reader_tokens),
              Route("/leaderboards/", ["/leaderboards/"]),
              Route("/leaderboards/{id}/json", [f"/leaderboards/{b['id']}/json" for b in boards])]
    return routes, [c["id"] for c in challenges], boards


def make_archives(args, folder, labels, rng):
    """One archive per uploader, sizes uniform in [min_mb, max_mb] MB."""
    started = time.monotonic()
    pool = random_pool(max(args.max_mb * MB, 64 << 20))
    sizes = [rng.randint(args.min_mb, args.max_mb) * MB for _ in labels]
    seeds = [rng.randrange(1 << 30) for _ in labels]
    with ThreadPoolExecutor(2) as executor:
        archives = list(executor.map(
            lambda i: Archive(folder / f"{labels[i]}.zip", labels[i], sizes[i], args.part_mb * MB, pool,
                              random.Random(seeds[i])), range(len(labels))))
    log(f"{len(archives)} archives, {sum(a.size for a in archives) / MB:.0f} MB in all, made in "
        f"{time.monotonic() - started:.1f} s")
    return archives


# --- End checks ------------------------------------------------------------------------------------
def server_listing(ctx, tokens):
    """{submission id: status} as GET /users/submissions answers it for each uploader."""
    listing = {}
    for token in tokens:
        http = Http(ctx.host, ctx.port, ctx.stats, token)
        status, body = http.get("GET /users/submissions (end check)", "/users/submissions")
        http.close()
        if status != 200:
            raise RuntimeError(f"GET /users/submissions answered {status}")
        for items in json.loads(body).values():
            for item in items:
                listing[item["submission_id"]] = item["status"]
    return listing


def check_leaderboards(ctx, boards, completed_by_challenge, timeout=30):
    """Problems (list) until every board lists exactly its challenge's completed submissions."""
    http = Http(ctx.host, ctx.port, ctx.stats)
    deadline = time.monotonic() + timeout
    while True:
        problems = []
        for board in boards:
            status, body = http.get("GET /leaderboards/{id}/json (end check)", f"/leaderboards/{board['id']}/json")
            listed = {e.get("submission_id") for e in json.loads(body)["data"]} - {None} if status == 200 else set()
            wanted = completed_by_challenge.get(board["challenge_id"], set())
            if status != 200 or listed != wanted:
                problems.append(f"leaderboard {board['id']} ({board['label']}): {status}, "
                                f"{len(wanted - listed)} missing, {len(listed - wanted)} unexpected")
        if not problems or time.monotonic() > deadline:
            http.close()
            return problems
        time.sleep(1)


def database_counts(data_dir):
    db = sqlite3.connect(Path(data_dir) / "zerospeech.db", timeout=30)
    try:
        return {"submissions": dict(db.execute("SELECT status, COUNT(*) FROM challenge_submissions GROUP BY status")),
                "jobs": dict(db.execute("SELECT state, COUNT(*) FROM evaluation_jobs GROUP BY state"))}
    finally:
        db.close()


# --- Main ------------------------------------------------------------------------------------------
def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("base-url", "data-dir", "submissions-dir", "out-dir", "server-log", "password", "commit"):
        p.add_argument(f"--{name}", required=True)
    for name in ("pid", "readers", "uploaders", "min-mb", "max-mb", "part-mb", "pause-ms", "reader-tokens",
                 "final-timeout", "settle-seconds", "fd-slack", "db-connections", "thread-slack", "min-free-mb", "seed",
                 "idle-before", "local-workers"):
        p.add_argument(f"--{name}", type=int, required=True)
    p.add_argument("--minutes", type=float, required=True)
    p.add_argument("--sample-seconds", type=float, required=True)
    return p.parse_args()


def start_load(args, ctx, routes, archives, upload_tokens, rng):
    seconds = max(1, round(args.minutes * 60))
    runs = []
    for i, route in enumerate(routes):
        connections = args.readers // len(routes) + (1 if i < args.readers % len(routes) else 0)
        runs.append(WrkRun(route, args.base_url, connections, seconds, args.pause_ms, args.out_dir,
                           rng.randrange(1 << 30)))
    started = time.monotonic()
    ctx.deadline = started + seconds
    ctx.final_deadline = ctx.deadline + args.final_timeout
    for run in runs:
        run.start()
    uploaders = [Uploader(i, ctx, archive, token, rng.randrange(1 << 30))
                 for i, (archive, token) in enumerate(zip(archives, upload_tokens))]
    for uploader in uploaders:
        uploader.start()
    return runs, uploaders, started, seconds


def server_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def watch_server(ctx, pid):
    """Stops everything (once) when the server process is gone."""
    if not ctx.server_gone.is_set() and not server_alive(pid):
        ctx.server_gone.set()
        ctx.stop.set()
        ctx.problem("server died", None, f"pid {pid} is gone")


def main():
    args = parse_args()
    out_dir = Path(args.out_dir)
    rng = random.Random(args.seed)
    stats = Stats()
    url = urlparse(args.base_url)
    labels = [f"soak{i:02d}" for i in range(1, args.uploaders + 1)]
    upload_tokens = [login(url.hostname, url.port, stats, name, args.password) for name in labels]
    reader_tokens = [login(url.hostname, url.port, stats, name, args.password) for name in labels[:args.reader_tokens]]
    setup_http = Http(url.hostname, url.port, stats)
    routes, challenges, boards = reader_routes(setup_http, reader_tokens)
    setup_http.close()
    ctx = Context(args, stats, challenges)
    archive_dir = out_dir / "archives"
    archive_dir.mkdir(exist_ok=True)
    archives = make_archives(args, archive_dir, labels, rng)

    # Warm-up: one small submission through the whole pipeline, so that threads and connections
    # created on first use exist before the "before" snapshot (and the pipeline is proven to work).
    warm = Archive(archive_dir / "warmup.zip", labels[0], 2 * MB, MB, random_pool(4 << 20), random.Random(1))
    warm_uploader = Uploader(-1, ctx, warm, upload_tokens[0], 1)
    ctx.final_deadline = time.monotonic() + 120
    record = warm_uploader.upload_one()
    if record is None:
        raise RuntimeError("the warm-up submission could not be created")
    warm_uploader.finish(record)
    record["warmup"] = True
    if ctx.problems or record["final"] != "completed":
        raise RuntimeError(f"the warm-up submission ended {record['final']!r}: {ctx.problems}")
    time.sleep(args.settle_seconds)
    before = process_snapshot(args.pid)
    fds_before = before["fd_kinds"] = fd_targets(args.pid)
    client_before = os.times()
    log(f"before the load: RSS {before['rss_mb']:.1f} MB, {before['threads']} threads, {before['fds']} fds")

    sampler = Sampler(args.pid, args.sample_seconds, args.data_dir, args.min_free_mb, ctx)
    sampler.start()
    runs, uploaders, started, seconds = start_load(args, ctx, routes, archives, upload_tokens, rng)
    log(f"load started: {args.readers} readers on {len(routes)} routes, {len(uploaders)} uploaders, {seconds} s")
    while time.monotonic() < ctx.deadline and not ctx.stop.is_set():
        watch_server(ctx, args.pid)
        time.sleep(1)
    stopped_early = ctx.stop.is_set()
    for run in runs:
        if stopped_early:
            run.stop()
    wrk_codes = [run.wait(60) for run in runs]
    read_end = time.monotonic()
    log(f"reads done after {read_end - started:.0f} s; waiting for the uploads to end and the submissions to be final")
    while any(u.is_alive() for u in uploaders) and time.monotonic() < ctx.final_deadline + 120:
        watch_server(ctx, args.pid)
        time.sleep(0.5)
    server_died = ctx.server_gone.is_set()
    uploads_end = time.monotonic()
    time.sleep(args.settle_seconds)
    after = process_snapshot(args.pid) if server_alive(args.pid) else None
    if after:
        after["fd_kinds"] = fd_targets(args.pid)
        after["fd_change"] = fd_difference(fds_before, after["fd_kinds"])
    client = os.times()
    client_cpu = {"soak_py_s": round(client.user + client.system - client_before.user - client_before.system, 1),
                  "wrk_s": round(client.children_user + client.children_system - client_before.children_user
                                 - client_before.children_system, 1)}
    sampler.done.set()
    sampler.join()
    if after:
        log(f"after the load: RSS {after['rss_mb']:.1f} MB, {after['threads']} threads, {after['fds']} fds "
            f"(change by kind: {after['fd_change']})")

    results = {"args": vars(args), "before": before, "after": after, "samples": sampler.samples,
               "started_monotonic": started, "read_seconds": round(read_end - started, 1),
               "upload_seconds": round(uploads_end - started, 1), "stopped_early": stopped_early,
               "disk_low": sampler.disk_low, "server_died": server_died, "wrk_exit_codes": wrk_codes,
               "stuck_uploaders": [u.name for u in uploaders if u.is_alive()], "client_cpu": client_cpu}
    results["reads"] = {}
    raw = []
    for run in runs:
        result = run.result()
        if result is None:
            ctx.problem("wrk wrote no result", None, f"{run.route.name}: see {run.output_path}")
            continue
        raw.append(result)
        results["reads"][run.route.name] = dict(route_figures(result), connections=run.connections)
    results["reads_overall"] = merged_percentiles(raw)
    results["reads_overall"]["requests"] = sum(r["requests"] for r in raw)
    results["reads_overall"]["max_ms"] = max((r["latency_us"]["max"] / 1000 for r in raw if r["requests"]),
                                             default=None)
    results["reads_overall"]["req_per_s"] = round(sum(f["req_per_s"] for f in results["reads"].values()), 1)

    listing = server_listing(ctx, upload_tokens) if after else {}
    completed = {}
    for s in ctx.submissions:
        if listing.get(s["id"]) == "completed":
            completed.setdefault(s["challenge"], set()).add(s["id"])
    results["leaderboard_problems"] = check_leaderboards(ctx, boards, completed) if after else ["server gone"]
    results["listing"] = listing
    results["database"] = database_counts(args.data_dir)
    results["server_log"] = analyse_server_log(args.server_log)
    results["submissions"] = ctx.submissions
    results["problems"] = ctx.problems
    results["uploads"] = {k: dict(v, latencies=None, statuses=dict(v["statuses"]),
                                  client_errors=dict(v["client_errors"]),
                                  p50_s=percentile(v["latencies"], 50), p99_s=percentile(v["latencies"], 99),
                                  max_s=max(v["latencies"], default=None))
                          for k, v in stats.categories.items()}
    ok = print_summary(results, args)
    path = out_dir / "summary.json"
    path.write_text(json.dumps(results, indent=1, default=str))
    print(f"\nJSON summary: {path}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
