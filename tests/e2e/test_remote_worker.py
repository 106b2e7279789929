"""Remote workers without a shared file system (issue 4): `zr worker` with ZR_WORKER_TRANSFER=http
and its own data folder fetches a job's input and returns log and scores over the worker routes
(/worker/jobs/..., "Authorization: Bearer <ZR_WORKER_TOKEN>"); the queue is RabbitMQ, so the worker
never opens the service's database. The worker routes are also checked directly: token, states,
md5 of the input, log appends, md5-checked and safely unzipped scores."""
import io
import json
import time
import zipfile

import pytest

from cli_helpers import Cli
from remote_worker import RemoteWorker, evaluated_challenge, write_bin, zr_env
from zips import Submitter, good_zip, md5, submission_dir, symlink_entry, zip_slip

TOKEN = "s3cret-worker-token"
HOST = "evalhost"
BOARD = "remote-board"

EVALUATOR = """#!/bin/bash
# Evaluates the submission folder $1 (input/ and scores/), as a real evaluator would.
set -e
folder="$1"
echo "evaluating $(head -n 1 "$folder/input/meta.yaml")"
for i in 1 2 3; do echo "step $i of 3"; done
if [ -f "$folder/input/slow.txt" ]; then echo "halfway"; sleep 60; fi
files=$(find "$folder/input" -type f | wc -l)
printf '{"model": "remote", "scores": {"accuracy": 0.75}, "input_files": %d}\\n' "$files" > "$folder/scores/entry.json"
mkdir -p "$folder/scores/details"
echo "per-file scores" > "$folder/scores/details/table.txt"
echo "evaluation done"
"""


def setup_challenge(server, tmp_path):
    """A challenge using the registered evaluator and a leaderboard reading scores/entry.json."""
    cli = Cli(server.data_dir, zr_env(server))
    cli.ok("evaluator:discover", "--local")
    evaluators = json.loads(cli.ok("evaluator:list", "--json"))
    [evaluator] = [e for e in evaluators if e["label"] == "remote-eval"]
    return evaluated_challenge(server, cli, evaluator["id"], "remote-track", BOARD)


def remote_worker(tmp_path, server, bin_dir, queue_env, token=TOKEN):
    """The worker of HOST, as on another machine."""
    return RemoteWorker(tmp_path, server.base_url, queue_env, token, HOST, {HOST: str(bin_dir)})


def wait_for(sub, sid, wanted, timeout=90):
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = sub.status(sid)
        if status in wanted:
            return status
        time.sleep(0.2)
    pytest.fail(f"submission {sid} still {status!r} after {timeout}s; log:\n" + "\n".join(sub.log(sid)))


def current_job(server, sid):
    rows = server.query("SELECT * FROM evaluation_jobs WHERE submission_id = ? ORDER BY created_at DESC, rowid DESC",
                        (sid,))
    assert rows, f"no job for {sid}"
    return rows[0]


