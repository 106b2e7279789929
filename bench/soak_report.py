"""The soak's end (bench/soak.py): server log analysis, the checks and the printed summary."""
import datetime
import math
import os
import re
from collections import Counter

from soak_readers import BUCKET_SECONDS

ACCESS_RE = re.compile(r'\] \[info\] \S+ \S+ "(\S+) (\S+)" (\d{3}) \d+ [\d.]+ms$')
DB_FILE = "zerospeech.db"
LEVEL_RE = re.compile(r"^\[[^\]]+\] \[(warning|error|critical)\] (.*)$")


def percentile(values, p):
    """Nearest-rank percentile of a list (None if empty)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def analyse_server_log(path):
    """Statuses of the access log lines and the warning/error lines (first few of each text)."""
    statuses, levels, examples = Counter(), Counter(), {}
    five_xx = []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = ACCESS_RE.search(line)
            if m:
                status = int(m.group(3))
                statuses[f"{status // 100}xx"] += 1
                if status >= 500 and len(five_xx) < 20:
                    five_xx.append(line)
                continue
            m = LEVEL_RE.match(line)
            if m:
                levels[m.group(1)] += 1
                key = re.sub(r"[0-9a-f-]{8,}|\d+", "#", m.group(2))[:120]
                examples.setdefault(key, [0, line])[0] += 1
    common = sorted(examples.values(), key=lambda e: -e[0])[:10]
    return {"access_statuses": dict(statuses), "levels": dict(levels), "five_xx_lines": five_xx,
            "messages": [{"count": n, "example": line} for n, line in common]}


def fmt(value, digits=1):
    return "-" if value is None else f"{value:.{digits}f}"


def table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |"
    print(line(header))
    print("| " + " | ".join("-" * w for w in widths) + " |")
    for r in rows:
        print(line(r))


def reads_table(results):
    rows = []
    for name, f in list(results["reads"].items()) + [("all reads", None)]:
        if f is None:
            o = results["reads_overall"]
            non2xx = sum(n for r in results["reads"].values() for s, n in r["statuses"].items() if s >= 300)
            errors = sum(r["socket_errors"] for r in results["reads"].values())
            rows.append([name, sum(r["connections"] for r in results["reads"].values()), o["requests"],
                         fmt(o["req_per_s"], 0), fmt(o["p50_ms"], 2), fmt(o["p90_ms"], 2), fmt(o["p99_ms"], 2),
                         fmt(o["max_ms"], 0), non2xx, errors])
            continue
        non2xx = sum(n for s, n in f["statuses"].items() if s >= 300)
        rows.append([f"GET {name}", f["connections"], f["requests"], fmt(f["req_per_s"], 0), fmt(f["p50_ms"], 2),
                     fmt(f["p90_ms"], 2), fmt(f["p99_ms"], 2), fmt(f["max_ms"], 0), non2xx, f["socket_errors"]])
    table(["reads (wrk)", "readers", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "non-2xx",
           "socket err"], rows)


def uploads_table(results):
    rows = []
    for name, c in sorted(results["uploads"].items()):
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(c["statuses"].items()))
        errors = sum(c["client_errors"].values())
        rows.append([name, sum(c["statuses"].values()), statuses or "-", fmt(c["p50_s"] and c["p50_s"] * 1000, 1),
                     fmt(c["p99_s"] and c["p99_s"] * 1000, 1), fmt(c["max_s"] and c["max_s"] * 1000, 0),
                     errors + c["aborted"] and f"{errors} (+{c['aborted']} aborted)"])
    table(["uploader requests", "count", "statuses", "p50 ms", "p99 ms", "max ms", "no answer"], rows)


def series(samples, key, points=16, digits=0):
    if not samples:
        return "-"
    step = max(1, len(samples) // points)
    picked = samples[::step]
    if picked[-1] is not samples[-1]:
        picked.append(samples[-1])
    return " ".join(f"{s[key]:.{digits}f}" for s in picked)


def checks(results, args):
    """[(name, ok, detail)]."""
    subs = results["submissions"]
    uploads = results["uploads"]
    five_client = sum(n for c in uploads.values() for s, n in c["statuses"].items() if s >= 500)
    five_reads = sum(n for r in results["reads"].values() for s, n in r["statuses"].items() if s >= 500)
    five_log = results["server_log"]["access_statuses"].get("5xx", 0)
    unexpected = sum(n for c in uploads.values() for s, n in c["statuses"].items() if 300 <= s < 500) \
        - sum(c["expected_4xx"] for c in uploads.values())
    unexpected_reads = sum(n for r in results["reads"].values() for s, n in r["statuses"].items() if 300 <= s < 500)
    no_answer = sum(sum(c["client_errors"].values()) for c in uploads.values()) \
        + sum(r["socket_errors"] for r in results["reads"].values())
    corrupt_sent = sum(s["corrupt_sent"] for s in subs)
    refused = uploads.get("PUT part (wrong md5)", {}).get("expected_4xx", 0)
    listing = results["listing"]
    ids = {s["id"] for s in subs}
    missing, unknown = ids - set(listing), set(listing) - ids
    finals = Counter(listing.get(s["id"]) for s in subs)
    not_final = sum(n for st, n in finals.items() if st not in ("completed", "failed", "invalid", "canceled"))
    completed = finals.get("completed", 0)
    verified = sum(1 for s in subs if s["verified"])
    before, after = results["before"], results["after"] or {}
    # The database's files are the server's connection pool (bounded: at most --db-connections
    # connections of 2-3 fds each); any other fd counts against the slack.
    db_fds = lambda snap: sum(n for kind, n in snap["fd_kinds"].items() if kind.startswith(DB_FILE))
    if after:
        other_growth = (after["fds"] - db_fds(after)) - (before["fds"] - db_fds(before))
        connections = after["fd_kinds"].get(DB_FILE, 0)
        fds_ok = other_growth <= args.fd_slack and connections <= args.db_connections
        fds_detail = (f"{before['fds']} before, {after['fds']} after: other than the database "
                      f"{other_growth:+d} (slack {args.fd_slack}), database connections {connections} "
                      f"(pool bound {args.db_connections})")
    else:
        fds_ok, fds_detail = False, "server gone"
    threads_ok = bool(after) and after["threads"] <= before["threads"] + args.thread_slack
    return [
        ("zero 5xx", five_client + five_reads + five_log == 0,
         f"uploaders {five_client}, readers {five_reads}, server access log {five_log}"),
        ("no unexpected 3xx/4xx", unexpected + unexpected_reads == 0,
         f"uploaders {unexpected}, readers {unexpected_reads} (expected 4xx apart: {refused})"),
        ("every request answered", no_answer == 0, f"{no_answer} without an answer (broken off on purpose apart)"),
        ("wrong-md5 parts refused with 400", refused == corrupt_sent, f"{refused} of {corrupt_sent}"),
        ("no lost submission", not missing and not unknown and not results["stuck_uploaders"],
         f"{len(ids)} created, {len(missing)} not listed by the server, {len(unknown)} unknown to the client"),
        ("every submission final", not_final == 0, f"{dict(finals)}"),
        ("every submission completed", completed == len(ids), f"{completed} of {len(ids)}"),
        ("archive md5 and content on disk", verified == len(ids), f"{verified} of {len(ids)} verified"),
        ("leaderboards list the completed ones", not results["leaderboard_problems"],
         "; ".join(results["leaderboard_problems"]) or "ok"),
        ("no protocol problem", not results["problems"], f"{len(results['problems'])} problem(s)"),
        ("no fd leak", fds_ok, fds_detail),
        ("no thread leak", threads_ok,
         f"{before['threads']} before, {after.get('threads')} after (slack {args.thread_slack})"),
        ("server alive, full duration", not results["server_died"] and not results["stopped_early"]
         and all(c == 0 for c in results["wrk_exit_codes"]),
         "; ".join(text for cond, text in ((results["server_died"], "the server died"),
                                           (results["disk_low"], "the disk guard stopped the load"),
                                           (results["stopped_early"], "stopped early"),
                                           (any(results["wrk_exit_codes"]),
                                            f"wrk exit codes {results['wrk_exit_codes']}"))
                   if cond) or "ok"),
    ]


def print_summary(results, args):
    """Prints the figures and the checks; returns whether every check passed."""
    subs = [s for s in results["submissions"] if not s.get("warmup")]
    samples = results["samples"]
    commit = args.commit
    print()
    print(f"zr soak {datetime.datetime.utcnow():%Y-%m-%dT%H:%MZ}, commit {commit}, {os.cpu_count()} cores, "
          f"ZR_THREADS={os.environ.get('ZR_THREADS', 'default')}, {args.minutes:g} min; "
          f"{args.readers} readers (pause {args.pause_ms} ms), {args.uploaders} uploaders "
          f"({args.min_mb}-{args.max_mb} MB, parts {args.part_mb} MB), {args.local_workers} local workers; "
          f"machine {args.idle_before}% idle before the load")
    print()
    reads_table(results)
    print()
    uploads_table(results)
    print()
    put = results["uploads"].get("PUT part", {})
    upload_mb = sum(c["bytes"] for c in results["uploads"].values()) / 1e6
    completion = [s["completion_s"] for s in subs if s.get("completion_s") is not None]
    evaluation = [s["evaluation_s"] for s in subs if s.get("evaluation_s") is not None]
    rows = [
        ["submissions (warm-up apart)", f"{len(subs)} created, {sum(1 for s in subs if s['final'] == 'completed')}"
                                        f" completed, {sum(1 for s in subs if s['verified'])} md5-verified"],
        ["  multipart / single-part", f"{sum(s['multipart'] for s in subs)} / {sum(not s['multipart'] for s in subs)}"],
        ["  archive bytes uploaded", f"{sum(s['size'] for s in subs) / 1e9:.1f} GB"],
        ["  parts on purpose: wrong md5 / broken off / duplicate",
         f"{sum(s['corrupt_sent'] for s in subs)} / {sum(s['aborted_sent'] for s in subs)} / "
         f"{sum(s['duplicates_sent'] for s in subs)}"],
        ["bytes sent in PUTs, aggregate", f"{upload_mb:.0f} MB in {results['upload_seconds']:.0f} s = "
                                          f"{upload_mb / max(1, results['upload_seconds']):.1f} MB/s"],
        ["PUT part p50 / p99 / max", f"{fmt(put.get('p50_s'), 2)} / {fmt(put.get('p99_s'), 2)} / "
                                     f"{fmt(put.get('max_s'), 2)} s"],
        ["all parts received -> uploaded p50 / p99 / max (1 s resolution)",
         f"{fmt(percentile(completion, 50), 0)} / {fmt(percentile(completion, 99), 0)} / "
         f"{fmt(max(completion, default=None), 0)} s"],
        ["uploaded -> completed p50 / p99 / max", f"{fmt(percentile(evaluation, 50), 0)} / "
                                                  f"{fmt(percentile(evaluation, 99), 0)} / "
                                                  f"{fmt(max(evaluation, default=None), 0)} s"],
        ["database: submissions / jobs", f"{results['database']['submissions']} / {results['database']['jobs']}"],
    ]
    if samples:
        rss = [s["rss_mb"] for s in samples]
        cpu = samples[-1]["cpu_s"] - results["before"]["cpu_s"]
        rows += [
            ["server RSS MB min / max / last", f"{min(rss):.1f} / {max(rss):.1f} / {rss[-1]:.1f} "
                                               f"(peak VmHWM {samples[-1]['hwm_mb']:.1f})"],
            ["server RSS MB over time", series(samples, "rss_mb")],
            ["server threads / fds over time", f"{series(samples, 'threads')} / {series(samples, 'fds')}"],
            ["server CPU", f"{cpu:.0f} s over {samples[-1]['t']:.0f} s = {cpu / max(1, samples[-1]['t']):.2f} cores"],
            ["machine idle % over time", series(samples, "machine_idle_pct")],
            ["the soak's own CPU (uploader threads, checks / wrk)",
             f"{results['client_cpu']['soak_py_s']} s / {results['client_cpu']['wrk_s']} s"],
            ["free disk MB min", f"{min(s['free_mb'] for s in samples)}"],
        ]
    buckets = {}
    for figures in results["reads"].values():
        for at, n in figures["buckets"].items():
            buckets[at] = buckets.get(at, 0) + n
    if buckets:
        per_s = [{"v": buckets[at] / BUCKET_SECONDS} for at in sorted(buckets)]
        rows.append([f"reads/s per {BUCKET_SECONDS} s (first and last partial)", series(per_s, "v", points=32)])
    after = results["after"] or {}
    rows += [["server fds before / after", f"{results['before']['fds']} / {after.get('fds', '-')} "
                                           f"(change by kind: {after.get('fd_change', '-')})"],
             ["server threads before / after", f"{results['before']['threads']} / {after.get('threads', '-')}"],
             ["server log warnings / errors", f"{results['server_log']['levels']}"]]
    table(["pipeline and server", "value"], rows)
    for message in results["server_log"]["messages"][:5]:
        print(f"  log x{message['count']}: {message['example'][:200]}")
    print()
    outcome = checks(results, args)
    table(["check", "result", "detail"], [[n, "ok" if ok else "FAILED", d] for n, ok, d in outcome])
    for problem in results["problems"][:20]:
        print(f"  problem: {problem['kind']} ({problem['submission']}): {str(problem['detail'])[:300]}")
    results["checks"] = [{"check": n, "ok": ok, "detail": d} for n, ok, d in outcome]
    return all(ok for _, ok, _ in outcome)
