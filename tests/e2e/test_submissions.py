"""Submissions over HTTP (pipeline.md 1-3, api.md submission rows): creation, single-part and
multipart uploads, validation, ownership, the participant's reads, and the legacy fixture."""
import json
import re
from datetime import date, timedelta

import pytest

from conftest import assert_detail, assert_no_leak, assert_validation, login, User
from zips import (TIMESTAMP_RE, Submitter, big_good_zip, files_under, good_zip, manifest, md5,
                  open_challenge, read_manifest, split, submission_dir)

ID_RE = re.compile(r"^\d{6}-\d{4}-\d{4}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$")
LEGACY_ID = "202611-2605-4949-1c2f57b6-ac9a-4442-a6f9-35da55b364fc"


@pytest.fixture
def challenge(server):
    return open_challenge(server)


@pytest.fixture
def alice(server, make_user):
    return Submitter(server, make_user())


@pytest.fixture
def bob(server, make_user):
    return Submitter(server, make_user())


def rows(server, submission_id):
    return server.query("SELECT * FROM challenge_submissions WHERE id = ?", (submission_id,))


def assert_domain_error(r, status):
    assert r.status_code == status, f"{r.status_code} {r.text}"
    body = r.json()
    assert set(body) <= {"message", "data"} and isinstance(body["message"], str), body
    assert_no_leak(r.text)
    return body["message"]


def assert_uploaded(server, sub, submission_id, data, files):
    """Status uploaded; input/ holds exactly the archive's files; no lock; input.zip intact."""
    assert sub.wait_status(submission_id) == "uploaded", sub.log(submission_id)
    folder = submission_dir(server, submission_id)
    assert not (folder / "upload.lock").exists()
    assert md5((folder / "input.zip").read_bytes()) == md5(data)
    assert files_under(folder / "input") == files
    assert rows(server, submission_id)[0]["status"] == "uploaded"
    lines = sub.log(submission_id)
    assert lines == (folder / "out.log").read_text().splitlines()
    stamped = [line for line in lines if re.match(TIMESTAMP_RE, line)]
    assert len(stamped) >= 3, lines
    assert submission_id in lines[0], lines
    assert any("uploaded" in line for line in lines), lines
    return lines


# ------------------------------------------------------------------------------------------------
# Happy paths
# ------------------------------------------------------------------------------------------------
def test_single_part_upload(server, smtp, challenge, alice):
    data, files = good_zip()
    sid = alice.create(challenge, data, filename="my_system.zip")
    assert ID_RE.match(sid), sid
    folder = submission_dir(server, sid)
    assert json.loads((folder / "info.json").read_text()) == {
        "user": alice.user["username"], "track": "open-sub", "submission_id": sid}
    assert (folder / "archive.hash").read_text() == md5(data)
    assert (folder / "upload.lock").exists() and (folder / "scores").is_dir()
    row = rows(server, sid)[0]
    assert (row["user_id"], row["track_id"], row["status"]) == (alice.user["id"], challenge, "uploading")
    assert alice.status(sid) == "uploading"
    state = alice.upload_state(challenge, sid)
    assert state.status_code == 200 and state.json()["completed"] is False, state.text

    r = alice.upload(challenge, sid, "my_system.zip", data)
    assert r.status_code == 200, r.text
    assert r.json() == {"completed": True, "remaining": []}
    assert_uploaded(server, alice, sid, data, files)
    assert alice.upload_state(challenge, sid).json() == {"completed": True, "remaining": []}
    mail = smtp.wait_for(alice.user["email"])
    assert sid in mail.text or "submission" in mail.subject.lower(), mail.text