def wait_job(server, sid, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = server.query("SELECT id FROM evaluation_jobs WHERE submission_id = ?", (sid,))
        if rows:
            return current_job(server, sid)
        time.sleep(0.1)
    pytest.fail(f"no job was queued for {sid}")


def bearer(token=TOKEN):
    return {"Authorization": f"Bearer {token}"}


def scores_zip(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def put_scores(server, job_id, data, declared_md5=None, token=TOKEN):
    return server.put(f"/worker/jobs/{job_id}/scores", params={"md5": declared_md5 or md5(data)},
                      files={"file_data": ("scores.zip", data, "application/zip")}, headers=bearer(token))


def worker_routes(job_id):
    return [("GET", f"/worker/jobs/{job_id}", {}),
            ("GET", f"/worker/jobs/{job_id}/input", {}),
            ("POST", f"/worker/jobs/{job_id}/log", {"data": b"line\n"}),
            ("PUT", f"/worker/jobs/{job_id}/scores",
             {"params": {"md5": "0" * 32}, "files": {"file_data": ("s.zip", b"PK\x05\x06" + bytes(18))}})]


# ------------------------------------------------------------------------------------------------
# The whole pipeline with a remote worker
# ------------------------------------------------------------------------------------------------
def test_remote_worker_evaluates_over_http(rabbitmq, servers, make_user, tmp_path):
    bin_dir = write_bin(tmp_path / "bin", "remote-eval", EVALUATOR)
    server = servers.start(extra_env={**rabbitmq.env(), "ZR_LOCAL_WORKERS": "0", "ZR_WORKER_TOKEN": TOKEN,
                                      "ZR_REMOTE_BIN": json.dumps({HOST: str(bin_dir)}), "ZR_HOSTNAME": HOST})
    challenge = setup_challenge(server, tmp_path)
    worker = remote_worker(tmp_path, server, bin_dir, rabbitmq.env()).start()
    try:
        alice = Submitter(server, make_user(server))
        data, files = good_zip()
        sid = alice.create(challenge, data)
        assert alice.upload(challenge, sid, "archive.zip", data).status_code == 200
        status = wait_for(alice, sid, ("completed", "failed"))
        lines = alice.log(sid)
        assert status == "completed", "\n".join(lines) + "\n--- worker:\n" + worker.log()

        # The scores came back through PUT .../scores into the service's scores/ folder.
        r = alice.get(f"/users/submissions/{sid}/scores")
        assert r.status_code == 200, r.text
        assert r.json() == {BOARD: {"model": "remote", "scores": {"accuracy": 0.75}, "input_files": len(files)}}
        folder = submission_dir(server, sid)
        assert (folder / "scores" / "details" / "table.txt").read_text() == "per-file scores\n"
        # The evaluator's output reached out.log (stamped lines), in order.
        text = "\n".join(lines)
        assert "evaluating author: test" in text
        steps = [i for i, line in enumerate(lines) if "step " in line and " of 3" in line]
        assert len(steps) == 3 and steps == sorted(steps), lines
        assert any(line.endswith("evaluation done") for line in lines), lines
        assert all(line.startswith("[") for line in lines if "step " in line), lines
        # The job is recorded as done by this host; the worker kept no copy and never wrote into
        # the service's folders (it has none: its data folder is its own).
        job = current_job(server, sid)
        assert job["state"] == "completed" and job["host"] == HOST, job
        assert worker.copies() == []
        assert not (worker.data / "submissions" / sid).exists()
    finally:
        code = worker.stop()
    assert code == 0, worker.log()
    for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
        assert marker not in worker.log(), worker.log()


def test_output_streams_and_cancel_reaches_the_remote_worker(rabbitmq, servers, make_user, tmp_path):
    bin_dir = write_bin(tmp_path / "bin", "remote-eval", EVALUATOR)
    server = servers.start(extra_env={**rabbitmq.env(), "ZR_LOCAL_WORKERS": "0", "ZR_WORKER_TOKEN": TOKEN,
                                      "ZR_REMOTE_BIN": json.dumps({HOST: str(bin_dir)}), "ZR_HOSTNAME": HOST})
    challenge = setup_challenge(server, tmp_path)
    worker = remote_worker(tmp_path, server, bin_dir, rabbitmq.env()).start()
    try:
        alice = Submitter(server, make_user(server))
        data, _ = good_zip({"meta.yaml": b"author: slow\n", "slow.txt": b"take your time\n"})
        sid = alice.create(challenge, data)
        assert alice.upload(challenge, sid, "archive.zip", data).status_code == 200
        # The first lines reach out.log while the evaluator still runs (sent every ~2 s).
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(line.endswith("halfway") for line in alice.log(sid)):
            time.sleep(0.2)
        assert any(line.endswith("halfway") for line in alice.log(sid)), alice.log(sid)
        assert alice.status(sid) == "evaluating"
        assert any(line.endswith("evaluating author: slow") for line in alice.log(sid))
        # Cancel: the worker sees the job's state over HTTP at its next heartbeat and stops the run.
        Cli(server.data_dir, zr_env(server)).ok("submissions:cancel", sid)
        assert wait_for(alice, sid, ("canceled",), timeout=30) == "canceled"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "evaluation_canceled" not in worker.log():
            time.sleep(0.2)
        assert "evaluation_canceled" in worker.log(), worker.log()
        assert alice.get(f"/users/submissions/{sid}/scores").json() == {}
        assert worker.copies() == []
    finally:
        code = worker.stop()
    assert code == 0, worker.log()


def test_a_corrupted_download_is_not_evaluated(rabbitmq, servers, make_user, tmp_path):
    bin_dir = write_bin(tmp_path / "bin", "remote-eval", EVALUATOR)
    server = servers.start(extra_env={**rabbitmq.env(), "ZR_LOCAL_WORKERS": "0", "ZR_WORKER_TOKEN": TOKEN,
                                      "ZR_REMOTE_BIN": json.dumps({HOST: str(bin_dir)}), "ZR_HOSTNAME": HOST})
    challenge = setup_challenge(server, tmp_path)
    alice = Submitter(server, make_user(server))
    data, _ = good_zip()
    sid = alice.create(challenge, data)
    assert alice.upload(challenge, sid, "archive.zip", data).status_code == 200
    wait_job(server, sid)
    # The archive on the service's disk no longer matches its declared md5 (bit rot, truncation).
    archive = submission_dir(server, sid) / "input.zip"
    archive.write_bytes(data[:-10] + b"0123456789")
    worker = remote_worker(tmp_path, server, bin_dir, rabbitmq.env()).start()
    try:
        assert wait_for(alice, sid, ("failed", "completed")) == "failed"
        text = "\n".join(alice.log(sid))
        assert "md5" in text and md5(data) in text, text
        assert "evaluating" not in text  # the evaluator never ran
        # The refused download is not left on the worker's disk (issue 21).
        assert worker.copies() == []
    finally:
        code = worker.stop()
    assert code == 0, worker.log()


def test_worker_with_a_wrong_token_evaluates_nothing(rabbitmq, servers, make_user, tmp_path):
    bin_dir = write_bin(tmp_path / "bin", "remote-eval", EVALUATOR)
    server = servers.start(extra_env={**rabbitmq.env(), "ZR_LOCAL_WORKERS": "0", "ZR_WORKER_TOKEN": TOKEN,
                                      "ZR_REMOTE_BIN": json.dumps({HOST: str(bin_dir)}), "ZR_HOSTNAME": HOST})
    challenge = setup_challenge(server, tmp_path)
    worker = remote_worker(tmp_path, server, bin_dir, rabbitmq.env(), token="not-the-token").start()
    try:
        alice = Submitter(server, make_user(server))
        data, _ = good_zip()
        sid = alice.create(challenge, data)
        assert alice.upload(challenge, sid, "archive.zip", data).status_code == 200
        job = wait_job(server, sid)
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and "Invalid worker token" not in worker.log():
            time.sleep(0.2)
        assert "Invalid worker token" in worker.log() or "401" in worker.log(), worker.log()
        # Refused: the job is neither run nor dropped.
        assert alice.status(sid) == "on_queue"
        assert current_job(server, sid)["state"] == "queued", job
    finally:
        worker.stop()


# ------------------------------------------------------------------------------------------------
# The worker routes, called directly (no worker process; the job row plays the service's part)
# ------------------------------------------------------------------------------------------------
@pytest.fixture
def queued(servers, make_user, tmp_path):
    """A server with worker routes on and no worker, and a submission whose job is queued."""
    bin_dir = write_bin(tmp_path / "bin", "remote-eval", EVALUATOR)
    server = servers.start(extra_env={"ZR_LOCAL_WORKERS": "0", "ZR_WORKER_TOKEN": TOKEN,
                                      "ZR_REMOTE_BIN": json.dumps({HOST: str(bin_dir)}), "ZR_HOSTNAME": HOST})
    challenge = setup_challenge(server, tmp_path)
    alice = Submitter(server, make_user(server))
    data, _ = good_zip()
    sid = alice.create(challenge, data)
    assert alice.upload(challenge, sid, "archive.zip", data).status_code == 200
    job = wait_job(server, sid)
    return server, alice, sid, job["id"], data


def set_job_state(server, job_id, state):
    server.execute("UPDATE evaluation_jobs SET state = ? WHERE id = ?", (state, job_id))


def test_routes_need_the_worker_token(queued):
    server, _, _, job_id, _ = queued
    for method, path, kw in worker_routes(job_id):
        for headers in ({}, bearer("wrong"), bearer(TOKEN + "x"), {"Authorization": TOKEN}):
            r = server.request(method, path, headers=headers, **kw)
            assert r.status_code == 401, (method, path, headers, r.text)
            assert r.json()["detail"] in ("Not authenticated", "Invalid worker token"), r.text
    r = server.get(f"/worker/jobs/{job_id}", headers=bearer())
    assert r.status_code == 200
    assert r.json() == {"job_id": job_id, "submission_id": queued[2], "state": "queued", "attempts": 0,
                        "quiet_seconds": None}
    r = server.get("/worker/jobs/no-such-job", headers=bearer())
    assert r.status_code == 404 and r.json() == {"detail": "Job not found"}


def test_routes_are_off_without_a_token(servers):
    server = servers.start(extra_env={"ZR_LOCAL_WORKERS": "0"})
    for method, path, kw in worker_routes("some-job"):
        for headers in ({}, bearer(), bearer("")):
            r = server.request(method, path, headers=headers, **kw)
            assert r.status_code == 404, (method, path, r.text)
            assert r.json() == {"detail": "Not Found"}


def test_input_is_the_archive_with_its_md5(queued):
    server, _, sid, job_id, data = queued
    r = server.get(f"/worker/jobs/{job_id}/input", headers=bearer())
    assert r.status_code == 200, r.text
    assert r.content == data
    assert r.headers["X-Content-MD5"] == md5(data)
    assert r.headers["Content-Type"] == "application/zip"
    set_job_state(server, job_id, "running")
    assert server.get(f"/worker/jobs/{job_id}/input", headers=bearer()).content == data
    set_job_state(server, job_id, "completed")
    r = server.get(f"/worker/jobs/{job_id}/input", headers=bearer())
    assert r.status_code == 409, r.text


def test_log_is_appended_only_while_running(queued):
    server, alice, sid, job_id, _ = queued
    r = server.post(f"/worker/jobs/{job_id}/log", data=b"too early\n", headers=bearer())
    assert r.status_code == 409, r.text
    set_job_state(server, job_id, "running")
    r = server.post(f"/worker/jobs/{job_id}/log", data="[2024-01-01 00:00:00] line one\nline two\n".encode(),
                    headers=bearer())
    assert r.status_code == 200 and r.json() == {"appended": 40}, r.text
    r = server.post(f"/worker/jobs/{job_id}/log", data=b"x" * (1024 * 1024 + 1), headers=bearer())
    assert r.status_code == 413, r.text
    lines = alice.log(sid)
    assert lines[-2:] == ["[2024-01-01 00:00:00] line one", "line two"], lines
    assert not any("too early" in line for line in lines)
    set_job_state(server, job_id, "canceled")
    assert server.post(f"/worker/jobs/{job_id}/log", data=b"late\n", headers=bearer()).status_code == 409


def test_scores_are_md5_checked_and_unzipped_safely(queued):
    server, alice, sid, job_id, _ = queued
    scores = submission_dir(server, sid) / "scores"
    good = scores_zip({"entry.json": json.dumps({"model": "direct", "scores": {"accuracy": 0.5}}),
                       "more/a.txt": "a"})
    assert put_scores(server, job_id, good).status_code == 409  # queued: not yet
    set_job_state(server, job_id, "running")

    before = sorted(p.name for p in scores.rglob("*"))
    r = put_scores(server, job_id, good, declared_md5="0" * 32)
    assert r.status_code == 400 and "md5" in r.json()["detail"], r.text
    for hostile in (zip_slip(), symlink_entry("/etc/passwd"), b"not a zip at all"):
        r = put_scores(server, job_id, hostile)
        assert r.status_code == 400, r.text
    assert sorted(p.name for p in scores.rglob("*")) == before
    assert not (submission_dir(server, sid).parent / "zr_slip_x").exists()
    r = server.put(f"/worker/jobs/{job_id}/scores", files={"file_data": ("s.zip", good)}, headers=bearer())
    assert r.status_code == 422, r.text  # no md5

    r = put_scores(server, job_id, good)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["job_id"], body["md5"]) == (job_id, md5(good)) and body["entries"] >= 2, body
    assert body["bytes"] == len(json.dumps({"model": "direct", "scores": {"accuracy": 0.5}})) + 1, body
    assert (scores / "more" / "a.txt").read_text() == "a"
    assert alice.get(f"/users/submissions/{sid}/scores").json() == {
        BOARD: {"model": "direct", "scores": {"accuracy": 0.5}}}
    # Nothing left behind: no staging folder, no spooled upload.
    folder = submission_dir(server, sid)
    assert not [p for p in folder.iterdir() if p.name.startswith("scores.")]
    assert not [p for p in (folder / "tmp").iterdir() if p.name.startswith(".upload-")]

    set_job_state(server, job_id, "completed")
    assert put_scores(server, job_id, scores_zip({"entry.json": "{}"})).status_code == 409
    assert json.loads((scores / "entry.json").read_text())["model"] == "direct"
