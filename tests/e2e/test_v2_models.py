"""Second API generation: benchmarks (our challenges, by label) and models (api-v2.md section 1.3
P1-c/d, section 1.4 rows 9 and 13-20, section 6 scenarios 3 and 4), and `zr models:list`."""
import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from conftest import assert_detail, assert_no_leak, assert_validation

TODAY = date.today()
YY = f"{TODAY.year % 100:02d}"
BENCHMARK_KEYS = ["label", "start_date", "end_date", "active", "url", "evaluator", "auto_eval"]
MODEL_KEYS = ["id", "user_id", "created_at", "description", "gpu_budget", "train_set", "authors",
              "institution", "team", "paper_url", "code_url"]
SUBMISSION_KEYS = {"id", "benchmark_id", "model_id", "submit_date", "status", "auto_eval", "has_scores",
                   "evaluator_id", "author_label"}

# What zrc 8a716e8 sends to models/create (api-v2.md, appendix), `author_label` included.
ZRC_MODEL = {"description": "probe model", "gpu_budget": "10", "train_set": "LS960", "authors": "Pro Be",
             "institution": "ENS", "team": "CoML", "author_label": "Be et al.", "paper_url": None,
             "code_url": None, "created_at": "2026-12-07T11:56:28.016824"}


def add_challenge(server, label, start, end, active, evaluator=None):
    with server.db() as con:
        cur = con.execute("INSERT INTO challenges (label, start_date, end_date, active, url, evaluator) "
                          "VALUES (?, ?, ?, ?, ?, ?)",
                          (label, start, end, active, f"https://zerospeech.com/{label}", evaluator))
        challenge_id = cur.lastrowid
    con.close()
    return challenge_id


def add_evaluator(server):
    with server.db() as con:
        cur = con.execute("INSERT INTO evaluators (label, host, executor, script_path, base_arguments) "
                          "VALUES ('eval-1', NULL, 'bash', '/opt/eval.sh', '')")
        evaluator = cur.lastrowid
    con.close()
    return evaluator


def add_submission(server, sub_id, user_id, challenge_id, status, model_id=None, submit_date=None):
    server.execute("INSERT INTO challenge_submissions (id, user_id, track_id, submit_date, status, model_id, "
                   "has_scores, author_label) VALUES (?, ?, ?, ?, ?, ?, 1, 'Be et al.')",
                   (sub_id, user_id, challenge_id, submit_date or "2026-01-02 03:04:05.000006", status, model_id))


def create_model(server, user, author_name="Be", body=None, username=None):
    return server.post(f"/users/{username or user['username']}/models/create",
                       params={"author_name": author_name}, json=ZRC_MODEL if body is None else body,
                       headers=user.auth)


def items(r):
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["items"], body
    return body["items"]


def data_files(server):
    return {p.relative_to(server.data_dir) for p in server.data_dir.rglob("*")
            if not p.name.startswith(server.db_path.name)}


# ------------------------------------------------------------------------------------------------
# Benchmarks (scenario 3)
# ------------------------------------------------------------------------------------------------
def test_benchmark_info_without_token_whatever_its_state(server):
    evaluator = add_evaluator(server)
    add_challenge(server, "sLM21", "2021-12-12", None, 1, evaluator)
    add_challenge(server, "abx17", "2017-01-01", None, 0)
    add_challenge(server, "tde17", "2017-01-01", "2017-12-31", 1)
    expected = {
        "sLM21": {"label": "sLM21", "start_date": "2021-12-12", "end_date": None, "active": True,
                  "url": "https://zerospeech.com/sLM21", "evaluator": evaluator, "auto_eval": True},
        "abx17": {"label": "abx17", "start_date": "2017-01-01", "end_date": None, "active": False,
                  "url": "https://zerospeech.com/abx17", "evaluator": None, "auto_eval": True},
        "tde17": {"label": "tde17", "start_date": "2017-01-01", "end_date": "2017-12-31", "active": True,
                  "url": "https://zerospeech.com/tde17", "evaluator": None, "auto_eval": True},
    }
    for label, body in expected.items():
        r = server.get(f"/benchmarks/{label}/info")
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/json")
        assert r.json() == body
        assert sorted(r.json()) == sorted(BENCHMARK_KEYS)
        # zrc's is_active(): active and (no end_date or end_date >= today)
        info = r.json()
        zrc_open = info["active"] and (info["end_date"] is None or date.fromisoformat(info["end_date"]) >= TODAY)
        assert zrc_open == (label == "sLM21")