def test_multipart_upload_in_any_order(server, challenge, alice):
    data, files = big_good_zip()
    pieces = split(data, 3)
    names = [n for n, _ in pieces]
    sid = alice.create(challenge, data, pieces)
    folder = submission_dir(server, sid)
    assert read_manifest(server, sid) == {
        "store_location": str(folder / "tmp"), "merge_hash": md5(data), "index": manifest(pieces),
        "received": [], "multipart": True, "hashed_parts": True,
        "target_location": str(folder / "input.zip")}
    assert not (folder / "archive.hash").exists()
    assert alice.upload_state(challenge, sid).json() == {"completed": False, "remaining": names}

    r = alice.upload(challenge, sid, names[1], pieces[1][1])
    assert r.status_code == 200, r.text
    assert r.json() == {"completed": False, "remaining": [names[0], names[2]]}
    assert alice.upload_state(challenge, sid).json() == r.json()
    assert (folder / "tmp" / names[1]).read_bytes() == pieces[1][1]
    assert read_manifest(server, sid)["received"] == manifest(pieces[1:2])
    assert alice.status(sid) == "uploading"

    assert alice.upload(challenge, sid, names[0], pieces[0][1]).json() == {
        "completed": False, "remaining": [names[2]]}
    assert alice.upload(challenge, sid, names[2], pieces[2][1]).json() == {
        "completed": True, "remaining": []}
    assert_uploaded(server, alice, sid, data, files)
    for name in names:
        assert not (folder / "tmp" / name).exists(), name
    leftovers = [p.name for p in (folder / "tmp").iterdir()] if (folder / "tmp").exists() else []
    assert set(leftovers) <= {"upload.json"}, leftovers


def test_same_part_twice_counts_once(server, challenge, alice):
    data, files = big_good_zip(600_000)
    pieces = split(data, 3)
    names = [n for n, _ in pieces]
    sid = alice.create(challenge, data, pieces)
    for _ in range(2):
        r = alice.upload(challenge, sid, names[0], pieces[0][1])
        assert r.json() == {"completed": False, "remaining": names[1:]}, r.text
    assert read_manifest(server, sid)["received"] == manifest(pieces[:1])
    r = alice.upload(challenge, sid, names[1], pieces[1][1])
    assert r.json() == {"completed": False, "remaining": names[2:]}, r.text
    r = alice.upload(challenge, sid, names[2], pieces[2][1])
    assert r.json() == {"completed": True, "remaining": []}, r.text
    assert_uploaded(server, alice, sid, data, files)


def test_wrong_md5_then_right_one(server, challenge, alice):
    data, files = big_good_zip(600_000)
    pieces = split(data, 2)
    names = [n for n, _ in pieces]
    sid = alice.create(challenge, data, pieces)
    tmp = submission_dir(server, sid) / "tmp"
    corrupted = b"\0" + pieces[0][1][1:]
    r = alice.upload(challenge, sid, names[0], corrupted)
    assert "hash" in assert_domain_error(r, 400).lower()
    assert sorted(p.name for p in tmp.iterdir()) == ["upload.json"]
    assert read_manifest(server, sid)["received"] == []
    assert alice.upload_state(challenge, sid).json() == {"completed": False, "remaining": names}

    assert alice.upload(challenge, sid, names[0], pieces[0][1]).json() == {
        "completed": False, "remaining": names[1:]}
    assert alice.upload(challenge, sid, names[1], pieces[1][1]).json() == {
        "completed": True, "remaining": []}
    assert_uploaded(server, alice, sid, data, files)


def test_single_part_wrong_md5_then_right_one(server, challenge, alice):
    data, files = good_zip()
    sid = alice.create(challenge, data)
    r = alice.upload(challenge, sid, "archive.zip", data + b"junk")
    assert "hash" in assert_domain_error(r, 400).lower()
    folder = submission_dir(server, sid)
    assert not (folder / "input.zip").exists()
    assert (folder / "upload.lock").exists() and alice.status(sid) == "uploading"
    assert alice.upload(challenge, sid, "archive.zip", data).json() == {"completed": True, "remaining": []}
    assert_uploaded(server, alice, sid, data, files)


