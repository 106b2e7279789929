"""The second API generation's submission routes (api-v2.md P1-e/f/g, section 1.4 rows 11, 21-26,
section 6 scenarios 5-8 and 11), driven with the requests the zrc client sends (zrc.py)."""
import json
import time
from datetime import date, timedelta

import pytest

from conftest import assert_no_leak
from zips import Submitter, files_under, md5, open_challenge, submission_dir
from zrc import Zrc, split_parts, zrc_archive

BENCH = "abxLS"


@pytest.fixture
def bench(server):
    return open_challenge(server, label=BENCH)


def add_model(server, user, model_id="Be26a"):
    server.execute("INSERT INTO models (id, user_id, created_at, description, gpu_budget, train_set, authors, "
                   "institution, team) VALUES (?, ?, '2026-12-07 10:00:00.000000', 'm', '10', 'LS', 'A', 'ENS', 'T')",
                   (model_id, user["id"]))
    return model_id


def participant(server, make_user, model_id):
    """A verified user logged in as zrc logs in, with one model."""
    user = make_user()
    zrc = Zrc(server, user["username"], user["password"])
    zrc.login()
    zrc.user = user
    zrc.model = add_model(server, user, model_id)
    return zrc


@pytest.fixture
def alice(server, make_user):
    return participant(server, make_user, "Al26a")


@pytest.fixture
def bob(server, make_user):
    return participant(server, make_user, "Bo26a")


def row(server, submission_id):
    rows = server.query("SELECT * FROM challenge_submissions WHERE id = ?", (submission_id,))
    return rows[0] if rows else None


