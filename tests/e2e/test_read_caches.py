"""The read caches (sessions by token, the challenge table, profiles) never answer stale data: every write,
through the API, the admin CLI in another process or any other SQLite client, is seen by the very
next request. Each test first warms the cache with the same request it checks afterwards."""
import json
from datetime import date

from conftest import assert_detail, login
from test_password_reset import request_reset, update_form

BAD_TOKEN = "Token is not found or invalid !"


def warm(server, user, times=3):
    for _ in range(times):
        r = server.get("/users/", headers=user.auth)
        assert r.status_code == 200, r.text


def test_logout_ends_a_cached_session_at_once(server, make_user):
    user = make_user()
    other = login(server, user["username"], user["pwd"])
    warm(server, user)
    r = server.delete("/auth/logout", headers=user.auth)
    assert r.status_code == 200, r.text
    assert_detail(server.get("/users/", headers=user.auth), 401, BAD_TOKEN)
    assert_detail(server.get("/users/profile", headers=user.auth), 401, BAD_TOKEN)
    # the user's other session is still valid
    assert server.get("/users/", headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_password_change_ends_cached_sessions(server, smtp, make_user):
    user = make_user()
    warm(server, user)
    token, _ = request_reset(server, smtp, user)
    r = server.post(f"/auth/password/update?v={token}", data=update_form(token, "another-Passw0rd!"))
    assert r.status_code == 200 and "updated successfully" in r.text, r.text
    assert_detail(server.get("/users/", headers=user.auth), 401, BAD_TOKEN)


def test_admin_cli_in_another_process_is_seen_at_once(server, make_user):
    user = make_user()
    warm(server, user)
    assert server.run_cli("users:status", "-d", str(user["id"])).returncode == 0
    r = server.get("/users/", headers=user.auth)  # deactivating also closes the user's sessions
    assert r.status_code == 401, r.text

    second = make_user()
    warm(server, second)
    assert server.run_cli("users:logged", "--close", str(second["id"])).returncode == 0
    assert_detail(server.get("/users/", headers=second.auth), 401, BAD_TOKEN)


def test_a_write_by_any_sqlite_client_is_seen_at_once(server, make_user):
    user = make_user()
    warm(server, user)
    # an unverified account holds its verification code in `verified`
    server.execute("UPDATE users_credentials SET verified = 'code-123' WHERE id = ?", (user["id"],))
    assert_detail(server.get("/users/", headers=user.auth), 406, "User not verified")
    server.execute("UPDATE users_credentials SET verified = 'True' WHERE id = ?", (user["id"],))
    assert server.get("/users/", headers=user.auth).status_code == 200
    server.execute("DELETE FROM logged_users WHERE token = ?", (user["token"],))
    assert_detail(server.get("/users/", headers=user.auth), 401, BAD_TOKEN)


def test_challenge_list_follows_every_change(server):
    def labels():
        r = server.get("/challenges/")
        assert r.status_code == 200, r.text
        return [c["label"] for c in r.json()]

    assert labels() == [] and labels() == []
    with server.db() as con:
        con.execute("INSERT INTO challenges (label, start_date, end_date, active, url) "
                    "VALUES ('first', '2020-01-01', NULL, 1, 'https://example.org/first')")
    con.close()
    assert labels() == ["first"] and labels() == ["first"]

    challenge_id = server.query("SELECT id FROM challenges WHERE label = 'first'")[0]["id"]
    assert server.run_cli("challenges:set", str(challenge_id), "label", "renamed").returncode == 0
    assert labels() == ["renamed"]
    assert server.run_cli("challenges:set", str(challenge_id), "end_date",
                          date(2021, 1, 1).strftime("%d/%m/%Y")).returncode == 0
    assert labels() == []
    all_of_them = server.get("/challenges/?include_inactive=true").json()
    assert [(c["label"], c["active"]) for c in all_of_them] == [("renamed", True)]


def test_profile_follows_api_and_file_changes(server, make_user):
    user = make_user()

    def affiliation():
        r = server.get("/users/profile", headers=user.auth)
        assert r.status_code == 200, r.text
        return r.json()["affiliation"]

    assert affiliation() == user["affiliation"] == affiliation()
    r = server.post("/users/profile", headers=user.auth,
                    json={"username": user["username"], "affiliation": "Changed Lab"})
    assert r.status_code == 200, r.text
    assert affiliation() == "Changed Lab"
    # edited by hand (in place) by an organiser
    path = server.user_data / f"{user['username']}.json"
    profile = json.loads(path.read_text())
    profile["affiliation"] = "Edited Lab!"
    path.write_text(json.dumps(profile))
    assert affiliation() == "Edited Lab!"
    path.unlink()
    assert affiliation() is None