def test_upload_after_completion_is_refused(server, challenge, alice):
    data, files = good_zip()
    sid = alice.create(challenge, data)
    assert alice.upload(challenge, sid, "archive.zip", data).status_code == 200
    assert alice.wait_status(sid) == "uploaded"
    before = files_under(submission_dir(server, sid))
    r = alice.upload(challenge, sid, "archive.zip", data)
    assert "accept" in assert_domain_error(r, 400).lower()
    assert files_under(submission_dir(server, sid)) == before


def test_part_not_in_manifest_writes_nothing(server, challenge, alice, unchanged):
    data, _ = big_good_zip(300_000)
    pieces = split(data, 2)
    sid = alice.create(challenge, data, pieces)
    with unchanged(server):
        for name in ("other.part", "archive.zip", "archive.zip.part2"):
            r = alice.upload(challenge, sid, name, pieces[0][1])
            assert_domain_error(r, 400)


# ------------------------------------------------------------------------------------------------
# Creation: validation and challenge state
# ------------------------------------------------------------------------------------------------
def part(name="a.zip.part0", size=10, hash_="0" * 32):
    return {"file_name": name, "file_size": size, "file_hash": hash_}


@pytest.mark.parametrize("body,expected", [
    ({}, [(["body", "filename"], "value_error.missing"), (["body", "hash"], "value_error.missing"),
          (["body", "multipart"], "value_error.missing")]),
    ({"filename": [3], "hash": None, "multipart": "maybe"},
     [(["body", "filename"], "type_error.str"), (["body", "hash"], "type_error.none.not_allowed"),
      (["body", "multipart"], "type_error.bool")]),
    ({"filename": "a.zip", "hash": "a" * 32, "multipart": True}, [(["body", "index"], None)]),
    ({"filename": "a.zip", "hash": "a" * 32, "multipart": True, "index": []}, [(["body", "index"], None)]),
    ({"filename": "a.zip", "hash": "a" * 32, "multipart": True, "index": "a.zip.part0"},
     [(["body", "index"], "type_error.list")]),
    ({"filename": "a.zip", "hash": "a" * 32, "multipart": True,
      "index": [{"file_name": "a.zip.part0", "file_size": 10}]},
     [(["body", "index", 0, "file_hash"], None)]),
    ({"filename": "a.zip", "hash": "a" * 32, "multipart": True,
      "index": [part(), {"file_size": "big", "file_hash": {"h": 5}}, 7]},
     [(["body", "index", 1, "file_name"], "value_error.missing"),
      (["body", "index", 1, "file_size"], "type_error.integer"),
      (["body", "index", 1, "file_hash"], "type_error.str"), (["body", "index", 2], "type_error.dict")]),
    ({"filename": "a.zip", "hash": "a" * 32, "multipart": True,
      "index": [part(), part(size=-1, name="a.zip.part1")]},
     [(["body", "index", 1, "file_size"], None)]),
    ({"filename": "a.zip", "hash": "a" * 32, "multipart": True, "index": [part(), part()]},
     [(["body", "index", 1, "file_name"], None)]),
    ({"filename": "a.zip", "hash": "a" * 32, "multipart": True, "index": [part("../x")]},
     [(["body", "index", 0, "file_name"], None)]),
    ({"filename": "a.zip", "hash": "a" * 32, "multipart": True, "index": [part("sub/x")]},
     [(["body", "index", 0, "file_name"], None)]),
    ({"filename": "a.zip", "hash": "a" * 32, "multipart": True, "index": [part(".hidden")]},
     [(["body", "index", 0, "file_name"], None)]),
    ({"filename": "a.zip", "hash": "not-an-md5", "multipart": False}, [(["body", "hash"], None)]),
    ({"filename": "a.zip", "hash": "a" * 31, "multipart": False}, [(["body", "hash"], None)]),
    ({"filename": "a.zip", "hash": "a" * 32, "multipart": True, "index": [part(hash_="xyz")]},
     [(["body", "index", 0, "file_hash"], None)]),
    ({"filename": "a.zip", "hash": "g" * 32, "multipart": True, "index": [part(hash_="1" * 33)]},
     [(["body", "hash"], None), (["body", "index", 0, "file_hash"], None)]),
])
def test_create_refuses_bad_bodies(server, challenge, alice, unchanged, body, expected):
    with unchanged(server):
        assert_validation(alice.create_raw(challenge, body), expected)