def wait_upload_done(zrc, submission_id, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = zrc.status(submission_id).json()["status"]
        if status != "uploading":
            return status
        time.sleep(0.05)
    pytest.fail(f"{submission_id} still uploading")


def message_of(r, status):
    assert r.status_code == status, f"{r.status_code} {r.text}"
    body = r.json()
    assert isinstance(body.get("message") or body.get("detail"), (str, list)), body
    assert_no_leak(r.text)
    return json.dumps(body)


# ------------------------------------------------------------------------------------------------
# Scenario 5: creation
# ------------------------------------------------------------------------------------------------
def test_single_part_submission_end_to_end(server, bench, alice):
    data, files = zrc_archive()
    sid = alice.create(alice.model, BENCH, "sub-single.zip", data)
    folder = submission_dir(server, sid)
    info = json.loads((folder / "info.json").read_text())
    assert info["user"] == alice.username and info["track"] == BENCH and info["submission_id"] == sid
    assert info["model_id"] == alice.model and info["benchmark_label"] == BENCH
    assert info["leaderboard_entry"] == "scores/leaderboard.json" and info["has_scores"] is True
    assert (folder / "upload.lock").exists()
    r = row(server, sid)
    assert (r["model_id"], r["has_scores"], r["author_label"], r["leaderboard_file"]) == (
        alice.model, 1, "Be et al.", "scores/leaderboard.json")
    assert alice.status(sid).json() == {"submission_id": sid, "status": "uploading"}

    r = alice.add(sid, "sub-single.zip", data)
    assert r.status_code == 200, r.text
    assert r.json() == {"completed": True, "remaining": []}
    status = wait_upload_done(alice, sid)
    assert status not in ("invalid", "failed"), status
    assert files_under(folder / "input") == files
    # Visible through the first generation's routes too.
    seed = Submitter(server, alice.user)
    listed = seed.get("/users/submissions").json()
    assert [s["submission_id"] for s in listed[BENCH]] == [sid]
    assert seed.get(f"/users/submissions/{sid}").json()["track_label"] == BENCH


def test_multipart_parts_in_any_order_and_a_part_sent_twice(server, bench, alice):
    data, files = zrc_archive(duplicate="dev-clean/a.npy")  # sLM21's duplicate entry name
    parts = split_parts(data, "sub-multi", 1500)
    assert len(parts) >= 4
    sid = alice.create(alice.model, BENCH, "sub-multi.zip", data, parts)
    manifest = json.loads((submission_dir(server, sid) / "tmp" / "upload.json").read_text())
    assert [p["file_name"] for p in manifest["index"]] == [name for name, _ in parts]  # seed keys on disk

    order = [parts[2], parts[0], parts[0], parts[-1]] + parts[3:-1] + [parts[1]]
    seen = []
    for name, piece in order:
        r = alice.add(sid, name, piece)
        assert r.status_code == 200, r.text
        seen.append(r.json())
    assert [len(a["remaining"]) for a in seen] == [len(parts) - 1, len(parts) - 2, len(parts) - 2] + list(
        range(len(parts) - 3, -1, -1))
    assert seen[-1] == {"completed": True, "remaining": []}
    assert all(a["completed"] is False for a in seen[:-1])
    assert wait_upload_done(alice, sid) not in ("invalid", "failed")
    folder = submission_dir(server, sid)
    assert md5((folder / "input.zip").read_bytes()) == md5(data)
    assert files_under(folder / "input") == files


def test_creation_refusals_leave_no_row_and_no_folder(server, bench, alice, bob, make_user):
    data, _ = zrc_archive()
    parts = split_parts(data, "s", 2000)
    closed = open_challenge(server, label="abx17", active=0)
    later = (date.today() + timedelta(days=10)).isoformat()
    open_challenge(server, label="prosAudit", start=later)
    assert closed

    def body(**overrides):
        b = alice.create_body(alice.model, BENCH, "s.zip", data, parts)
        b.update(overrides)
        return b

    before = server.query("SELECT COUNT(*) AS n FROM challenge_submissions")[0]["n"]
    cases = [
        (body(benchmark_id="nope"), 404, "There is no challenge with the following id: nope"),
        (body(model_id="Zz26a"), 404, "model"),
        (body(model_id=bob.model), 403, bob.model),
        (body(benchmark_id="abx17"), 404, "The Challenge abx17 is not active"),
        (body(benchmark_id="prosAudit"), 404, f"not open yet (starts {later})"),
        (body(index=None), 422, "index"),
        (body(index=[]), 422, "index"),
        (body(index=[{"filename": "s_1.zip", "filesize": 3}]), 422, "filehash"),
        (body(index=[{"filename": "s_1.zip", "filesize": 3, "filehash": None}]), 422, "filehash"),
        (body(index=[{"filename": "s_1.zip", "filesize": 3, "filehash": md5(b"a")}] * 2), 422, "duplicate"),
        (body(index=[{"filename": "../s_1.zip", "filesize": 3, "filehash": md5(b"a")}]), 422, "filename"),
        (body(hash="nothex"), 422, "hash"),
        (body(leaderboard="../../etc/passwd"), 422, "leaderboard"),
        (body(leaderboard="/etc/passwd"), 422, "leaderboard"),
        (body(author_label=None), 422, "author_label"),
        ({k: v for k, v in body().items() if k != "has_scores"}, 422, "has_scores"),
    ]
    for payload, status, needle in cases:
        r = alice.create_raw(payload)
        text = message_of(r, status)
        assert needle in text, (payload, text)
    r = alice.create_raw(body(), username=bob.username)
    assert r.status_code == 403 and r.json() == {"detail": "Operation not allowed"}, r.text
    r = server.post(f"/users/{alice.username}/submissions/create", json=body())
    assert r.status_code == 401, r.text
    r = server.post(f"/users/{alice.username}/submissions/create", data="{not json", headers={
        **alice.auth, "Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert server.query("SELECT COUNT(*) AS n FROM challenge_submissions")[0]["n"] == before
    subs = server.data_dir / "submissions"
    assert not subs.exists() or not list(subs.iterdir())


# ------------------------------------------------------------------------------------------------
# Scenario 6: parts, wrong bytes, names
# ------------------------------------------------------------------------------------------------
def test_wrong_parts_are_refused_and_not_counted(server, bench, alice):
    data, _ = zrc_archive()
    parts = split_parts(data, "sub", 2000)
    sid = alice.create(alice.model, BENCH, "sub.zip", data, parts)
    folder = submission_dir(server, sid)
    (first, piece1), (second, piece2) = parts[0], parts[1]

    text = message_of(alice.add(sid, first, piece1[:-1] + b"!"), 400)
    assert "--resume" in text
    text = message_of(alice.add(sid, first, piece2), 400)  # another part's bytes under this name
    assert "md5" in text
    for name in ("nope_9.zip", "../evil.zip", "a/b.zip", ".hidden"):
        r = alice.add(sid, name, piece1)
        assert r.status_code == 400, (name, r.text)
    assert not (server.data_dir / "evil.zip").exists() and not (folder.parent / "evil.zip").exists()
    manifest = json.loads((folder / "tmp" / "upload.json").read_text())
    assert manifest["received"] == []
    assert sorted(p.name for p in (folder / "tmp").iterdir()) == ["upload.json"]

    r = alice.add(sid, first, piece1)
    assert r.status_code == 200 and len(r.json()["remaining"]) == len(parts) - 1, r.text


def test_single_part_wrong_bytes_then_right_bytes(server, bench, alice):
    data, _ = zrc_archive()
    sid = alice.create(alice.model, BENCH, "one.zip", data)
    message_of(alice.add(sid, "one.zip", data + b"x"), 400)
    assert alice.status(sid).json()["status"] == "uploading"
    r = alice.add(sid, "one.zip", data)
    assert r.status_code == 200 and r.json() == {"completed": True, "remaining": []}, r.text


# ------------------------------------------------------------------------------------------------
# Scenario 7: resume, restart, re-sends after completion, a re-zipped archive
# ------------------------------------------------------------------------------------------------
def test_resume_after_a_restart_and_resends_after_completion(servers, tmp_path, make_user):
    server = servers.start()
    open_challenge(server, label=BENCH)
    user = make_user(server)
    zrc = Zrc(server, user["username"], user["password"])
    zrc.login()
    model = add_model(server, user)
    data, files = zrc_archive()
    parts = split_parts(data, "sub-multi", 1500)
    assert len(parts) == 5 or len(parts) > 2
    sid = zrc.create(model, BENCH, "sub-multi.zip", data, parts)
    for name, piece in parts[:2]:
        assert zrc.add(sid, name, piece).status_code == 200

    server.stopped_by_test = True
    assert server.stop() == 0
    server = servers.start(data_dir=server.data_dir)
    zrc.server = server
    assert zrc.status(sid).json() == {"submission_id": sid, "status": "uploading"}
    # --resume re-sends what it did not see acknowledged (here the second part) and the rest.
    answers = [zrc.add(sid, name, piece) for name, piece in [parts[1]] + parts[2:]]
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    assert answers[0].json()["remaining"] == [name for name, _ in parts[2:]]
    assert answers[-1].json() == {"completed": True, "remaining": []}
    assert wait_upload_done(zrc, sid) not in ("invalid", "failed")
    assert files_under(submission_dir(server, sid) / "input") == files

    # The same part again after completion: acknowledged, nothing changes.
    log_before = (submission_dir(server, sid) / "out.log").read_text()
    r = zrc.add(sid, parts[0][0], parts[0][1])
    assert r.status_code == 200 and r.json() == {"completed": True, "remaining": []}, r.text
    assert files_under(submission_dir(server, sid) / "input") == files
    assert "sent again after the upload completed" in (submission_dir(server, sid) / "out.log").read_text()
    assert len((submission_dir(server, sid) / "out.log").read_text()) > len(log_before)
    # Other bytes after completion: refused, pointing to --resume.
    text = message_of(zrc.add(sid, parts[0][0], parts[1][1]), 400)
    assert "--resume" in text
    # The first generation's route keeps its answer: no part once complete.
    seed = Submitter(server, {**user, "token": zrc.token})
    r = seed.upload(row(server, sid)["track_id"], sid, parts[0][0], parts[0][1])
    assert r.status_code == 400 and "does not accept any more parts" in r.text, r.text


def test_a_rezipped_archive_is_refused_with_a_pointer_to_resume(server, bench, alice):
    data, files = zrc_archive()
    parts = split_parts(data, "sub", 2000)
    sid = alice.create(alice.model, BENCH, "sub.zip", data, parts)
    assert alice.add(sid, *parts[0]).status_code == 200
    # A fresh run writes submission_id into meta.yaml and zips again: other bytes, same names.
    files2 = dict(files)
    files2["meta.yaml"] = files["meta.yaml"] + f"submission_id: {sid}\n".encode()
    data2, _ = zrc_archive(files2)
    parts2 = split_parts(data2, "sub", 2000)
    text = message_of(alice.add(sid, *parts2[1]), 400)
    assert "--resume" in text and "meta.yaml" in text
    manifest = json.loads((submission_dir(server, sid) / "tmp" / "upload.json").read_text())
    assert [p["file_name"] for p in manifest["received"]] == [parts[0][0]]


# ------------------------------------------------------------------------------------------------
# Scenario 8: guards
# ------------------------------------------------------------------------------------------------
def test_upload_guards(server, bench, alice, bob):
    data, _ = zrc_archive()
    sid = alice.create(alice.model, BENCH, "g.zip", data)
    r = alice.add(sid, "g.zip", data, headers={})
    assert r.status_code == 401, r.text
    message_of(bob.add(sid, "g.zip", data), 403)
    message_of(alice.add("202601-0101-0101-nope", "g.zip", data), 404)
    r = alice.add(sid, "g.zip", data, method="put")
    assert r.status_code == 405, r.text
    r = server.post(f"/submissions/{sid}/content/add", headers=alice.auth,
                    files={"file": ("g.zip", data)})  # no part_name
    assert r.status_code == 422 and "part_name" in r.text, r.text
    r = alice.add(sid, "g.zip", data, field="file_data")  # the first generation's field name
    assert r.status_code == 200 and r.json()["completed"] is True, r.text


def test_the_first_generations_route_takes_zrcs_field_name(server, bench, alice):
    data, _ = zrc_archive()
    sid = alice.create(alice.model, BENCH, "f.zip", data)
    track = row(server, sid)["track_id"]
    r = server.put(f"/challenges/{track}/submission/upload", params={"submission_id": sid, "part_name": "f.zip"},
                   files={"file": ("f.zip", data)}, headers=alice.auth)
    assert r.status_code == 200 and r.json()["completed"] is True, r.text


# ------------------------------------------------------------------------------------------------
# Reads: status, info, lists, scores; remove
# ------------------------------------------------------------------------------------------------
def test_status_info_and_listings(server, bench, alice, bob):
    data, _ = zrc_archive()
    sid = alice.create(alice.model, BENCH, "r.zip", data)
    r = server.get("/submissions/202601-0101-0101-nope/content/status")
    assert r.status_code == 404 and "message" in r.json(), r.text

    mine = server.get(f"/submissions/{sid}/info", headers=alice.auth)
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["id"] == sid and body["user_id"] == alice.user["id"] and body["benchmark_id"] == BENCH
    assert body["model_id"] == alice.model and body["status"] == "uploading" and body["has_scores"] is True
    assert body["auto_eval"] is True and body["author_label"] == "Be et al." and body["evaluator_id"] is None
    assert server.get(f"/submissions/{sid}/info").status_code == 404
    assert server.get(f"/submissions/{sid}/info", headers=bob.auth).status_code == 404
    r = server.get(f"/submissions/{sid}/info", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401, r.text

    listed = server.get(f"/users/{alice.username}/submissions/list", headers=alice.auth)
    assert listed.status_code == 200 and [s["id"] for s in listed.json()["items"]] == [sid], listed.text
    r = server.get(f"/users/{alice.username}/submissions/list", headers=bob.auth)
    assert r.status_code == 403 and r.json() == {"detail": "Operation not allowed"}, r.text
    assert server.get("/submissions/list").json() == {"items": []}

    server.execute("UPDATE challenge_submissions SET status = 'completed' WHERE id = ?", (sid,))
    public = server.get(f"/submissions/{sid}/info")
    assert public.status_code == 200 and "user_id" not in public.json(), public.text
    items = server.get("/submissions/list").json()["items"]
    assert [s["id"] for s in items] == [sid] and "user_id" not in items[0]
    assert server.get(f"/submissions/{sid}/scores").status_code == 200


def test_remove_an_unfinished_upload(server, bench, alice, bob):
    data, _ = zrc_archive()
    parts = split_parts(data, "rm", 2000)
    sid = alice.create(alice.model, BENCH, "rm.zip", data, parts)
    assert alice.add(sid, *parts[0]).status_code == 200
    message_of(server.delete(f"/submissions/{sid}/remove", headers=bob.auth), 403)
    assert server.delete(f"/submissions/{sid}/remove").status_code == 401
    r = server.delete(f"/submissions/{sid}/remove", headers=alice.auth)
    assert r.status_code == 200, r.text
    assert row(server, sid) is None
    assert not submission_dir(server, sid).exists()
    assert not [p for p in (server.data_dir / "submissions").iterdir()]
    message_of(server.delete(f"/submissions/{sid}/remove", headers=alice.auth), 404)

    sid = alice.create(alice.model, BENCH, "done.zip", data)
    assert alice.add(sid, "done.zip", data).status_code == 200
    message_of(server.delete(f"/submissions/{sid}/remove", headers=alice.auth), 400)
    assert row(server, sid) is not None and submission_dir(server, sid).exists()


# ------------------------------------------------------------------------------------------------
# Scenario 11: both generations at once
# ------------------------------------------------------------------------------------------------
def test_a_seed_submission_on_v2_routes_and_a_v2_one_on_seed_routes(server, bench, alice):
    seed = Submitter(server, {**alice.user, "token": alice.token})
    data, files = zrc_archive()
    old = seed.create(bench, data, filename="old.zip")
    assert alice.status(old).json() == {"submission_id": old, "status": "uploading"}
    info = server.get(f"/submissions/{old}/info", headers=alice.auth).json()
    assert info["model_id"] is None and info["has_scores"] is False and info["author_label"] is None
    # A seed-created submission takes its archive through the v2 route.
    r = alice.add(old, "old.zip", data)
    assert r.status_code == 200 and r.json()["completed"] is True, r.text

    new = alice.create(alice.model, BENCH, "new.zip", data)
    r = seed.upload(bench, new, "new.zip", data)
    assert r.status_code == 200 and r.json()["completed"] is True, r.text
    assert seed.wait_status(new) not in ("invalid", "failed")
    assert files_under(submission_dir(server, new) / "input") == files
