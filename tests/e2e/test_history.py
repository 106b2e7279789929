"""Submission history users can rely on (issue 8, part 4), on the real binary: platform failures
marked, mailed, posted and refunded; evaluator failures counted; a challenge-wide re-run after an
evaluator fix that keeps the earlier scores; the queue position while waiting; bad input."""
import json
import time

import pytest

from evaluation_env import EvalServer
from mattermost_sink import MattermostSink
from test_evaluation import create_board, mail_with, mattermost_env, wait_board
from zips import Submitter, good_zip, md5


@pytest.fixture
def sink():
    with MattermostSink() as s:
        yield s


def details(es, sid, submitter=None):
    r = (submitter or es.submitter).get(f"/users/submissions/{sid}/status?details=true")
    assert r.status_code == 200, r.text
    return r.json()


def listed(es, sid):
    rows = [r for r in json.loads(es.cli.ok("submissions:list", "--json")) if r["id"] == sid]
    assert len(rows) == 1
    return rows[0]


def create_again(es):
    data, _ = good_zip()
    return es.submitter.create_raw(es.challenge, {"filename": "a.zip", "hash": md5(data), "multipart": False})


def register_outside_evaluator(es):
    """An evaluator whose script lies outside the bin folder: workers refuse it (a platform fault)."""
    es.server.execute("INSERT INTO evaluators (id, label, host, executor, script_path, base_arguments) "
                      "VALUES (99, 'outside', NULL, 'bash', ?, '')", (str(es.root / "outside.sh"),))
    es.cli.ok("challenges:set", str(es.challenge), "evaluator", "99")


# ------------------------------------------------------------------------------------------------
def test_platform_failure_is_marked_refunded_mailed_and_posted(servers, tmp_path, make_user, smtp, sink):
    env = dict(mattermost_env(sink), ZR_MAX_SUBMISSIONS_TOTAL="1")
    es = EvalServer(servers, tmp_path, make_user, env)
    register_outside_evaluator(es)
    sid = es.submit()
    assert es.wait_status(sid, ("completed", "failed")) == "failed"
    assert es.status(sid) == "failed"  # the default answer stays the first implementation's string

    body = details(es, sid)
    assert body["status"] == "failed" and body["queue_position"] is None
    assert body["failure"]["kind"] == "platform"
    assert "outside the bin folder" in body["failure"]["reason"]
    assert body["failure"]["counts_toward_limit"] is False
    assert body["evaluations"] == 1 and body["score_versions"] == 0
    assert es.job(sid)["failure_kind"] == "platform"

    mail = mail_with(smtp, es.user["email"], ["failed", sid, "does not count toward your submission limit"])
    assert "problem on our side" in mail.text and "organisers were told" in mail.text
    post = sink.wait_for(lambda p: p.json and "Evaluation failed (platform)" in p.json["text"])
    assert sid in post.json["text"] and "outside the bin folder" in post.json["text"]

    row = listed(es, sid)
    assert row["status"] == "failed" and row["failure"] == "platform" and "outside the bin folder" in row["reason"]
    assert any("failed" in line and "platform" in line for line in es.cli.ok("submissions:list").splitlines())

    # The limit of one submission was not consumed: the participant submits again, evaluated.
    es.use("good")
    again = es.submit(score=0.5)
    assert es.wait_status(again, ("completed", "failed")) == "completed", es.log(again)
    r = create_again(es)  # that one counts
    assert r.status_code == 429, r.text


def test_evaluator_failure_counts(servers, tmp_path, make_user, smtp):
    es = EvalServer(servers, tmp_path, make_user, {"ZR_MAX_SUBMISSIONS_TOTAL": "1"})
    es.use("fail")
    sid = es.submit()
    assert es.wait_status(sid, ("completed", "failed")) == "failed"
    body = details(es, sid)
    assert body["failure"] == {"kind": "evaluator", "reason": "exit status 1", "counts_toward_limit": True}
    assert es.job(sid)["failure_kind"] == "evaluator"
    mail = mail_with(smtp, es.user["email"], ["failed", sid, "exit status 1"])
    assert "does not count" not in mail.text and "our side" not in mail.text
    assert listed(es, sid)["failure"] == "evaluator"
    r = create_again(es)
    assert r.status_code == 429, r.text