def test_create_refuses_malformed_json(server, challenge, alice, unchanged):
    with unchanged(server):
        r = server.post(f"/challenges/{challenge}/submission/create", data="{not json",
                        headers=dict(alice.auth, **{"Content-Type": "application/json"}))
        assert r.status_code == 422, r.text
        assert [(i["loc"][0], i["type"]) for i in r.json()["detail"]] == [("body", "value_error.jsondecode")]
        assert_validation(alice.create_raw("abc", {"filename": "a", "hash": "a" * 32, "multipart": False}),
                          [(["path", "challenge_id"], "type_error.integer")])


def test_create_accepts_upper_case_md5(server, challenge, alice):
    data, files = good_zip()
    r = alice.create_raw(challenge, {"filename": "a.zip", "hash": md5(data).upper(), "multipart": False})
    assert r.status_code == 200, r.text
    sid = r.json()
    assert alice.upload(challenge, sid, "a.zip", data).status_code == 200
    assert_uploaded(server, alice, sid, data, files)


def test_create_on_closed_or_unknown_challenge(server, alice, unchanged):
    today = date.today()
    closed = {
        "inactive": open_challenge(server, "inactive", active=0),
        "ended": open_challenge(server, "ended", "2020-01-01", (today - timedelta(days=1)).isoformat()),
        "future": open_challenge(server, "future", (today + timedelta(days=3)).isoformat()),
    }
    data, _ = good_zip()
    body = {"filename": "a.zip", "hash": md5(data), "multipart": False}
    with unchanged(server):
        for label, cid in closed.items():
            message = assert_domain_error(alice.create_raw(cid, body), 404)
            assert message == f"The Challenge {label}[{cid}] is not active", message
        assert alice.create_raw(9999, body).json() == {
            "message": "There is no challenge with the following id: 9999"}
    # open today (start today, end today) is fine
    cid = open_challenge(server, "today", today.isoformat(), today.isoformat())
    assert alice.create_raw(cid, body).status_code == 200


# ------------------------------------------------------------------------------------------------
# Ownership, unknown ids, authentication
# ------------------------------------------------------------------------------------------------
def submission_routes(challenge, sid):
    """(method, path, params) of every route that names one submission."""
    return [
        ("PUT", f"/challenges/{challenge}/submission/upload", {"submission_id": sid, "part_name": "archive.zip"}),
        ("GET", f"/challenges/{challenge}/submission/upload", {"submission_id": sid}),
        ("GET", f"/users/submissions/{sid}", None),
        ("GET", f"/users/submissions/{sid}/status", None),
        ("GET", f"/users/submissions/{sid}/log", None),
        ("GET", f"/users/submissions/{sid}/scores", None),
    ]


def call(server, sub, method, path, params, data=b"PK\x05\x06" + bytes(18)):
    headers = sub.auth if sub else {}
    if method == "PUT":
        return server.put(path, params=params, headers=headers,
                          files={"file_data": ("archive.zip", data, "application/zip")})
    return server.get(path, params=params, headers=headers)


def test_another_users_token_is_forbidden_everywhere(server, challenge, alice, bob, unchanged):
    data, _ = good_zip()
    sid = alice.create(challenge, data)
    with unchanged(server):
        for method, path, params in submission_routes(challenge, sid):
            r = call(server, bob, method, path, params, data)
            assert_domain_error(r, 403)
        assert bob.get("/users/submissions").json() == {}
        assert bob.get(f"/users/submissions/tracks/{challenge}").json() == []
    # and once uploaded, still not readable by bob
    assert alice.upload(challenge, sid, "archive.zip", data).status_code == 200
    assert alice.wait_status(sid) == "uploaded"
    for method, path, params in submission_routes(challenge, sid)[1:]:
        assert_domain_error(call(server, bob, method, path, params), 403)


