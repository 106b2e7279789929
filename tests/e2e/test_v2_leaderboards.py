"""Evaluation and leaderboards for both API generations (api-v2.md sections 2.5, 2.6, 4.6;
scenarios 9 and 10): no_eval / no_auto_eval after an upload, an organiser's publish / exclude /
include, entries stamped from our records, and the v2 leaderboard routes (list, info, json by label
or id, csv, entry). Submissions are created through the first generation's routes; their v2 columns
(model_id, has_scores, author_label, leaderboard_file) are set in the database before the upload,
as the v2 creation route would have stored them."""
import csv
import io
import json
import time

import pytest

from evaluation_env import EvalServer
from zips import good_zip, open_challenge

MODEL = "Be26a"
AUTHOR = "Be et al."


def create_board(es, tmp_path, label="main-board", challenge=None):
    path = tmp_path / f"{label}.json"
    path.write_text(json.dumps([{
        "label": label, "challenge_id": challenge or es.challenge, "path_to": f"{label}.json",
        "entry_file": "scores/entry.json", "external_entries": None, "archived": False,
        "static_files": False, "sorting_key": "-score"}]))
    es.cli.ok("leaderboards:create", "-f", str(path))
    return es.cli.query("SELECT id FROM leaderboards WHERE label = ?", (label,))[0]["id"]


def submit_v2(es, score=0.5, model="m", challenge=None, extra_files=None, **columns):
    """Creates a submission (seed route), stores its v2 columns, then uploads its archive."""
    challenge = challenge or es.challenge
    files = {"score.txt": str(score).encode(), "model.txt": model.encode()}
    files.update(extra_files or {})
    data, _ = good_zip(files)
    sid = es.submitter.create(challenge, data)
    values = {"model_id": MODEL, "author_label": AUTHOR}
    values.update(columns)
    assignments = ", ".join(f"{name} = ?" for name in values)
    es.server.execute(f"UPDATE challenge_submissions SET {assignments} WHERE id = ?", (*values.values(), sid))
    r = es.submitter.upload(challenge, sid, "archive.zip", data)
    assert r.status_code == 200, r.text
    return sid


def board_json(es, key):
    r = es.server.get(f"/leaderboards/{key}/json")
    assert r.status_code == 200, r.text
    return r.json()


def wait_board(es, key, check, timeout=20):
    deadline = time.monotonic() + timeout
    body = None
    while time.monotonic() < deadline:
        body = board_json(es, key)
        if check(body["data"]):
            return body
        time.sleep(0.1)
    pytest.fail(f"leaderboard {key} never matched: {body}")


def row_status(es, sid):
    return es.server.query("SELECT status FROM challenge_submissions WHERE id = ?", (sid,))[0]["status"]


# ------------------------------------------------------------------------------------------------
# Scenario 9: statuses after an upload.
# ------------------------------------------------------------------------------------------------
def test_evaluated_then_failed(servers, tmp_path, make_user):
    es = EvalServer(servers, tmp_path, make_user)
    es.use("good")
    sid = submit_v2(es)
    assert es.wait_status(sid, ("completed", "failed", "no_eval", "no_auto_eval")) == "completed", es.log(sid)
    lines = es.log(sid)
    uploaded, queued, started, done = [
        next(i for i, line in enumerate(lines) if text in line)
        for text in ("status changed to uploaded", "queued for evaluation", "evaluation started",
                     "evaluation completed")]
    # The worker may log its start before the queuing request logs its line.
    assert uploaded < min(queued, started) and max(queued, started) < done, lines
    assert es.job(sid)["state"] == "completed"

    es.use("fail")
    failed = submit_v2(es)
    assert es.wait_status(failed, ("completed", "failed")) == "failed"
    assert any("bad input" in line for line in es.log(failed))


