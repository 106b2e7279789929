"""GET /challenges/ and GET /challenges/{id}."""
import json
from datetime import date, timedelta

import pytest

from conftest import assert_no_leak, assert_validation

TODAY = date.today()
# label -> (start, end, active, open?)
SEED = {
    "open-now": ("2020-01-01", None, 1, True),
    "ends-today": ("2020-01-01", TODAY.isoformat(), 1, True),
    "starts-today": (TODAY.isoformat(), None, 1, True),
    "ended": ("2020-12-12", "2021-03-31", 1, False),
    "future": ((TODAY + timedelta(days=30)).isoformat(), None, 1, False),
    "inactive": ("2020-01-01", None, 0, False),
}


@pytest.fixture
def seeded(server):
    with server.db() as con:
        cur = con.execute("INSERT INTO evaluators (label, host, executor, script_path, "
                          "base_arguments) VALUES ('eval-1', NULL, 'bash', '/opt/eval.sh', '-v')")
        evaluator = cur.lastrowid
        ids = {}
        for label, (start, end, active, _) in SEED.items():
            cur = con.execute(
                "INSERT INTO challenges (label, start_date, end_date, active, url, evaluator) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (label, start, end, active, f"https://zerospeech.com/track/{label}",
                 evaluator if label == "open-now" else None))
            ids[label] = cur.lastrowid
    con.close()
    return ids, evaluator


def labels(r):
    assert r.status_code == 200, r.text
    return [c["label"] for c in r.json()]


def test_list_open_only(server, seeded):
    ids, _ = seeded
    r = server.get("/challenges/")
    assert r.status_code == 200
    body = r.json()
    expected = [label for label, spec in SEED.items() if spec[3]]
    assert [c["label"] for c in body] == expected
    for item in body:
        assert set(item) == {"id", "label", "active"}, item
        assert item["id"] == ids[item["label"]]
        assert item["active"] is True


def test_list_include_inactive(server, seeded, unchanged):
    ids, _ = seeded
    with unchanged(server):
        for value in ("true", "True", "TRUE", "1", "yes", "on", "On"):
            r = server.get("/challenges/", params={"include_inactive": value})
            assert labels(r) == list(SEED), value
            actives = {c["label"]: c["active"] for c in r.json()}
            assert actives["inactive"] is False and actives["ended"] is True
        for value in ("false", "0", "no", "off", "OFF"):
            r = server.get("/challenges/", params={"include_inactive": value})
            assert labels(r) == [l for l, s in SEED.items() if s[3]], value


def test_list_include_inactive_not_a_bool(server, seeded, unchanged):
    with unchanged(server):
        for value in ("maybe", "2", "truee"):
            r = server.get("/challenges/", params={"include_inactive": value})
            items = assert_validation(r, [(["query", "include_inactive"], "type_error.bool")])
            assert len(items) == 1


def test_list_empty(server):
    r = server.get("/challenges/")
    assert r.status_code == 200 and r.json() == []


def test_collection_without_slash_redirects(server, seeded):
    r = server.get("/challenges")
    assert r.status_code == 307, r.text
    assert r.headers["location"].endswith("/challenges/"), r.headers
    r = server.get("/challenges?include_inactive=true")
    assert r.status_code == 307
    assert r.headers["location"].endswith("/challenges/?include_inactive=true"), r.headers
    # a client that follows it gets the list
    r = server.get("/challenges", allow_redirects=True)
    assert labels(r) == [l for l, s in SEED.items() if s[3]]


def test_get_one(server, seeded):
    ids, evaluator = seeded
    r = server.get(f"/challenges/{ids['open-now']}")
    assert r.status_code == 200, r.text
    assert r.json() == {"id": ids["open-now"], "label": "open-now", "start_date": "2020-01-01",
                        "end_date": None, "active": True,
                        "url": "https://zerospeech.com/track/open-now", "evaluator": evaluator}
    # closed or inactive challenges can be read too
    r = server.get(f"/challenges/{ids['ended']}")
    assert r.json() == {"id": ids["ended"], "label": "ended", "start_date": "2020-12-12",
                        "end_date": "2021-03-31", "active": True,
                        "url": "https://zerospeech.com/track/ended", "evaluator": None}
    r = server.get(f"/challenges/{ids['inactive']}")
    assert r.status_code == 200 and r.json()["active"] is False


def test_get_unknown(server, seeded, unchanged):
    with unchanged(server):
        r = server.get("/challenges/9999")
        assert r.status_code == 404, r.text
        assert r.json() == {"message": "There is no challenge with the following id: 9999"}
        r = server.get("/challenges/0")
        assert r.status_code == 404
        assert r.json() == {"message": "There is no challenge with the following id: 0"}


def test_get_not_an_int(server, seeded, unchanged):
    with unchanged(server):
        for value in ("abc", "1.5", "1e3", "%20", "-"):
            r = server.get(f"/challenges/{value}")
            items = assert_validation(r, [(["path", "challenge_id"], "type_error.integer")])
            assert len(items) == 1
            assert_no_leak(r.text)
        # out of the 64-bit range: refused, never a crash
        r = server.get("/challenges/99999999999999999999999")
        assert r.status_code in (404, 422), r.text
        assert_no_leak(r.text)


def test_challenges_created_with_the_cli(server, tmp_path):
    entries = [
        {"label": "cli-open", "start_date": "2021-01-01", "end_date": None,
         "url": "https://zerospeech.com/track/cli", "active": True, "evaluator": None},
        {"label": "cli-closed", "start_date": "2015-01-20", "end_date": "2015-04-30",
         "url": "https://zerospeech.com/track/2015", "active": False, "evaluator": None},
    ]
    path = tmp_path / "challenges.json"
    path.write_text(json.dumps(entries))
    result = server.run_cli("challenges:new", "-f", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    # the running server sees what the CLI wrote
    assert labels(server.get("/challenges/")) == ["cli-open"]
    r = server.get("/challenges/", params={"include_inactive": "true"})
    by_label = {c["label"]: c for c in r.json()}
    assert set(by_label) == {"cli-open", "cli-closed"}
    detail = server.get(f"/challenges/{by_label['cli-closed']['id']}").json()
    assert detail == {"id": by_label["cli-closed"]["id"], "label": "cli-closed",
                      "start_date": "2015-01-20", "end_date": "2015-04-30", "active": False,
                      "url": "https://zerospeech.com/track/2015", "evaluator": None}
    rows = server.query("SELECT * FROM challenges WHERE label = 'cli-closed'")
    assert rows[0]["start_date"] == "2015-01-20" and rows[0]["active"] == 0