def test_unknown_submission_is_not_found(server, challenge, alice, unchanged):
    data, _ = good_zip()
    sid = alice.create(challenge, data)
    other = open_challenge(server, "other-open")
    with unchanged(server):
        for unknown in ("202101-0101-0101-00000000-0000-4000-8000-000000000000", "nope"):
            for method, path, params in submission_routes(challenge, unknown):
                assert_domain_error(call(server, alice, method, path, params), 404)
        # a real submission named under another challenge
        for method, path, params in submission_routes(other, sid)[:2]:
            assert_domain_error(call(server, alice, method, path, params), 404)
        # a path-like id never reaches the file system
        for method, path, params in submission_routes(challenge, "..")[:2]:
            r = call(server, alice, method, path, params)
            assert r.status_code in (400, 404), r.text


def test_routes_need_a_token(server, challenge, alice, unchanged):
    data, _ = good_zip()
    sid = alice.create(challenge, data)
    with unchanged(server):
        routes = submission_routes(challenge, sid) + [
            ("GET", "/users/submissions", None), ("GET", f"/users/submissions/tracks/{challenge}", None)]
        for method, path, params in routes:
            assert_detail(call(server, None, method, path, params), 401, "Not authenticated")
        r = server.post(f"/challenges/{challenge}/submission/create",
                        json={"filename": "a.zip", "hash": md5(data), "multipart": False})
        assert_detail(r, 401, "Not authenticated")
        r = server.get("/users/submissions", headers={"Authorization": "Bearer nope"})
        assert_detail(r, 401, "Token is not found or invalid !")


def test_upload_parameters_are_validated(server, challenge, alice, unchanged):
    data, _ = good_zip()
    sid = alice.create(challenge, data)
    path = f"/challenges/{challenge}/submission/upload"
    with unchanged(server):
        r = server.put(path, headers=alice.auth, files={"file_data": ("a", data)})
        assert_validation(r, [(["query", "submission_id"], "value_error.missing"),
                              (["query", "part_name"], "value_error.missing")])
        r = server.get(path, headers=alice.auth)
        assert_validation(r, [(["query", "submission_id"], "value_error.missing")])
    # passes the spool check (which may create tmp/), then refused: nothing received
    r = server.put(path, headers=alice.auth, params={"submission_id": sid, "part_name": "archive.zip"},
                   files={"other_field": ("archive.zip", data)})
    assert_validation(r, [(["body", "file_data"], "value_error.missing")])
    folder = submission_dir(server, sid)
    assert not (folder / "input.zip").exists() and (folder / "upload.lock").exists()
    leftovers = list((folder / "tmp").iterdir()) if (folder / "tmp").exists() else []
    assert leftovers == [], leftovers
    assert alice.upload_state(challenge, sid).json()["completed"] is False


# ------------------------------------------------------------------------------------------------
# Reads
# ------------------------------------------------------------------------------------------------
def test_listing_and_details(server, challenge, alice):
    other = open_challenge(server, "second-open")
    data, _ = good_zip()
    first = alice.create(challenge, data)
    second = alice.create(challenge, data)
    third = alice.create(other, data)
    assert alice.upload(challenge, first, "archive.zip", data).status_code == 200
    assert alice.wait_status(first) == "uploaded"

    def summary(sid, label, cid, status):
        return {"submission_id": sid, "track_label": label, "track_id": cid, "status": status}

    r = alice.get("/users/submissions")
    assert r.status_code == 200, r.text
    assert r.json() == {"open-sub": [summary(first, "open-sub", challenge, "uploaded"),
                                     summary(second, "open-sub", challenge, "uploading")],
                        "second-open": [summary(third, "second-open", other, "uploading")]}
    assert alice.get(f"/users/submissions/tracks/{other}").json() == [
        summary(third, "second-open", other, "uploading")]
    r = alice.get("/users/submissions/tracks/9999")
    assert r.status_code == 404 and r.json() == {"message": "There is no challenge with the following id: 9999"}
    assert_validation(alice.get("/users/submissions/tracks/abc"), [(["path", "track_id"], "type_error.integer")])

    detail = alice.get(f"/users/submissions/{first}").json()
    assert set(detail) == {"submission_id", "user_id", "username", "track_label", "track_id", "status",
                           "date", "evaluator_label", "evaluator_cmd", "leaderboards"}
    assert detail["submission_id"] == first and detail["user_id"] == alice.user["id"]
    assert detail["username"] == alice.user["username"]
    assert (detail["track_label"], detail["track_id"], detail["status"]) == ("open-sub", challenge, "uploaded")
    assert detail["date"] == rows(server, first)[0]["submit_date"][:10], detail  # pydantic's date
    assert detail["leaderboards"] == []
    assert alice.get(f"/users/submissions/{first}/scores").json() == {}