def test_attempts_exhausted_is_a_platform_failure(servers, tmp_path, make_user):
    es = EvalServer(servers, tmp_path, make_user, {"ZR_EVAL_LEASE": "3s", "ZR_EVAL_MAX_ATTEMPTS": "1",
                                                   "ZR_MAX_SUBMISSIONS_TOTAL": "1"})
    es.use("slow")
    sid = es.submit()
    es.wait_file(es.folder(sid) / "evaluator.pid")
    assert es.wait_status(sid, ("evaluating",)) == "evaluating"
    es.server.stopped_by_test = True
    assert es.server.stop() == 0  # the worker dies with its server: the job lost its worker once
    es.server = servers.start(data_dir=es.server.data_dir, extra_env={
        k: v for k, v in es.server.env.items() if k.startswith("ZR_") and k not in (
            "ZR_DATA_FOLDER", "ZR_MAIL_SERVER", "ZR_MAIL_PORT", "ZR_API_BASE_URL")})
    es.submitter.server = es.server
    assert es.wait_status(sid, ("completed", "failed"), timeout=40) == "failed", es.log(sid)
    body = details(es, sid)
    assert body["failure"]["kind"] == "platform", body
    assert "lost its worker 1 times" in body["failure"]["reason"]
    assert body["failure"]["counts_toward_limit"] is False
    assert create_again(es).status_code == 200


FIXED = """
folder="$1"
while [ ! -e "{gate}" ]; do sleep 0.05; done
score=$(cat "$folder/input/score.txt")
model=$(cat "$folder/input/model.txt")
printf '{{"model": "%s", "score": %s, "fixed": true}}\\n' "$model" "$score" > "$folder/scores/entry.json"
echo "fixed evaluator: score $score"
"""


