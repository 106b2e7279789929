"""The server on a copy of the first implementation's data folder (shared/fixtures/legacy-v0)."""
import hashlib
import json
from datetime import timedelta

from conftest import LEGACY_DATA, assert_detail, login, stored_datetime

LEGACY_COLUMNS = {
    "users_credentials": ["id", "username", "email", "active", "verified", "hashed_pswd", "salt"],
    "logged_users": ["token", "user_id", "expiration_date"],
    "password_reset_users": ["token", "user_id", "expiration_date"],
    "challenges": ["id", "label", "start_date", "end_date", "active", "url", "evaluator"],
    "challenge_submissions": ["id", "user_id", "track_id", "submit_date", "status"],
    "evaluators": ["id", "label", "host", "executor", "script_path", "base_arguments"],
}


def test_alice_logs_in_with_her_legacy_password(legacy_server):
    token = login(legacy_server, "alice", "alice-legacy-pass")
    auth = {"Authorization": f"Bearer {token}"}
    r = legacy_server.get("/users/", headers=auth)
    assert r.status_code == 200, r.text
    assert r.json() == {"username": "alice", "email": "alice@example.org", "verified": "True"}
    profile = legacy_server.get("/users/profile", headers=auth).json()
    assert profile["affiliation"] == "Wonderland University"
    assert profile["first_name"] == "Alice" and profile["last_name"] == "Liddell"
    assert profile["username"] == "alice" and "verified" not in profile
    profile = legacy_server.get("/users/profile?account=true", headers=auth).json()
    assert profile["verified"] is True and profile["email"] == "alice@example.org"
    # by e-mail as well
    login(legacy_server, "alice@example.org", "alice-legacy-pass")
    r = legacy_server.post("/auth/login", data={"username": "alice", "password": "wrong"})
    assert_detail(r, 401, "Incorrect username or password")


def test_legacy_hash_still_verifies_after_login(legacy_server):
    """A transparent upgrade is allowed, but the stored hash must stay usable."""
    login(legacy_server, "alice", "alice-legacy-pass")
    login(legacy_server, "alice", "alice-legacy-pass")
    row = legacy_server.user_row("alice")
    if len(row["hashed_pswd"]) == 32 and len(row["salt"]) == 32:
        assert row["hashed_pswd"] == hashlib.pbkdf2_hmac(
            "sha256", b"alice-legacy-pass", row["salt"], 100_000, 32)


def test_carol_is_inactive(legacy_server, unchanged):
    with unchanged(legacy_server):
        r = legacy_server.post("/auth/login", data={"username": "carol",
                                                    "password": "carol-legacy-pass"})
        assert_detail(r, 401, "User inactive, should not connect")
    # a session row left over for carol does not let her in either
    legacy_server.execute("INSERT INTO logged_users VALUES (?, 3, ?)",
                          ("C" * 86, stored_datetime(timedelta(days=1))))
    r = legacy_server.get("/users/profile", headers={"Authorization": "Bearer " + "C" * 86})
    assert_detail(r, 401, "User inactive, should not connect")


def test_bob_is_unverified(legacy_server, unchanged):
    token = login(legacy_server, "bob", "bob-legacy-pass")
    auth = {"Authorization": f"Bearer {token}"}
    with unchanged(legacy_server):
        assert_detail(legacy_server.get("/users/", headers=auth), 406, "User not verified")
        assert_detail(legacy_server.get("/users/profile", headers=auth), 406, "User not verified")
    # his pending code from the old installation still verifies him
    code = legacy_server.user_row("bob")["verified"]
    assert code == "c4I3FFoOQVQ"
    r = legacy_server.get("/page/email-verify", params={"v": code, "username": "bob"})
    assert "Account of bob was verified successfully !!" in r.text
    assert legacy_server.get("/users/", headers=auth).json()["verified"] == "True"


def test_legacy_challenges(legacy_server):
    r = legacy_server.get("/challenges/")
    assert r.status_code == 200
    assert r.json() == [{"id": 3, "label": "open-track", "active": True}]
    r = legacy_server.get("/challenges/", params={"include_inactive": "true"})
    assert [(c["id"], c["label"], c["active"]) for c in r.json()] == [
        (1, "zr2015", False), (2, "zr2021", True), (3, "open-track", True)]
    r = legacy_server.get("/challenges/2")
    assert r.json() == {"id": 2, "label": "zr2021", "start_date": "2020-12-12",
                        "end_date": "2021-03-31", "active": True,
                        "url": "https://zerospeech.com/track/2021", "evaluator": None}


def test_legacy_schema_kept_and_new_users_fit(legacy_server, smtp, make_user):
    with legacy_server.db() as con:
        for table, columns in LEGACY_COLUMNS.items():
            got = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
            assert got[:len(columns)] == columns, (table, got)
    con.close()
    user = make_user(target=legacy_server)
    assert user["id"] == 4
    assert legacy_server.get("/users/profile", headers=user.auth).status_code == 200
    # old rows untouched
    rows = legacy_server.query("SELECT id, username, active, verified FROM users_credentials "
                               "WHERE id <= 3 ORDER BY id")
    assert [tuple(r.values()) for r in rows] == [
        (1, "alice", 1, "True"), (2, "bob", 1, "c4I3FFoOQVQ"), (3, "carol", 0, "True")]
    # the new session row uses the stored datetime format
    expiration = legacy_server.query("SELECT expiration_date FROM logged_users WHERE user_id = 4"
                                     )[0]["expiration_date"]
    assert len(expiration) == 26 and expiration[10] == " " and expiration[19] == ".", expiration


def test_legacy_profile_edit_keeps_file_format(legacy_server):
    token = login(legacy_server, "alice", "alice-legacy-pass")
    r = legacy_server.post("/users/profile", headers={"Authorization": f"Bearer {token}"},
                           json={"username": "alice", "affiliation": "Looking Glass Institute",
                                 "first_name": "Alice", "last_name": "Liddell"})
    assert r.status_code == 200, r.text
    profile = json.loads((legacy_server.user_data / "alice.json").read_text())
    assert profile == {"username": "alice", "affiliation": "Looking Glass Institute",
                       "first_name": "Alice", "last_name": "Liddell"}


def test_shared_fixture_untouched():
    """The tests only ever write to copies."""
    assert (LEGACY_DATA / "zerospeech.db").exists()
    assert not (LEGACY_DATA / "zerospeech.db-wal").exists()
    assert not (LEGACY_DATA / "_static").exists()
