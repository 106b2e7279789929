"""Operations (issue 8, part 1): GET /health and GET /metrics of the real binary.

/metrics is parsed with Debian's python3-prometheus-client text parser (the format Prometheus
scrapes); /health is driven into 503 by each of its checks (disk below the minimum, jobs waiting
with no worker, RabbitMQ stopped) and back to 200."""
import json
import re
import subprocess
import time
from pathlib import Path

import yaml

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import free_port, zr_binary
from evaluation_env import EvalServer
from zips import Submitter, good_zip, md5, open_challenge, split, manifest


def scrape(server, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = server.get("/metrics", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {f.name: f for f in text_string_to_metric_families(r.text)}


def value(families, family, sample_name=None, **labels):
    """The value of the one sample of `family` with these labels (None when absent)."""
    if family not in families:
        return None
    for sample in families[family].samples:
        if sample_name and sample.name != sample_name:
            continue
        if all(sample.labels.get(k) == v for k, v in labels.items()):
            return sample.value
    return None


def poll(fn, what, timeout=60, interval=0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"{what}: never true within {timeout}s (last {last!r})")


# ------------------------------------------------------------------------------------------------
# /health
# ------------------------------------------------------------------------------------------------
def test_health_answers_ok_without_auth(server):
    r = server.get("/health")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "queue", "disk", "workers"}
    assert all(c["status"] == "ok" for c in body["checks"].values())
    assert body["checks"]["queue"]["backend"] == "embedded"
    assert body["checks"]["disk"]["free_bytes"] >= body["checks"]["disk"]["min_free_bytes"]
    assert body["checks"]["workers"]["seen"] == 0  # no bin folder here: no local worker
    assert body["checks"]["database"]["schema_version"] >= 5
    head = server.request("HEAD", "/health")
    assert head.status_code == 200 and head.content == b""
    # Nothing of the machine leaks: no paths, no host names.
    assert str(server.data_dir) not in r.text


def test_health_is_503_naming_the_disk_below_its_minimum(servers):
    server = servers.start(extra_env={"ZR_HEALTH_MIN_FREE_DISK": "999999999G"})
    r = server.get("/health")
    assert r.status_code == 503, r.text
    body = r.json()
    assert body["status"] == "fail" and body["failing"] == ["disk"]
    assert body["checks"]["disk"]["status"] == "fail"
    assert body["checks"]["database"]["status"] == "ok"


def test_health_counts_workers_and_fails_when_jobs_wait_with_none(servers, tmp_path, make_user):
    # No local worker: the job waits; after one lease with no worker heard from, /health is 503.
    es = EvalServer(servers, tmp_path, make_user, {"ZR_LOCAL_WORKERS": "0", "ZR_EVAL_LEASE": "2"})
    es.use("good")
    sid = es.submit()
    es.wait_status(sid, ("on_queue",))
    body = poll(lambda: (lambda r: r.status_code == 503 and r.json())(es.server.get("/health")),
                "/health 503 with a job waiting and no worker")
    assert body["failing"] == ["workers"]
    assert body["checks"]["workers"]["seen"] == 0
    assert body["checks"]["workers"]["oldest_queued_job_seconds"] >= 2

    # A worker of that host comes: it announces itself, runs the job, /health is 200 again.
    env = dict(es.server.env)
    worker = subprocess.Popen([str(zr_binary()), "worker"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.STDOUT)
    try:
        assert es.wait_status(sid, ("completed", "failed")) == "completed"
        body = poll(lambda: (lambda r: r.status_code == 200 and r.json())(es.server.get("/health")),
                    "/health 200 once a worker came")
        assert body["checks"]["workers"]["seen"] >= 1
        rows = es.server.query("SELECT name, host FROM workers")
        assert any(row["host"] == "evalhost" for row in rows)
        listed = json.loads(es.cli.ok("workers:list", "--json"))
        assert any(w["host"] == "evalhost" and w["active"] is True and w["job"] is None for w in listed), listed
        assert "evalhost:" in es.cli.ok("workers:list")
    finally:
        worker.terminate()
        worker.wait(30)


def test_health_follows_rabbitmq_down_and_back(rabbitmq, servers):
    server = servers.start(extra_env=rabbitmq.env())
    body = poll(lambda: (lambda r: r.status_code == 200 and r.json())(server.get("/health")), "/health 200")
    assert body["checks"]["queue"] == {"status": "ok", "backend": "rabbitmq"}
    assert value(scrape(server), "zr_queue_connected", backend="rabbitmq") == 1

    rabbitmq.stop()
    body = poll(lambda: (lambda r: r.status_code == 503 and r.json())(server.get("/health")),
                "/health 503 with RabbitMQ stopped")
    assert body["failing"] == ["queue"]
    assert body["checks"]["queue"]["status"] == "fail"
    assert value(scrape(server), "zr_queue_connected", backend="rabbitmq") == 0
    assert str(rabbitmq.port) not in json.dumps(body)

    rabbitmq.start()
    poll(lambda: server.get("/health").status_code == 200, "/health 200 after RabbitMQ came back", timeout=90)


# ------------------------------------------------------------------------------------------------
# /metrics
# ------------------------------------------------------------------------------------------------
def test_metrics_count_requests_per_route_template(server):
    for _ in range(3):
        assert server.get("/challenges/").status_code == 200
    assert server.get("/challenges/424242").status_code == 404
    assert server.get("/challenges/abc").status_code == 422
    assert server.get("/no/such/route").status_code == 404
    families = scrape(server)

    requests_total = "zr_http_requests"  # the parser drops the _total suffix of counters
    assert value(families, requests_total, route="/challenges/", method="GET", code="2xx") == 3
    assert value(families, requests_total, route="/challenges/{challenge_id}", method="GET", code="4xx") == 2
    assert value(families, requests_total, route="(unmatched)", method="GET", code="4xx") == 1
    # Histograms: cumulative buckets ending in +Inf equal to the count.
    duration = "zr_http_request_duration_seconds"
    count = value(families, duration, f"{duration}_count", route="/challenges/", method="GET")
    inf = value(families, duration, f"{duration}_bucket", route="/challenges/", method="GET", le="+Inf")
    assert count == inf == 3
    assert value(families, duration, f"{duration}_sum", route="/challenges/", method="GET") > 0
    assert value(families, "zr_http_requests_in_flight") >= 1  # this scrape
    assert families["zr_http_requests"].type == "counter"
    assert families[duration].type == "histogram"
    # State read at scrape time, and the process.
    assert value(families, "zr_evaluation_queue_depth") == 0
    assert value(families, "zr_sqlite_busy_waits") is not None
    assert value(families, "zr_build_info", version="v0.1") == 1
    assert value(families, "process_open_fds") > 0
    assert value(families, "process_resident_memory_bytes") > 1e6
    assert value(families, "zr_data_folder_free_bytes") > 0
    assert value(families, "zr_queue_connected", backend="embedded") == 1


def test_metrics_count_uploads_evaluations_and_workers(servers, tmp_path, make_user):
    es = EvalServer(servers, tmp_path, make_user)
    es.use("good")
    sid = es.submit(score=0.7)
    assert es.wait_status(sid, ("completed", "failed")) == "completed"
    # A multipart submission with one refused part (wrong md5), then the right one.
    data, _ = good_zip({"score.txt": b"0.1", "model.txt": b"m2"})
    pieces = split(data, 2)
    sub = Submitter(es.server, es.user)
    sid2 = sub.create(es.challenge, data, pieces=pieces)
    name0, part0 = pieces[0]
    assert sub.upload(es.challenge, sid2, name0, part0 + b"x").status_code == 400
    for name, part in pieces:
        assert sub.upload(es.challenge, sid2, name, part).status_code == 200
    assert es.wait_status(sid2, ("completed", "failed")) == "completed"

    families = poll(lambda: (lambda f: value(f, "zr_evaluations_finished", state="completed") == 2 and f)(
        scrape(es.server)), "two finished evaluations in /metrics")
    assert value(families, "zr_upload_parts", result="accepted") == 3
    assert value(families, "zr_upload_parts", result="rejected") == 1
    assert value(families, "zr_upload_bytes") > len(data)  # both archives
    assert value(families, "zr_submissions", status="completed") == 2
    assert value(families, "zr_evaluation_jobs", state="completed") == 2
    assert value(families, "zr_evaluation_runs_started", attempt="first") == 2
    duration = "zr_evaluation_duration_seconds"
    assert value(families, duration, f"{duration}_count", state="completed") == 2
    assert value(families, "zr_workers_active") >= 1
    assert value(families, "zr_worker_last_seen_timestamp_seconds", host="evalhost") > time.time() - 600
    assert value(families, "zr_embedded_queue_messages", queue="eval_queue") in (None, 0)

    # Every metric the example dashboard and alert rules use is one the service exposes.
    text = es.server.get("/metrics").text
    exposed = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
    deploy = Path(__file__).resolve().parents[2] / "deploy"
    dashboard = json.loads((deploy / "grafana" / "zerospeech-dashboard.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    rules = yaml.safe_load((deploy / "prometheus" / "zerospeech-alerts.yml").read_text())
    exprs += [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    used = {m for e in exprs for m in re.findall(r"\b((?:zr|process)_[a-z_]+)", e)}
    base = {re.sub(r"_(bucket|count|sum)$", "", m) for m in used}
    assert base <= exposed, f"used but not exposed: {sorted(base - exposed)}"


def test_metrics_token_guards_metrics_only(servers):
    server = servers.start(extra_env={"ZR_METRICS_TOKEN": "s3cret-token"})
    r = server.get("/metrics")
    assert r.status_code == 401 and r.json() == {"detail": "Not authenticated"}
    assert r.headers.get("www-authenticate") == "Bearer"
    r = server.get("/metrics", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401
    assert "zr_http_requests_total" not in r.text
    r = server.get("/metrics", headers={"Authorization": "Basic czNjcmV0LXRva2Vu"})
    assert r.status_code == 401
    assert scrape(server, token="s3cret-token")
    assert server.get("/health").status_code == 200


def test_metrics_count_mail_failures(servers, make_user):
    # SMTP on a port where nothing listens: every attempt fails and is counted, the request is not.
    server = servers.start(extra_env={"ZR_MAIL_PORT": str(free_port())})
    r = server.put("/auth/signup", json={"username": "mailfail", "email": "mailfail@example.com",
                                         "pwd": "pass-word-1", "first_name": "M", "last_name": "F",
                                         "affiliation": "X"})
    assert r.status_code == 200
    families = poll(lambda: (lambda f: (value(f, "zr_mail_send_failures") or 0) >= 1 and f)(scrape(server)),
                    "a failed mail attempt in /metrics")
    assert value(families, "zr_mail_sent") == 0


def test_metrics_text_is_well_formed_line_by_line(server):
    """Every line is a comment (# HELP / # TYPE) or `name{labels} value` with a float value."""
    server.get("/challenges/")
    text = server.get("/metrics").text
    assert text.endswith("\n")
    seen_types = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert name not in seen_types, f"family {name} declared twice"
            seen_types[name] = kind
            continue
        if line.startswith("#") or not line:
            continue
        name_and_labels, number = line.rsplit(" ", 1)
        float(number)
        assert name_and_labels[0].isalpha() or name_and_labels[0] in "_:"
