"""Leaderboards (issue 4): leaderboards:create/list/build/show, GET /leaderboards/,
GET /leaderboards/{id}/json and GET /challenges/{id}/leaderboard. Completed submissions are seeded
as an evaluation leaves them (a row with status completed + SUBMISSION_DIR/<id>/scores/entry.json),
without the evaluation pipeline."""
import json

import pytest

from cli_helpers import Cli, parse_table

CHALLENGE = 1
OTHER_CHALLENGE = 2


@pytest.fixture
def lb(server):
    server.execute("INSERT INTO users_credentials (id, username, email, active, verified, hashed_pswd, salt) "
                   "VALUES (1, 'ann', 'ann@x.org', 1, 'True', ?, ?)", (b"\0" * 32, b"\1" * 32))
    for cid, label in ((CHALLENGE, "track-a"), (OTHER_CHALLENGE, "track-b")):
        server.execute("INSERT INTO challenges (id, label, start_date, end_date, active, url, evaluator) "
                       "VALUES (?, ?, '2020-01-01', NULL, 1, 'https://x.org', NULL)", (cid, label))
    return Cli(server.data_dir)


def add_submission(server, n, status, entry, challenge=CHALLENGE):
    """A submission row submitted n seconds into 2024 and, unless entry is None, its entry file
    (a dict is written as JSON, a str as is)."""
    sid = f"202401-0100-{n:04d}-e2e"
    server.execute("INSERT INTO challenge_submissions (id, user_id, track_id, submit_date, status) "
                   "VALUES (?, 1, ?, ?, ?)", (sid, challenge, f"2024-01-01 00:00:{n:02d}.000000", status))
    scores = server.data_dir / "submissions" / sid / "scores"
    scores.mkdir(parents=True)
    if entry is not None:
        (scores / "entry.json").write_text(entry if isinstance(entry, str) else json.dumps(entry))
    return sid


def board(label, **fields):
    item = {"label": label, "challenge_id": CHALLENGE, "path_to": f"{label}.json",
            "entry_file": "scores/entry.json", "external_entries": None, "archived": False,
            "static_files": False, "sorting_key": None}
    item.update(fields)
    return item


def create(cli, tmp_path, items):
    path = tmp_path / "leaderboards.json"
    path.write_text(json.dumps(items))
    out = cli.ok("leaderboards:create", "-f", str(path))
    return [int(line.split()[2]) for line in out.splitlines()]


def not_built(answer):
    """A board not built yet: no data, updatedOn the time of the request (the first implementation's)."""
    return answer["data"] == [] and answer["updatedOn"][:2] == "20" and answer["updatedOn"][10] == "T"


def test_create_build_and_read(server, lb, tmp_path):
    first = add_submission(server, 1, "completed", {"model": "m1", "scores": {"accuracy": 0.7}})
    second = add_submission(server, 2, "completed", {"model": "m2", "scores": {"accuracy": 0.9}})
    add_submission(server, 3, "evaluating", {"model": "running", "scores": {"accuracy": 1.0}})
    add_submission(server, 4, "completed", None)  # no entry file: skipped
    add_submission(server, 5, "completed", "{broken")  # malformed: skipped
    add_submission(server, 6, "completed", {"model": "other", "scores": {"accuracy": 1.0}}, OTHER_CHALLENGE)
    baselines = server.data_dir / "archive" / "baselines"
    baselines.mkdir(parents=True)
    (baselines / "a-topline.json").write_text(json.dumps([{"model": "topline", "scores": {"accuracy": 0.99}}]))
    (baselines / "b-baseline.yaml").write_text("model: baseline\nscores:\n  accuracy: 0.5\n")
    past = server.data_dir / "archive" / "past"
    past.mkdir(parents=True)
    (past / "2021.yml").write_text("- model: old-1\n  scores: {accuracy: 0.3}\n- model: old-2\n  scores: {accuracy: 0.4}\n")

    main_id, past_id = create(lb, tmp_path, [
        board("main", sorting_key="-scores.accuracy", external_entries="baselines"),
        board("past", archived=True, external_entries=str(past), sorting_key="scores.accuracy")])

    # Before any build.
    assert not_built(server.get(f"/leaderboards/{main_id}/json").json())
    by_challenge = server.get(f"/challenges/{CHALLENGE}/leaderboard").json()
    assert set(by_challenge) == {"main", "past"} and all(map(not_built, by_challenge.values()))
    shown = lb.ok("leaderboards:show", str(main_id))
    assert "label: main" in shown and "not built yet" in shown

    built = lb.run("leaderboards:build", str(main_id))
    assert built.returncode == 0, built.stderr
    assert "(main): 4 entries, 2 skipped" in built.stdout
    assert str(server.data_dir / "leaderboards" / "main.json") in built.stdout
    assert "2 completed submission(s) without a readable scores/entry.json" in built.stderr  # logged
    built = lb.run("leaderboards:build", "--all")
    assert built.returncode == 0, built.stderr
    assert "(main): 4 entries" in built.stdout and "(past): 2 entries, 0 skipped" in built.stdout

    r = server.get("/leaderboards/")
    assert r.status_code == 200
    assert r.json() == [
        {"id": main_id, "challenge_id": CHALLENGE, "label": "main", "entry_file": "scores/entry.json",
         "archived": False, "static_files": False},
        {"id": past_id, "challenge_id": CHALLENGE, "label": "past", "entry_file": "scores/entry.json",
         "archived": True, "static_files": False}]

    main = server.get(f"/leaderboards/{main_id}/json").json()
    assert [e["model"] for e in main["data"]] == ["topline", "m2", "m1", "baseline"]
    assert [e["rank"] for e in main["data"]] == [1, 2, 3, 4]
    assert [e.get("submission_id") for e in main["data"]] == [None, second, first, None]
    assert main["updatedOn"][:4].isdigit() and main["updatedOn"][10] == "T"
    assert json.loads((server.data_dir / "leaderboards" / "main.json").read_text()) == main

    past_file = server.get(f"/leaderboards/{past_id}/json").json()
    assert [e["model"] for e in past_file["data"]] == ["old-1", "old-2"]

    assert server.get(f"/challenges/{CHALLENGE}/leaderboard").json() == {"main": main, "past": past_file}
    assert server.get(f"/challenges/{OTHER_CHALLENGE}/leaderboard").json() == {}
    assert json.loads(lb.ok("leaderboards:show", str(main_id))) == main