def test_no_evaluator_gives_no_eval_until_one_is_attached(servers, tmp_path, make_user):
    es = EvalServer(servers, tmp_path, make_user)
    bare = open_challenge(es.server, label="bare")
    sid = submit_v2(es, challenge=bare)
    assert es.wait_status(sid, ("no_eval", "on_queue")) == "no_eval"
    assert any("status changed to no_eval: the challenge has no evaluator" in line for line in es.log(sid))
    assert es.job(sid) is None
    assert "has no evaluator" in es.cli.fails("submissions:evaluate", sid)
    assert row_status(es, sid) == "no_eval"

    es.use("good", challenge=bare)
    job_id = es.cli.ok("submissions:evaluate", sid).strip()
    assert es.wait_status(sid, ("completed", "failed")) == "completed", es.log(sid)
    assert es.job(sid)["id"] == job_id


def test_auto_eval_off_gives_no_auto_eval_and_an_organiser_queues_it(servers, tmp_path, make_user):
    es = EvalServer(servers, tmp_path, make_user)
    es.use("good")
    es.server.execute("UPDATE challenges SET auto_eval = 0 WHERE id = ?", (es.challenge,))
    sid = submit_v2(es)
    assert es.wait_status(sid, ("no_auto_eval", "on_queue", "completed")) == "no_auto_eval"
    assert any("status changed to no_auto_eval: automatic evaluation is off" in line for line in es.log(sid))

    # A restart does not queue it by itself.
    es.server.stopped_by_test = True
    assert es.server.stop() == 0
    es.server = servers.start(data_dir=es.server.data_dir, extra_env={
        k: v for k, v in es.server.env.items() if k.startswith("ZR_") and k not in (
            "ZR_DATA_FOLDER", "ZR_MAIL_SERVER", "ZR_MAIL_PORT", "ZR_API_BASE_URL")})
    es.submitter.server = es.server
    time.sleep(1)
    assert es.status(sid) == "no_auto_eval" and es.job(sid) is None

    # The submission's own auto_eval wins over the challenge's.
    forced = submit_v2(es, auto_eval=1)
    assert es.wait_status(forced, ("completed", "failed", "no_auto_eval")) == "completed", es.log(forced)

    es.cli.ok("submissions:evaluate", sid)
    assert es.wait_status(sid, ("completed", "failed")) == "completed", es.log(sid)


# ------------------------------------------------------------------------------------------------
# Scenario 10: the entry on the leaderboards.
# ------------------------------------------------------------------------------------------------
def test_entry_stamped_served_by_label_and_id_csv_rerun_exclude(servers, tmp_path, make_user):
    es = EvalServer(servers, tmp_path, make_user)
    es.use("good")
    board_id = create_board(es, tmp_path)
    sid = submit_v2(es, score=0.5, model="first, second")
    assert es.wait_status(sid, ("completed", "failed")) == "completed", es.log(sid)

    assert es.server.get("/leaderboards/list").json() == ["main-board"]
    r = es.server.get("/leaderboards/main-board/info")
    assert r.status_code == 200 and r.json() == {
        "label": "main-board", "benchmark_id": "open-sub", "archived": False, "static_files": False,
        "sorting_key": "-score"}
    r = es.server.get("/leaderboards/nope/info")
    assert r.status_code == 404 and "nope" in r.json()["message"]

    by_label = wait_board(es, "main-board", lambda data: len(data) == 1)
    by_id = board_json(es, board_id)
    assert by_label == by_id
    assert set(by_label) == {"updatedOn", "last_modified", "data"}
    assert by_label["last_modified"] == by_label["updatedOn"]
    [entry] = by_label["data"]
    assert (entry["model_id"], entry["submission_id"], entry["submitted_by"]) == (MODEL, sid, es.user["username"])
    assert entry["publication"] == {"author_short": AUTHOR}
    submit_date = es.server.query("SELECT submit_date FROM challenge_submissions WHERE id = ?", (sid,))[0]
    assert entry["submission_date"] == submit_date["submit_date"].replace(" ", "T")
    assert (entry["model"], entry["score"], entry["rank"]) == ("first, second", 0.5, 1)

    # CSV, by label and by id.
    for key in ("main-board", str(board_id)):
        r = es.server.get(f"/leaderboards/{key}/csv")
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/csv")
        assert r.headers["content-disposition"] == 'attachment; filename="main-board.csv"'
        rows = list(csv.reader(io.StringIO(r.text, newline="")))
        assert len(rows) == 2
        record = dict(zip(rows[0], rows[1]))
        assert record["model"] == "first, second" and record["score"] == "0.5"
        assert record["publication.author_short"] == AUTHOR and record["submission_id"] == sid
        assert record["submitted_by"] == es.user["username"] and record["model_id"] == MODEL
    assert es.server.get("/leaderboards/nope/csv").status_code == 404

    # One entry.
    for key in ("main-board", str(board_id)):
        r = es.server.get(f"/leaderboards/{key}/entry/{sid}")
        assert r.status_code == 200 and r.json() == entry
    r = es.server.get("/leaderboards/main-board/entry/unknown")
    assert r.status_code == 404 and "unknown" in r.json()["message"]

    # Re-evaluation replaces the entry.
    es.use("slow")
    es.cli.ok("submissions:evaluate", sid)
    body = wait_board(es, "main-board", lambda data: len(data) == 1 and data[0]["model"] == "slow", timeout=40)
    assert body["data"][0]["submission_id"] == sid and body["data"][0]["model_id"] == MODEL
    assert es.wait_status(sid, ("completed",)) == "completed"

    # Excluded: off every leaderboard, by label and by id; included again: back.
    out = es.cli.ok("submissions:exclude", sid)
    assert "excluded" in out and "(main-board): 0 entries" in out
    assert es.status(sid) == "excluded"
    assert board_json(es, "main-board")["data"] == [] and board_json(es, board_id)["data"] == []
    assert es.server.get(f"/leaderboards/main-board/entry/{sid}").status_code == 404
    assert any("status changed to excluded" in line for line in es.log(sid))
    assert "cannot be excluded in status excluded" in es.cli.fails("submissions:exclude", sid)
    es.cli.ok("submissions:include", sid)
    assert [e["submission_id"] for e in board_json(es, "main-board")["data"]] == [sid]