def test_unknown_benchmark_is_a_404_json_message(server):
    r = server.get("/benchmarks/nope/info")
    assert r.status_code == 404
    assert r.json() == {"message": "There is no challenge with the following id: nope"}
    assert_no_leak(r.text)
    # labels are exact: no case folding, no id lookup
    add_challenge(server, "sLM21", "2021-12-12", None, 1)
    assert server.get("/benchmarks/slm21/info").status_code == 404
    assert server.get("/benchmarks/1/info").status_code == 404


def test_cli_challenge_is_reachable_by_label_and_auto_eval_follows_challenges_set(server, tmp_path):
    entries = [{"label": "test-challenge", "start_date": "2021-01-01", "end_date": None,
                "url": "https://zerospeech.com/test", "active": True, "evaluator": None}]
    path = tmp_path / "challenges.json"
    path.write_text(json.dumps(entries))
    result = server.run_cli("challenges:new", "-f", str(path))
    assert result.returncode == 0, result.stderr
    info = server.get("/benchmarks/test-challenge/info").json()
    assert info["label"] == "test-challenge" and info["auto_eval"] is True
    challenge_id = server.query("SELECT id FROM challenges WHERE label = 'test-challenge'")[0]["id"]

    result = server.run_cli("challenges:set", str(challenge_id), "auto_eval", "false", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["auto_eval"] is False
    # the running server sees the change (its challenge cache follows commits)
    assert server.get("/benchmarks/test-challenge/info").json()["auto_eval"] is False
    assert server.query("SELECT auto_eval FROM challenges WHERE id = ?", (challenge_id,)) == [{"auto_eval": 0}]
    listed = json.loads(server.run_cli("challenges:list", "--json").stdout)
    assert [(c["label"], c["auto_eval"]) for c in listed] == [("test-challenge", False)]

    result = server.run_cli("challenges:set", str(challenge_id), "auto_eval", "true")
    assert result.returncode == 0, result.stderr
    assert server.get("/benchmarks/test-challenge/info").json()["auto_eval"] is True
    # a value that is not a boolean changes nothing
    result = server.run_cli("challenges:set", str(challenge_id), "auto_eval", "sometimes")
    assert result.returncode != 0 and "auto_eval" in result.stderr
    assert server.get("/benchmarks/test-challenge/info").json()["auto_eval"] is True
    # the seed route keeps its seven keys
    assert "auto_eval" not in server.get(f"/challenges/{challenge_id}").json()


def test_benchmark_list_open_unless_include_inactive(server):
    add_challenge(server, "open-now", "2020-01-01", None, 1)
    add_challenge(server, "future", (TODAY + timedelta(days=30)).isoformat(), None, 1)
    add_challenge(server, "ended", "2020-01-01", "2021-03-31", 1)
    add_challenge(server, "inactive", "2020-01-01", None, 0)
    listed = items(server.get("/benchmarks/list"))
    assert [b["label"] for b in listed] == ["open-now"]
    assert sorted(listed[0]) == sorted(BENCHMARK_KEYS)
    assert [b["label"] for b in items(server.get("/benchmarks/list?include_inactive=false"))] == ["open-now"]
    every = items(server.get("/benchmarks/list", params={"include_inactive": "yes"}))
    assert [b["label"] for b in every] == ["open-now", "future", "ended", "inactive"]
    assert all(isinstance(b["auto_eval"], bool) for b in every)
    r = server.get("/benchmarks/list?include_inactive=maybe")
    assert_validation(r, [(["query", "include_inactive"], "type_error.bool")])


def test_benchmark_submissions_are_public_published_and_anonymous(server, make_user):
    user = make_user()
    challenge = add_challenge(server, "abxLS", "2021-01-01", None, 1)
    add_submission(server, "sub-done", user["id"], challenge, "completed", "Be26a")
    add_submission(server, "sub-busy", user["id"], challenge, "uploading", "Be26a")
    add_submission(server, "sub-evaluating", user["id"], challenge, "evaluating")
    listed = items(server.get("/benchmarks/abxLS/submissions/list"))
    assert listed == [{"id": "sub-done", "benchmark_id": "abxLS", "model_id": "Be26a",
                       "submit_date": "2026-01-02T03:04:05.000006", "status": "completed", "auto_eval": True,
                       "has_scores": True, "evaluator_id": None, "author_label": "Be et al."}]
    assert "user_id" not in listed[0]
    assert items(server.get("/benchmarks/nope/submissions/list")) == []


def test_benchmark_leaderboards(server):
    challenge = add_challenge(server, "sLM21", "2021-01-01", None, 1)
    other = add_challenge(server, "abxLS", "2021-01-01", None, 1)
    for challenge_id, label, key in ((challenge, "sLM21-leaderboard", "scores.lexical"),
                                     (other, "abxLS-leaderboard", "")):
        server.execute("INSERT INTO leaderboards (challenge_id, label, path_to, entry_file, archived, "
                       "external_entries, static_files, sorting_key) VALUES (?, ?, 'b.json', 'e.json', 0, '', 1, ?)",
                       (challenge_id, label, key))
    assert items(server.get("/benchmarks/sLM21/leaderboards/list")) == [
        {"label": "sLM21-leaderboard", "benchmark_id": "sLM21", "archived": False, "static_files": True,
         "sorting_key": "scores.lexical"}]
    assert items(server.get("/benchmarks/abxLS/leaderboards/list"))[0]["sorting_key"] is None
    assert items(server.get("/benchmarks/nope/leaderboards/list")) == []


# ------------------------------------------------------------------------------------------------
# Models (scenario 4)
# ------------------------------------------------------------------------------------------------
def test_model_create_as_zrc_does(server, make_user):
    user = make_user()
    before = data_files(server)
    r = create_model(server, user)
    assert r.status_code == 200, r.text
    assert r.json() == {"model_id": f"Be{YY}a", "user": user["username"]}
    r = create_model(server, user)
    assert r.json() == {"model_id": f"Be{YY}b", "user": user["username"]}
    rows = server.query("SELECT * FROM models ORDER BY id")
    assert [row["id"] for row in rows] == [f"Be{YY}a", f"Be{YY}b"]
    assert rows[0]["user_id"] == user["id"]
    assert rows[0]["created_at"] == "2026-12-07 11:56:28.016824"  # the client's value is kept
    assert (rows[0]["description"], rows[0]["team"], rows[0]["paper_url"]) == ("probe model", "CoML", None)
    # no folder per model
    assert data_files(server) == before


@pytest.mark.parametrize("author_name, prefix", [
    ("Zed", "Zed"), ("Lovelace", "Lov"), ("a b/c", "abc"), ("../x", "x"), ("..", "m"), ("/", "m"),
    ("Ünïcode", "nco"), ("", "m"), ("12 34", "m"), ("O'Neil-Smith", "ONe"),
])
def test_model_ids_are_letters_only_whatever_the_author_name(server, make_user, author_name, prefix):
    user = make_user()
    before = data_files(server)
    r = create_model(server, user, author_name=author_name)
    assert r.status_code == 200, r.text
    model_id = r.json()["model_id"]
    assert model_id == f"{prefix}{YY}a"
    assert re.fullmatch(r"[A-Za-z]{1,3}[0-9]{2}[a-z]+", model_id)
    assert data_files(server) == before
    assert not (server.data_dir.parent / f"{YY}a").exists()


def test_model_counter_goes_past_z(server, make_user):
    user = make_user()
    with server.db() as con:
        con.executemany("INSERT INTO models (id, user_id) VALUES (?, ?)",
                        [(f"Zed{YY}{chr(ord('a') + i)}", user["id"]) for i in range(26)])
        con.execute("INSERT INTO models (id, user_id) VALUES (?, ?)", (f"Zed{YY}ab", user["id"]))
    con.close()
    assert create_model(server, user, author_name="Zed").json()["model_id"] == f"Zed{YY}aa"
    assert create_model(server, user, author_name="Zed").json()["model_id"] == f"Zed{YY}ac"
    # another prefix, or another case, counts on its own
    assert create_model(server, user, author_name="zed").json()["model_id"] == f"zed{YY}a"


def test_concurrent_creations_get_distinct_ids(server, make_user):
    from concurrent.futures import ThreadPoolExecutor
    user = make_user()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: create_model(server, user), range(16)))
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    ids = sorted(r.json()["model_id"] for r in answers)
    assert len(set(ids)) == 16
    assert set(ids) == {f"Be{YY}{chr(ord('a') + i)}" for i in range(16)}


