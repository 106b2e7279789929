"""The zrc client's whole flow against `zr serve` (issue 20's "done when"): login -> user info ->
benchmark info -> new model -> new submission (single and multipart, parts in any order, one sent
twice) -> status -> evaluation -> the entry in the leaderboard by label and by id (JSON and CSV),
on a fresh data folder with a real evaluator, and on a migrated copy of the first implementation's
data folder (shared/fixtures/legacy-v0)."""
import csv
import io
import json
import time
from datetime import date

import pytest

from conftest import login
from evaluation_env import EvalServer
from zips import files_under, md5, submission_dir
from zrc import Zrc, split_parts, zrc_archive

LABEL = "abxLS"


def wait_status(zrc, sid, wanted, timeout=30):
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = zrc.status(sid).json()["status"]
        if status in wanted:
            return status
        time.sleep(0.05)
    pytest.fail(f"{sid} still {status!r}, wanted {wanted}")


def client_session(server, username, password):
    """CurrentUser.login: the token, then the profile zrc keeps (all four names must be strings)."""
    zrc = Zrc(server, username, password)
    body = zrc.login()
    assert body["username"] == username, body
    profile = server.get(f"/users/{username}/profile", headers=zrc.auth)
    assert profile.status_code == 200, profile.text
    info = profile.json()
    for key in ("username", "affiliation", "first_name", "last_name", "email"):
        assert isinstance(info[key], str), (key, info)
    assert "token" not in info and info["username"] == username
    return zrc, info


def benchmark_is_open(zrc, label):
    """zrc's BenchmarkList.info + is_active: active and (no end date or not past it)."""
    r = zrc.benchmark_info(label)
    assert r.status_code == 200, r.text
    info = r.json()
    assert set(info) >= {"label", "start_date", "end_date", "active", "url", "evaluator", "auto_eval"}
    assert isinstance(info["auto_eval"], bool)
    return info["active"] and (info["end_date"] is None or date.fromisoformat(info["end_date"]) >= date.today())


def evaluable_archive(score, model):
    """A zrc-shaped archive that the test evaluator ('good') can score."""
    data, files = zrc_archive({
        "meta.yaml": b"benchmark_name: abxLS\nmodel_info:\n  model_id: null\n",
        "params.yaml": b"quiet: true\n",
        "score.txt": str(score).encode(),
        "model.txt": model.encode(),
        "scores/leaderboard.json": json.dumps({"model_id": None, "submission_id": "", "scores": {"abx": score}}).encode(),
    })
    return data, files