def test_client_scores_shown_only_once_published(servers, tmp_path, make_user):
    es = EvalServer(servers, tmp_path, make_user)
    es.use("good")
    es.server.execute("UPDATE challenges SET auto_eval = 0 WHERE id = ?", (es.challenge,))
    create_board(es, tmp_path)
    client_entry = {"model_id": None, "submission_id": "", "submitted_by": "mallory", "model": "client",
                    "score": 0.9, "publication": {"author_short": None, "authors": "A. Be"}}
    extra = {"scores/leaderboard.json": json.dumps(client_entry).encode()}
    sid = submit_v2(es, extra_files=extra, has_scores=1, leaderboard_file="scores/leaderboard.json")
    escaping = submit_v2(es, extra_files=extra, has_scores=1, leaderboard_file="../scores/entry.json")
    plain = submit_v2(es)
    for s in (sid, escaping, plain):
        assert es.wait_status(s, ("no_auto_eval", "on_queue", "completed")) == "no_auto_eval"

    es.cli.ok("leaderboards:build", "--all")
    assert board_json(es, "main-board")["data"] == []

    assert "no scores of its own" in es.cli.fails("submissions:publish", plain)
    out = es.cli.ok("submissions:publish", sid)
    assert "published" in out and "(main-board): 1 entries" in out
    assert es.status(sid) == "completed"
    [entry] = board_json(es, "main-board")["data"]
    assert (entry["model"], entry["score"]) == ("client", 0.9)
    assert (entry["model_id"], entry["submission_id"], entry["submitted_by"]) == (MODEL, sid, es.user["username"])
    assert entry["publication"] == {"author_short": AUTHOR, "authors": "A. Be"}
    assert "cannot be published in status completed" in es.cli.fails("submissions:publish", sid)

    # A leaderboard file outside input/ is never read.
    published = es.cli.run("submissions:publish", escaping)
    assert published.returncode == 0, published.stderr
    assert "without a readable scores/entry.json (first: " + escaping in published.stderr
    assert [e["submission_id"] for e in board_json(es, "main-board")["data"]] == [sid]

    # The evaluator's scores, once there, win over the client's.
    es.cli.ok("submissions:evaluate", sid)
    wait_board(es, "main-board", lambda data: len(data) == 1 and data[0]["model"] == "m")