def test_rerun_after_an_evaluator_fix_keeps_the_history(servers, tmp_path, make_user):
    es = EvalServer(servers, tmp_path, make_user)
    es.use("good")
    board_id = create_board(es, tmp_path)
    low, high = es.submit(score=0.25, model="low"), es.submit(score=0.75, model="high")
    for sid in (low, high):
        assert es.wait_status(sid, ("completed", "failed")) == "completed", es.log(sid)
    before = wait_board(es, board_id, 2)
    assert [e["model"] for e in before["data"]] == ["high", "low"]
    first_job = es.job(low)

    dry = es.cli.ok("submissions:evaluate", "--all", "--challenge", str(es.challenge), "--dry-run")
    assert "would queue 2 completed submission(s)" in dry and low in dry and high in dry
    assert es.status(low) == "completed" and es.status(high) == "completed"

    # The evaluator is fixed (and held at a gate so that the re-run can be watched while pending).
    gate = es.root / "release"
    (es.bin_dir / "good.sh").write_text("#!/bin/bash\n" + FIXED.format(gate=gate))
    label = es.server.query("SELECT label FROM challenges WHERE id = ?", (es.challenge,))[0]["label"]
    out = es.cli.ok("submissions:evaluate", "--all", "--challenge", str(es.challenge))
    assert f"queued 2 completed submission(s) of challenge {label} again" in out
    assert es.wait_status(low, ("evaluating",)) == "evaluating"
    assert es.status(high) == "on_queue"
    assert details(es, high)["queue_position"] == 1

    # While pending: the earlier scores stay, on the board (even rebuilt) and for the participant.
    es.cli.ok("leaderboards:build", str(board_id))
    pending = es.server.get(f"/leaderboards/{board_id}/json").json()
    assert [(e["model"], e.get("fixed")) for e in pending["data"]] == [("high", None), ("low", None)]
    assert es.submitter.get(f"/users/submissions/{low}/scores").json() == {"main": {"model": "low", "score": 0.25}}

    gate.touch()
    for sid in (low, high):
        assert es.wait_status(sid, ("completed", "failed")) == "completed", es.log(sid)
    deadline = time.monotonic() + 20
    body = None
    while time.monotonic() < deadline:
        body = es.server.get(f"/leaderboards/{board_id}/json").json()
        if [e.get("fixed") for e in body["data"]] == [True, True]:
            break
        time.sleep(0.1)
    assert [(e["model"], e.get("fixed")) for e in body["data"]] == [("high", True), ("low", True)], body
    assert es.submitter.get(f"/users/submissions/{low}/scores").json() == {
        "main": {"model": "low", "score": 0.25, "fixed": True}}

    history = json.loads(es.cli.ok("submissions:scores", low, "--json"))
    assert history["submission"] == low and history["status"] == "completed"
    versions = history["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    old, new = versions
    assert old["job"] == first_job["id"] and new["job"] == es.job(low)["id"] != old["job"]
    assert old["entries"] == {"main": {"model": "low", "score": 0.25}}
    assert new["entries"] == {"main": {"model": "low", "score": 0.25, "fixed": True}}
    assert (old["shown"], new["shown"]) == (False, True)
    assert old["location"] == f"scores_history/{old['job']}/scores" and new["location"] == "scores"
    for v in versions:
        assert v["evaluator"] == "good" and v["executor"] == "bash" and v["host"] == "evalhost"
        assert v["exit_code"] == 0 and v["started_at"] and v["finished_at"] and len(v["script_sha256"]) == 64
    assert old["script_sha256"] != new["script_sha256"]  # the fix shows in the record
    assert (es.folder(low) / old["location"] / "entry.json").exists()
    table = es.cli.ok("submissions:scores", low)
    assert f"submission {low}" in table and "2 score version(s)" in table and first_job["id"] in table
    assert len(json.loads(es.cli.ok("jobs:list", "--json"))) == 4


def test_queue_position_while_waiting(servers, tmp_path, make_user):
    es = EvalServer(servers, tmp_path, make_user, {"ZR_LOCAL_WORKERS": "0"})
    es.use("good")
    sids = [es.submit(score=i) for i in range(3)]
    for position, sid in enumerate(sids, start=1):
        assert es.wait_status(sid, ("on_queue",)) == "on_queue"
        r = es.submitter.get(f"/users/submissions/{sid}/status")
        assert r.status_code == 200 and r.json() == "on_queue"
        assert r.headers["X-Queue-Position"] == str(position)
        body = details(es, sid)
        assert body == {"status": "on_queue", "queue_position": position, "failure": None, "evaluations": 1,
                        "score_versions": 0}
    es.cli.ok("submissions:cancel", sids[0])
    assert details(es, sids[1])["queue_position"] == 1
    r = es.submitter.get(f"/users/submissions/{sids[0]}/status")
    assert r.json() == "canceled" and "X-Queue-Position" not in r.headers


def test_bad_input(servers, tmp_path, make_user):
    es = EvalServer(servers, tmp_path, make_user, {"ZR_LOCAL_WORKERS": "0"})
    es.use("good")
    sid = es.submit()
    assert es.wait_status(sid, ("on_queue",)) == "on_queue"
    for value in ("maybe", "", "2"):
        r = es.submitter.get(f"/users/submissions/{sid}/status?details={value}")
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["loc"] == ["query", "details"], r.text
    for value in ("false", "0", "no", "off"):
        r = es.submitter.get(f"/users/submissions/{sid}/status?details={value}")
        assert r.status_code == 200 and r.json() == "on_queue", r.text
    assert es.submitter.get(f"/users/submissions/{sid}/status?details=TRUE").json()["status"] == "on_queue"
    other = Submitter(es.server, make_user(es.server))
    for query in ("", "?details=true"):
        r = other.get(f"/users/submissions/{sid}/status{query}")
        assert r.status_code == 403 and "message" in r.json(), r.text
        r = other.get(f"/users/submissions/nope/status{query}")
        assert r.status_code == 404, r.text
    assert es.server.get(f"/users/submissions/{sid}/status?details=true").status_code == 401

    before = es.cli.query("SELECT id, state FROM evaluation_jobs")
    assert "There is no challenge with the following id: 9999" in es.cli.fails(
        "submissions:evaluate", "--all", "--challenge", "9999")
    assert "--all and --challenge go together" in es.cli.fails("submissions:evaluate", "--all")
    assert "--all and --challenge go together" in es.cli.fails("submissions:evaluate", "--challenge", "1")
    assert "either a SUBMISSION_ID or --all" in es.cli.fails("submissions:evaluate")
    assert "either a SUBMISSION_ID or --all" in es.cli.fails(
        "submissions:evaluate", sid, "--all", "--challenge", str(es.challenge))
    assert "--dry-run goes with" in es.cli.fails("submissions:evaluate", sid, "--dry-run")
    bad = es.cli.run("submissions:evaluate", "--all", "--challenge", "abc")
    assert bad.returncode != 0 and "abc" in bad.stderr
    es.server.execute("INSERT INTO challenges (label, start_date, end_date, active, url, evaluator) "
                      "VALUES ('bare', '2020-01-01', NULL, 1, 'https://x.org', NULL)")
    bare = es.cli.query("SELECT id FROM challenges WHERE label = 'bare'")[0]["id"]
    assert "has no evaluator" in es.cli.fails("submissions:evaluate", "--all", "--challenge", str(bare))
    assert "There is no submission with the following id: nope" in es.cli.fails("submissions:scores", "nope")
    assert "There is no submission" in es.cli.fails("submissions:scores", "../../etc")
    assert es.cli.query("SELECT id, state FROM evaluation_jobs") == before
    assert "0 score version(s)" in es.cli.ok("submissions:scores", sid)