@pytest.mark.parametrize("field, value, kind", [
    ("paper_url", "ftp://example.org/paper", "value_error.url.scheme"),
    ("paper_url", "not a url", "value_error.url.scheme"),
    ("code_url", "http://", "value_error.url.host"),
    ("code_url", "https://github.com/x y", "value_error.url.extra"),
    ("paper_url", "", "value_error.any_str.min_length"),
    ("created_at", "yesterday", "value_error.datetime"),
    ("created_at", None, "type_error.none.not_allowed"),
    ("team", None, "type_error.none.not_allowed"),
    ("description", ["a"], "type_error.str"),
])
def test_model_create_invalid_field_is_a_422_and_stores_nothing(server, make_user, field, value, kind):
    user = make_user()
    body = dict(ZRC_MODEL, **{field: value})
    r = create_model(server, user, body=body)
    items_422 = assert_validation(r, [(["body", field], kind)])
    assert len(items_422) == 1
    assert server.query("SELECT id FROM models") == []


def test_model_create_bad_scheme_matches_pydantic(server, make_user):
    user = make_user()
    r = create_model(server, user, body=dict(ZRC_MODEL, paper_url="ftp://example.org/paper"))
    assert r.json() == {"detail": [{"loc": ["body", "paper_url"], "msg": "URL scheme not permitted",
                                    "type": "value_error.url.scheme",
                                    "ctx": {"allowed_schemes": ["http", "https"]}}]}


