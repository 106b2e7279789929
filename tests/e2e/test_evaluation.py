"""Evaluation end to end on the embedded queue (issue 4): uploads queued, evaluated by the local
worker with real bash evaluators, statuses, out.log, scores, leaderboards, e-mail and Mattermost,
failures (exit 1, time limit, script outside the bin folder), cancel, re-queue, and a server
restart in the middle of an evaluation."""
import json
import time

import pytest

from evaluation_env import EvalServer, pid_alive, wait_gone
from mattermost_sink import MattermostSink


@pytest.fixture
def sink():
    with MattermostSink() as s:
        yield s


def mattermost_env(sink):
    return {"ZR_MATTERMOST_URL": sink.url + "/hooks", "ZR_MATTERMOST_API_KEY": "key",
            "ZR_MATTERMOST_CHANNEL": "evals"}


def create_board(es, tmp_path, label="main", sorting_key="-score"):
    path = tmp_path / f"{label}.json"
    path.write_text(json.dumps([{
        "label": label, "challenge_id": es.challenge, "path_to": f"{label}.json",
        "entry_file": "scores/entry.json", "external_entries": None, "archived": False,
        "static_files": False, "sorting_key": sorting_key}]))
    es.cli.ok("leaderboards:create", "-f", str(path))
    return es.cli.query("SELECT id FROM leaderboards WHERE label = ?", (label,))[0]["id"]


def wait_board(es, board_id, entries, timeout=20):
    deadline = time.monotonic() + timeout
    body = None
    while time.monotonic() < deadline:
        body = es.server.get(f"/leaderboards/{board_id}/json").json()
        if len(body["data"]) == entries:
            return body
        time.sleep(0.1)
    pytest.fail(f"leaderboard {board_id} never had {entries} entries: {body}")