def test_rebuild_sees_new_completed_submissions(server, lb, tmp_path):
    [bid] = create(lb, tmp_path, [board("main", sorting_key="-score")])
    add_submission(server, 1, "completed", {"score": 1})
    lb.ok("leaderboards:build", str(bid))
    assert len(server.get(f"/leaderboards/{bid}/json").json()["data"]) == 1
    add_submission(server, 2, "completed", {"score": 2})
    lb.ok("leaderboards:build", str(bid))
    data = server.get(f"/leaderboards/{bid}/json").json()["data"]
    assert [(e["score"], e["rank"]) for e in data] == [(2, 1), (1, 2)]
    assert sorted(p.name for p in (server.data_dir / "leaderboards").iterdir()) == ["main.json", "main.json.lock"]


def test_unknown_and_malformed_ids(server, lb):
    r = server.get("/leaderboards/999/json")
    assert r.status_code == 404 and r.json() == {"message": "There is no leaderboard with the following id: 999"}
    r = server.get("/challenges/999/leaderboard")
    assert r.status_code == 404 and r.json() == {"message": "There is no challenge with the following id: 999"}
    for path, name in (("/leaderboards/abc/json", "leaderboard_id"), ("/leaderboards/1.5/json", "leaderboard_id"),
                       ("/challenges/abc/leaderboard", "challenge_id")):
        r = server.get(path)
        assert r.status_code == 422, (path, r.text)
        detail = r.json()["detail"]
        assert [(d["loc"], d["type"]) for d in detail] == [(["path", name], "type_error.integer")]
    assert server.get("/leaderboards/").json() == []


def test_list_and_cli_errors(server, lb, tmp_path):
    create(lb, tmp_path, [board("main", sorting_key="-a,b.c")])
    rows = json.loads(lb.ok("leaderboards:list", "--json"))
    assert rows == [{"id": 1, "label": "main", "challenge_id": CHALLENGE, "path_to": "main.json",
                     "entry_file": "scores/entry.json", "archived": False, "external_entries": None,
                     "static_files": False, "sorting_key": "-a,b.c"}]
    assert [r["label"] for r in parse_table(lb.ok("leaderboards:list"))] == ["main"]

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([board("new", entry_file="../../etc/passwd")]))
    line = lb.fails("leaderboards:create", "-f", str(bad))
    assert "item 0" in line and "entry_file" in line
    bad.write_text(json.dumps([board("main")]))
    assert "already exists" in lb.fails("leaderboards:create", "-f", str(bad))
    bad.write_text(json.dumps([board("x", challenge_id=77)]))
    assert "77" in lb.fails("leaderboards:create", "-f", str(bad))
    bad.write_text("{not json")
    lb.fails("leaderboards:create", "-f", str(bad))
    assert len(json.loads(lb.ok("leaderboards:list", "--json"))) == 1

    assert "There is no leaderboard with the following id: 9" in lb.fails("leaderboards:build", "9")
    assert "There is no leaderboard" in lb.fails("leaderboards:show", "9")
    lb.fails("leaderboards:build")  # neither ID nor --all
    lb.fails("leaderboards:build", "1", "--all")