def test_model_create_accepts_urls_and_datetimes_as_pydantic_does(server, make_user):
    user = make_user()
    body = dict(ZRC_MODEL, paper_url=" https://arxiv.org/abs/2104.14700 ", code_url="http://github.com/zr",
                created_at="2026-12-07T10:56:28Z")
    model_id = create_model(server, user, body=body).json()["model_id"]
    info = server.get(f"/models/{model_id}/info").json()
    assert info["paper_url"] == "https://arxiv.org/abs/2104.14700"
    assert info["code_url"] == "http://github.com/zr"
    # an aware datetime is that instant, shown in the server's local time as every datetime
    local = datetime(2026, 12, 7, 10, 56, 28, tzinfo=timezone.utc).astimezone().replace(tzinfo=None)
    assert info["created_at"] == local.isoformat(timespec="microseconds")
    # created_at left out: now
    body = {k: v for k, v in ZRC_MODEL.items() if k != "created_at"}
    model_id = create_model(server, user, body=body).json()["model_id"]
    created = datetime.fromisoformat(server.get(f"/models/{model_id}/info").json()["created_at"])
    assert abs((created - datetime.now()).total_seconds()) < 60


def test_model_create_missing_parts(server, make_user):
    user = make_user()
    r = server.post(f"/users/{user['username']}/models/create", json=ZRC_MODEL, headers=user.auth)
    items_422 = assert_validation(r, [(["query", "author_name"], "value_error.missing")])
    assert len(items_422) == 1
    body = {k: v for k, v in ZRC_MODEL.items() if k not in ("description", "team")}
    r = server.post(f"/users/{user['username']}/models/create", json=body, headers=user.auth)
    # query first, then the body in the model's field order (FastAPI)
    got = [(i["loc"], i["type"]) for i in r.json()["detail"]]
    assert got == [(["query", "author_name"], "value_error.missing"), (["body", "description"], "value_error.missing"),
                   (["body", "team"], "value_error.missing")]
    assert server.query("SELECT id FROM models") == []