def test_details_name_the_evaluator_and_leaderboards(server, challenge, alice):
    with server.db() as con:
        cur = con.execute("INSERT INTO evaluators (label, host, executor, script_path, base_arguments) "
                          "VALUES ('eval-x', NULL, 'python', '/opt/eval.py', '-O;--fast')")
        con.execute("UPDATE challenges SET evaluator = ? WHERE id = ?", (cur.lastrowid, challenge))
        cur = con.execute("INSERT INTO leaderboards (challenge_id, label, path_to, entry_file, archived, "
                          "external_entries, static_files, sorting_key) "
                          "VALUES (?, 'board-1', 'b1.json', 'entry.json', 0, '', 0, '')", (challenge,))
        board = cur.lastrowid
    con.close()
    data, _ = good_zip()
    sid = alice.create(challenge, data)
    detail = alice.get(f"/users/submissions/{sid}").json()
    assert detail["evaluator_label"] == "eval-x"
    assert detail["evaluator_cmd"].split() == ["python", "/opt/eval.py", "-O", "--fast"]
    assert detail["leaderboards"] == [["board-1", board]]
    assert alice.get(f"/users/submissions/{sid}/scores").json() == {}
    (submission_dir(server, sid) / "entry.json").write_text(json.dumps({"score": 0.5}))
    assert alice.get(f"/users/submissions/{sid}/scores").json() == {"board-1": {"score": 0.5}}


# ------------------------------------------------------------------------------------------------
# The first implementation's data
# ------------------------------------------------------------------------------------------------
def test_legacy_submission_is_listed_and_readable_by_alice(legacy_server, make_user):
    alice = Submitter(legacy_server, User(token=login(legacy_server, "alice", "alice-legacy-pass")))
    r = alice.get("/users/submissions")
    assert r.status_code == 200, r.text
    assert r.json() == {"open-track": [{"submission_id": LEGACY_ID, "track_label": "open-track",
                                       "track_id": 3, "status": "uploaded"}]}
    assert alice.get("/users/submissions/tracks/3").json() == r.json()["open-track"]
    detail = alice.get(f"/users/submissions/{LEGACY_ID}").json()
    assert detail["user_id"] == 1 and detail["username"] == "alice"
    assert (detail["track_label"], detail["track_id"], detail["status"]) == ("open-track", 3, "uploaded")
    assert detail["date"] == "2026-11-26", detail
    assert alice.status(LEGACY_ID) == "uploaded"
    folder = legacy_server.data_dir / "user_data" / "submissions" / LEGACY_ID
    lines = alice.log(LEGACY_ID)
    assert lines == (folder / "out.log").read_text().splitlines()
    assert lines[0].endswith(f"Submission {LEGACY_ID} was created")
    assert alice.get(f"/users/submissions/{LEGACY_ID}/scores").json() == {}
    # bob (unverified) cannot; a new verified user gets 403
    other = Submitter(legacy_server, make_user(legacy_server))
    assert other.get(f"/users/submissions/{LEGACY_ID}").status_code == 403
    assert other.get("/users/submissions").json() == {}