def mail_with(smtp, address, words, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in smtp.mails_to(address, consume=False):
            if all(w in mail.subject + mail.text for w in words):
                return mail
        time.sleep(0.1)
    pytest.fail(f"no mail to {address} with {words}")


def line_index(lines, text):
    for i, line in enumerate(lines):
        if text in line:
            return i
    pytest.fail(f"no line with {text!r} in:\n" + "\n".join(lines))


def jobs(es, *args):
    return json.loads(es.cli.ok("jobs:list", "--json", *args))


# ------------------------------------------------------------------------------------------------
def test_upload_evaluated_scored_ranked_and_notified(servers, tmp_path, make_user, smtp, sink):
    es = EvalServer(servers, tmp_path, make_user, mattermost_env(sink))
    es.use("good")
    board_id = create_board(es, tmp_path)

    low = es.submit(score=0.25, model="low")
    assert es.wait_status(low, ("completed", "failed")) == "completed", es.log(low)
    lines = es.log(low)
    queued = line_index(lines, "queued for evaluation")
    started = line_index(lines, "evaluation started on evalhost (worker evalhost:")
    assert "attempt 1)" in lines[started]
    output = line_index(lines, "good evaluator on")
    done = line_index(lines, "evaluation completed")
    # The "started" line is written when the service applies the worker's update, the evaluator's
    # output when the worker sends it: two processes, no order between those two lines.
    assert line_index(lines, "uploaded") < queued < started < done, lines
    assert queued < output < done, lines
    assert any("score 0.25 written" in line for line in lines), lines
    assert es.server.query("SELECT status FROM challenge_submissions WHERE id = ?", (low,))[0]["status"] == "completed"
    job = es.job(low)
    assert (job["state"], job["attempts"], job["host"], job["exit_code"]) == ("completed", 1, "evalhost", 0)

    r = es.submitter.get(f"/users/submissions/{low}/scores")
    assert r.status_code == 200, r.text
    assert r.json() == {"main": {"model": "low", "score": 0.25}}

    high = es.submit(score=0.75, model="high")
    assert es.wait_status(high, ("completed", "failed")) == "completed", es.log(high)
    body = wait_board(es, board_id, 2)
    assert [e["model"] for e in body["data"]] == ["high", "low"]
    assert [e["submission_id"] for e in body["data"]] == [high, low]

    mail = mail_with(smtp, es.user["email"], ["completed", low])
    assert "leaderboard" in mail.text
    new = sink.wait_for(lambda p: p.json and "New submission" in p.json["text"] and high in p.json["text"])
    assert new.path == "/hooks/key" and new.json["channel"] == "evals"
    sink.wait_for(lambda p: p.json and "Leaderboard updated" in p.json["text"] and "main" in p.json["text"])

    listed = {j["submission"]: j for j in jobs(es)}
    assert listed[low]["state"] == "completed" and listed[low]["worker"].startswith("evalhost:")
    assert listed[low]["lease_age"] is None
    assert jobs(es, "-s", "running", "-s", "queued") == []

    # Re-queue a completed submission: a new job, evaluated again.
    job_id = es.cli.ok("submissions:evaluate", low).strip()
    assert job_id and job_id != job["id"]
    assert es.wait_status(low, ("completed",)) == "completed"
    deadline = time.monotonic() + 20
    while es.job(low)["state"] != "completed" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert es.job(low)["id"] == job_id and es.job(low)["state"] == "completed"
    assert sum("evaluation completed" in line for line in es.log(low)) == 2
    assert len(jobs(es)) == 3


def test_completed_is_reported_only_once_every_leaderboard_has_the_entry(servers, tmp_path, make_user):
    """Read-your-writes: a participant polling the status reads the challenge's leaderboards the
    moment it says "completed", and finds the entry on every one of them."""
    es = EvalServer(servers, tmp_path, make_user)
    es.use("good")
    boards = [create_board(es, tmp_path, "main"), create_board(es, tmp_path, "ascending", sorting_key="score")]
    for i in range(3):
        sid = es.submit(score=0.1 * (i + 1), model=f"m{i}")
        deadline = time.monotonic() + 60
        seen = set()
        while (status := es.status(sid)) != "completed":
            seen.add(status)
            assert status in ("uploading", "uploaded", "on_queue", "evaluating"), es.log(sid)
            assert time.monotonic() < deadline, f"still {status}"
        for board in boards:  # read at once, no waiting
            body = es.server.get(f"/leaderboards/{board}/json").json()
            assert sid in [entry["submission_id"] for entry in body["data"]], (board, body)
        by_label = es.server.get(f"/challenges/{es.challenge}/leaderboard").json()
        assert all(sid in [e["submission_id"] for e in board["data"]] for board in by_label.values())
        assert len(by_label["main"]["data"]) == i + 1
        lines = es.log(sid)
        assert line_index(lines, "evaluation completed") < line_index(lines, "scores published on the leaderboards")


def test_failing_evaluator(servers, tmp_path, make_user, smtp):
    es = EvalServer(servers, tmp_path, make_user)
    es.use("fail")
    sid = es.submit()
    assert es.wait_status(sid, ("completed", "failed")) == "failed"
    lines = es.log(sid)
    assert line_index(lines, "bad input") < line_index(lines, "evaluation failed: exit status 1 (exit code 1)")
    job = es.job(sid)
    assert (job["state"], job["exit_code"], job["reason"]) == ("failed", 1, "exit status 1")
    mail = mail_with(smtp, es.user["email"], ["failed", "exit status 1"])
    assert sid in mail.text
    listed = jobs(es, "-s", "failed")
    assert [j["submission"] for j in listed] == [sid] and listed[0]["reason"] == "exit status 1"


def test_time_limit(servers, tmp_path, make_user):
    es = EvalServer(servers, tmp_path, make_user, {"ZR_EVAL_TIME_LIMIT": "2"})
    es.use("sleeper")
    sid = es.submit()
    pid = int(es.wait_file(es.folder(sid) / "evaluator.pid").read_text())
    started = time.monotonic()
    assert es.wait_status(sid, ("completed", "failed"), timeout=20) == "failed"
    assert time.monotonic() - started < 15
    assert wait_gone(pid)
    lines = es.log(sid)
    assert any("evaluation failed: time limit of 2" in line for line in lines), lines
    assert not any("woke up" in line for line in lines)


def test_cancel_running_evaluation(servers, tmp_path, make_user, smtp):
    es = EvalServer(servers, tmp_path, make_user)
    es.use("sleeper")
    sid = es.submit()
    pid = int(es.wait_file(es.folder(sid) / "evaluator.pid").read_text())
    assert pid_alive(pid)
    assert es.wait_status(sid, ("evaluating",)) == "evaluating"
    assert jobs(es, "-s", "running")[0]["lease_age"] is not None
    out = es.cli.ok("submissions:cancel", sid)
    assert "canceled" in out
    assert es.status(sid) == "canceled"
    assert wait_gone(pid), "the evaluator still runs after the cancel"
    time.sleep(1.5)  # the worker's report of the kill changes nothing
    assert es.status(sid) == "canceled"
    job = es.job(sid)
    assert job["state"] == "canceled"
    assert any("evaluation canceled" in line for line in es.log(sid))
    assert "cannot be canceled in status canceled" in es.cli.fails("submissions:cancel", sid)
    # No evaluation e-mail for a cancel (only the new-submission one).
    assert not [m for m in smtp.mails_to(es.user["email"], consume=False) if "evaluation" in m.subject.lower()]


def test_script_outside_the_bin_folder_is_refused(servers, tmp_path, make_user):
    es = EvalServer(servers, tmp_path, make_user)
    outside = es.root / "outside.sh"
    # An index entry pointing out of the bin folder: discovery refuses it, so register it by hand.
    with open(es.bin_dir / "index.yml", "a") as f:
        f.write(f"  outside:\n    executor: bash\n    script_path: {outside}\n")
    es.server.execute("INSERT INTO evaluators (id, label, host, executor, script_path, base_arguments) "
                      "VALUES (99, 'outside', NULL, 'bash', ?, '')", (str(outside),))
    es.cli.ok("challenges:set", str(es.challenge), "evaluator", "99")
    sid = es.submit()
    assert es.wait_status(sid, ("completed", "failed")) == "failed"
    lines = es.log(sid)
    assert any("outside the bin folder" in line for line in lines), lines
    assert "outside the bin folder" in es.job(sid)["reason"]
    time.sleep(0.5)
    assert not (es.root / "outside-ran").exists()


def test_challenge_without_evaluator_waits(servers, tmp_path, make_user):
    es = EvalServer(servers, tmp_path, make_user)
    sid = es.submit()
    deadline = time.monotonic() + 10
    while not any("no evaluator" in line for line in es.log(sid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert es.status(sid) == "uploaded"
    assert any("no evaluator" in line for line in es.log(sid))
    assert "has no evaluator" in es.cli.fails("submissions:evaluate", sid)
    es.use("good")
    es.cli.ok("submissions:evaluate", sid)
    assert es.wait_status(sid, ("completed", "failed")) == "completed"


def test_server_restart_mid_evaluation(servers, tmp_path, make_user):
    env = {"ZR_EVAL_LEASE": "3s"}
    es = EvalServer(servers, tmp_path, make_user, env)
    es.use("slow")
    sid = es.submit()
    pid = int(es.wait_file(es.folder(sid) / "evaluator.pid").read_text())
    assert es.wait_status(sid, ("evaluating",)) == "evaluating"
    es.wait_log(sid, "slow run starts")
    (es.folder(sid) / "evaluator.pid").unlink()
    es.server.stopped_by_test = True
    assert es.server.stop() == 0
    assert wait_gone(pid), "the evaluator outlived the server"
    assert es.server.query("SELECT status FROM challenge_submissions WHERE id = ?", (sid,))[0]["status"] == "evaluating"

    es.server = servers.start(data_dir=es.server.data_dir, extra_env={
        k: v for k, v in es.server.env.items() if k.startswith("ZR_") and k not in (
            "ZR_DATA_FOLDER", "ZR_MAIL_SERVER", "ZR_MAIL_PORT", "ZR_API_BASE_URL")})
    es.submitter.server = es.server
    assert es.wait_status(sid, ("completed", "failed"), timeout=40) == "completed", es.log(sid)
    lines = es.log(sid)
    assert sum("slow run starts" in line for line in lines) == 2
    assert sum("slow run done" in line for line in lines) == 1
    assert sum("evaluation completed" in line for line in lines) == 1
    job = es.job(sid)
    assert job["state"] == "completed" and job["attempts"] >= 2
    assert any("attempt 2)" in line for line in lines), lines