def test_model_create_for_someone_else_or_without_token(server, make_user):
    user, other = make_user(), make_user()
    r = create_model(server, user, username=other["username"])
    assert_detail(r, 403, "Operation not allowed")
    r = server.post(f"/users/{user['username']}/models/create", params={"author_name": "Be"}, json=ZRC_MODEL)
    assert_detail(r, 401, "Not authenticated")
    assert server.query("SELECT id FROM models") == []


def test_models_are_listed_and_shown(server, make_user):
    user, other = make_user(), make_user()
    first = create_model(server, user).json()["model_id"]
    second = create_model(server, other, author_name="Zed").json()["model_id"]
    mine = items(server.get(f"/users/{user['username']}/models/list", headers=user.auth))
    assert mine == [{"id": first, "user_id": user["id"], "created_at": "2026-12-07T11:56:28.016824",
                     "description": "probe model", "gpu_budget": "10", "train_set": "LS960", "authors": "Pro Be",
                     "institution": "ENS", "team": "CoML", "paper_url": None, "code_url": None}]
    assert sorted(mine[0]) == sorted(MODEL_KEYS)
    assert server.get(f"/models/{first}/info").json() == mine[0]
    assert_detail(server.get(f"/users/{other['username']}/models/list", headers=user.auth), 403,
                  "Operation not allowed")
    assert_detail(server.get(f"/users/{user['username']}/models/list"), 401, "Not authenticated")
    # public, every user's, by created_at then id (both carry zrc's created_at)
    assert [m["id"] for m in items(server.get("/models/list"))] == [first, second]


def test_unknown_model_is_a_404_on_every_model_route(server):
    for path in ("/models/Xy26a/info", "/models/Xy26a/submissions/list", "/models/Xy26a/challenges/list"):
        r = server.get(path)
        assert r.status_code == 404, path
        assert r.json() == {"message": "There is no model with the following id: Xy26a"}


def test_model_submissions_and_challenges_show_published_ones_only(server, make_user):
    user = make_user()
    model_id = create_model(server, user).json()["model_id"]
    abx = add_challenge(server, "abxLS", "2021-01-01", None, 1)
    pros = add_challenge(server, "prosAudit", "2021-01-01", None, 1)
    slm = add_challenge(server, "sLM21", "2021-01-01", None, 1)
    add_submission(server, "s1", user["id"], pros, "completed", model_id, "2026-01-01 00:00:00.000000")
    add_submission(server, "s2", user["id"], abx, "completed", model_id, "2026-01-02 00:00:00.000000")
    add_submission(server, "s3", user["id"], slm, "uploaded", model_id)
    add_submission(server, "s4", user["id"], abx, "completed", None)
    listed = items(server.get(f"/models/{model_id}/submissions/list"))
    assert [(s["id"], s["benchmark_id"]) for s in listed] == [("s1", "prosAudit"), ("s2", "abxLS")]
    assert all(set(s) == SUBMISSION_KEYS for s in listed)
    challenges = items(server.get(f"/models/{model_id}/challenges/list"))
    assert [c["label"] for c in challenges] == ["abxLS", "prosAudit"]
    assert sorted(challenges[0]) == sorted(BENCHMARK_KEYS)


# ------------------------------------------------------------------------------------------------
# zr models:list
# ------------------------------------------------------------------------------------------------
def test_cli_models_list(server, make_user):
    user, other = make_user(), make_user()
    first = create_model(server, user).json()["model_id"]
    second = create_model(server, other, author_name="Zed").json()["model_id"]
    result = server.run_cli("models:list", "--json")
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert {m["id"]: m["username"] for m in listed} == {first: user["username"], second: other["username"]}
    assert listed[0]["created_at"] == "2026-12-07 11:56:28.016824" and listed[0]["team"] == "CoML"
    table = server.run_cli("models:list").stdout.splitlines()
    assert table[0].split()[:4] == ["id", "user_id", "username", "created_at"]
    assert len(table) == 4 and set(table[1]) <= {"-", " "}
    for who in (other["username"], str(other["id"])):
        only = json.loads(server.run_cli("models:list", "--user", who, "--json").stdout)
        assert [m["id"] for m in only] == [second]
    result = server.run_cli("models:list", "--user", "nobody-here")
    assert result.returncode != 0 and "nobody-here" in result.stderr