def test_zrc_flow_on_a_fresh_folder_through_evaluation_to_the_leaderboard(servers, tmp_path, make_user):
    es = EvalServer(servers, tmp_path, make_user)
    server = es.server
    server.execute("UPDATE challenges SET label = ? WHERE id = ?", (LABEL, es.challenge))
    es.use("good")
    board_file = tmp_path / "board.json"
    board_file.write_text(json.dumps([{
        "label": "abxLS-leaderboard", "challenge_id": es.challenge, "path_to": "abxLS.json",
        "entry_file": "scores/entry.json", "external_entries": None, "archived": False,
        "static_files": False, "sorting_key": "-score"}]))
    es.cli.ok("leaderboards:create", "-f", str(board_file))
    board_id = es.cli.query("SELECT id FROM leaderboards WHERE label = 'abxLS-leaderboard'")[0]["id"]

    zrc, info = client_session(server, es.user["username"], es.user["password"])
    assert benchmark_is_open(zrc, LABEL)
    r = zrc.new_model(author_name=info["last_name"])
    assert r.status_code == 200, r.text
    model = r.json()["model_id"]
    assert r.json()["user"] == zrc.username and model.isalnum()

    # Multipart, parts in set order, one re-sent after a lost answer.
    data, files = evaluable_archive(0.75, "multi")
    parts = split_parts(data, "sub-multi", 200)
    assert len(parts) >= 4
    sid = zrc.create(model, LABEL, "sub-multi.zip", data, parts)
    answers = zrc.upload_in_set_order(sid, parts)
    assert answers[-1] == {"completed": True, "remaining": []}
    r = zrc.add(sid, *parts[1])
    assert r.status_code == 200 and r.json() == {"completed": True, "remaining": []}, r.text
    seen = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = zrc.status(sid).json()["status"]
        seen.add(status)
        if status in ("completed", "failed", "invalid"):
            break
        time.sleep(0.02)
    assert status == "completed", (status, es.log(sid))
    assert files_under(submission_dir(server, sid) / "input") == files
    assert md5((submission_dir(server, sid) / "input.zip").read_bytes()) == md5(data)

    # Single-part, sent twice (zrc's resume always re-sends it).
    data2, _ = evaluable_archive(0.5, "single")
    sid2 = zrc.create(model, LABEL, "sub-single.zip", data2)
    for _ in range(2):
        r = zrc.add(sid2, "sub-single.zip", data2)
        assert r.status_code == 200 and r.json() == {"completed": True, "remaining": []}, r.text
    assert wait_status(zrc, sid2, ("completed", "failed", "invalid")) == "completed", es.log(sid2)

    # The entries, by label and by id, with their identity filled from our records.
    by_label = server.get("/leaderboards/abxLS-leaderboard/json")
    by_id = server.get(f"/leaderboards/{board_id}/json")
    assert by_label.status_code == 200 and by_id.status_code == 200, (by_label.text, by_id.text)
    for body in (by_label.json(), by_id.json()):
        assert "last_modified" in body and "updatedOn" in body
        entries = {e["submission_id"]: e for e in body["data"]}
        assert set(entries) == {sid, sid2}, body
        for entry in entries.values():
            assert entry["model_id"] == model and entry["submitted_by"] == zrc.username, entry
    assert server.get("/leaderboards/list").json() == ["abxLS-leaderboard"]
    r = server.get("/leaderboards/abxLS-leaderboard/csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), r.text
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {row["submission_id"] for row in rows} == {sid, sid2}
    r = server.get(f"/leaderboards/abxLS-leaderboard/entry/{sid}")
    assert r.status_code == 200 and r.json()["submission_id"] == sid, r.text
    # The first generation's reads agree.
    assert es.submitter.status(sid) == "completed"


def test_zrc_flow_on_a_migrated_legacy_folder(legacy_server):
    server = legacy_server
    # The legacy folder's open challenge, under a label zrc sends.
    server.execute("UPDATE challenges SET label = ? WHERE label = 'open-track'", (LABEL,))
    zrc, info = client_session(server, "alice", "alice-legacy-pass")
    assert info["first_name"] == "Alice" and info["last_name"] == "Liddell" and info["verified"] is True
    assert benchmark_is_open(zrc, LABEL)
    assert zrc.benchmark_info("zr2015").json()["active"] is False
    r = zrc.new_model(author_name=info["last_name"])
    assert r.status_code == 200, r.text
    model = r.json()["model_id"]
    assert model.startswith("Lid")

    data, files = zrc_archive(duplicate="dev-clean/a.npy")
    parts = split_parts(data, "legacy-multi", 1500)
    sid = zrc.create(model, LABEL, "legacy-multi.zip", data, parts)
    zrc.upload_in_set_order(sid, parts, seed=3)
    # No evaluator on this challenge: nothing to queue.
    assert wait_status(zrc, sid, ("no_eval", "invalid", "failed")) == "no_eval"
    assert files_under(submission_dir(server, sid) / "input") == files
    # The legacy submission is visible through v2, the new one through the seed routes.
    legacy_id = "202611-2605-4949-1c2f57b6-ac9a-4442-a6f9-35da55b364fc"
    assert zrc.status(legacy_id).json()["status"] in ("uploaded", "no_eval")
    token = login(server, "alice", "alice-legacy-pass")
    listed = server.get("/users/submissions", headers={"Authorization": f"Bearer {token}"}).json()
    assert sid in [s["submission_id"] for s in listed[LABEL]]
    mine = server.get(f"/users/alice/submissions/list", headers=zrc.auth).json()["items"]
    assert {s["id"] for s in mine} == {sid, legacy_id}
