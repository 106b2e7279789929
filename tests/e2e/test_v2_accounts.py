"""Second API generation (api-v2.md), accounts: login as zrc sends it, /users/{username}/profile,
reserved usernames, the password reset/update variants, GET / and lock mode (sections 1.3 P1-a/b,
1.4 rows 1, 4-8, 4.3, 6.1, 6.2, 6.8)."""
import json
import re
from datetime import datetime
from urllib.parse import parse_qs, urlparse

import pytest

from conftest import (assert_detail, assert_empty, assert_validation, login, signup, signup_payload, strong_password,
                      unique, verify_from_mail)

ZRC_CLIENT = {"client_id": "zrc-commandline-benchmark-tool", "client_secret": "zrc-public-client-secret"}
ISO_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")
LOCKED = {"message": "APILockedException: The Zerospeech Challenge API is in LOCKED mode, "
                     "write operations are not allowed",
          "data": "None"}


def zrc_login(server, username, password):
    """POST /auth/login exactly as zrc 8a716e8 sends it (form, grant_type, client id and secret)."""
    return server.post("/auth/login", data={"grant_type": "password", "username": username,
                                            "password": password, **ZRC_CLIENT})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def zrc_current_user(token, body):
    """What zrc's CurrentUser(token=..., **body) requires of the profile: the keyword must not
    clash, the four texts must be strings, the e-mail an address."""
    assert "token" not in body
    for key in ("username", "affiliation", "first_name", "last_name", "email"):
        assert isinstance(body[key], str), (key, body)
    assert re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", body["email"]), body
    return dict(body, token=token)


# --------------------------------------------------------------------------------------------
# 6.1 Login
# --------------------------------------------------------------------------------------------
def test_login_by_username_as_zrc_sends_it(server, make_user):
    user = make_user()
    r = zrc_login(server, user["username"], user["pwd"])
    assert r.status_code == 200, r.text
    body = r.json()
    # zrc's Token: username, access_token, token_type (exactly "bearer") required
    assert set(body) == {"access_token", "token_type", "username"}
    assert body["token_type"] == "bearer" and body["username"] == user["username"]
    assert server.get(f"/users/{user['username']}/profile", headers=bearer(body["access_token"])).status_code == 200


def test_login_by_email_in_any_case_with_an_unresolvable_domain(server, smtp):
    name = unique("mail")
    payload, mail = signup(server, smtp, username=name, email=f"{name}@no-such-domain.invalid")
    verify_from_mail(server, mail)
    for login_text in (payload["email"], payload["email"].upper(), payload["email"].title()):
        r = zrc_login(server, login_text, payload["pwd"])
        assert r.status_code == 200, r.text
        assert r.json()["username"] == name  # the canonical username, used in /users/{username}/...


def test_login_failures(server, make_user):
    user = make_user()
    assert_detail(zrc_login(server, user["username"], "wrong"), 401, "Incorrect username or password")
    assert_detail(zrc_login(server, unique("nobody"), "x"), 401, "Incorrect username or password")
    server.execute("UPDATE users_credentials SET active = 0 WHERE id = ?", (user["id"],))
    assert_detail(zrc_login(server, user["username"], user["pwd"]), 401, "User inactive, should not connect")
    # a JSON body is not read: the form fields are missing
    r = server.post("/auth/login", json={"username": user["username"], "password": user["pwd"]})
    assert_validation(r, [(["body", "username"], None), (["body", "password"], None)])


def test_unverified_user_gets_a_token_that_meets_406(server, smtp):
    payload, _ = signup(server, smtp)
    r = zrc_login(server, payload["username"], payload["pwd"])
    assert r.status_code == 200, r.text
    assert r.json()["username"] == payload["username"]
    r = server.get(f"/users/{payload['username']}/profile", headers=bearer(r.json()["access_token"]))
    assert_detail(r, 406, "User not verified")


# --------------------------------------------------------------------------------------------
# 6.2 User info
# --------------------------------------------------------------------------------------------
def test_profile_of_a_new_user(server, make_user):
    user = make_user()
    r = server.get(f"/users/{user['username']}/profile", headers=user.auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body == {"username": user["username"], "affiliation": user["affiliation"],
                    "first_name": user["first_name"], "last_name": user["last_name"],
                    "verified": True, "email": user["email"], "created": body["created"]}
    created = server.user_row(user["username"])["created_at"]
    assert ISO_DATETIME.match(body["created"]) and body["created"] == created.replace(" ", "T")
    zrc_current_user(user["token"], body)


def test_profile_of_a_seed_era_user(legacy_server):
    """alice predates schema version 7: four-key profile file, no created_at."""
    assert legacy_server.user_row("alice")["created_at"] is None
    stored = json.loads((legacy_server.user_data / "alice.json").read_text())
    assert "email" not in stored and "verified" not in stored
    r = zrc_login(legacy_server, "alice@example.org", "alice-legacy-pass")
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    assert r.json()["username"] == "alice"
    r = legacy_server.get("/users/alice/profile", headers=bearer(token))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["created"] is None and body["verified"] is True and body["email"] == "alice@example.org"
    assert body["affiliation"] == "Wonderland University" and body["first_name"] == "Alice"
    zrc_current_user(token, body)


def test_profile_file_is_read_leniently(server, make_user):
    """Missing or null names are "", the file's e-mail/verified/created/token keys are not the
    answer's, extra keys are passed through."""
    user = make_user()
    (server.user_data / f"{user['username']}.json").write_text(json.dumps({
        "username": user["username"], "affiliation": None, "email": "forged@example.org",
        "verified": False, "created": "1999-01-01T00:00:00", "token": "x", "homepage": "https://a.example"}))
    body = server.get(f"/users/{user['username']}/profile", headers=user.auth).json()
    assert body["affiliation"] == "" and body["first_name"] == "" and body["last_name"] == ""
    assert body["email"] == user["email"] and body["verified"] is True and body["created"] != "1999-01-01T00:00:00"
    assert body["homepage"] == "https://a.example" and "token" not in body
    zrc_current_user(user["token"], body)
    # no profile file at all: still a profile
    (server.user_data / f"{user['username']}.json").unlink()
    r = server.get(f"/users/{user['username']}/profile", headers=user.auth)
    assert r.status_code == 200, r.text
    zrc_current_user(user["token"], r.json())


def test_profile_guards(server, make_user):
    alice, bob = make_user(), make_user()
    assert_detail(server.get(f"/users/{bob['username']}/profile", headers=alice.auth), 403, "Operation not allowed")
    assert_detail(server.get(f"/users/{alice['username']}/profile"), 401, "Not authenticated")
    assert_empty(server.delete("/auth/logout", headers=alice.auth))
    assert_detail(server.get(f"/users/{alice['username']}/profile", headers=alice.auth), 401,
                  "Token is not found or invalid !")


def test_profile_update_writes_profile_keys_only(server, make_user):
    user = make_user()
    path = f"/users/{user['username']}/profile"
    current = server.get(path, headers=user.auth).json()
    body = dict(current, affiliation="New Lab", first_name="Grace", email="other@example.org", verified=False,
                created=None, team="CoML")
    r = server.post(path, headers=user.auth, json=body)
    assert_empty(r)
    stored = json.loads((server.user_data / f"{user['username']}.json").read_text())
    assert stored["affiliation"] == "New Lab" and stored["first_name"] == "Grace" and stored["team"] == "CoML"
    assert not {"email", "verified", "created"} & set(stored)
    assert server.user_row(user["username"])["email"] == user["email"]
    after = server.get(path, headers=user.auth).json()
    assert after["email"] == user["email"] and after["verified"] is True and after["team"] == "CoML"
    # the seed route sees the same file
    assert server.get("/users/profile", headers=user.auth).json()["affiliation"] == "New Lab"


def test_profile_update_guards(server, make_user, unchanged):
    alice, bob = make_user(), make_user()
    with unchanged(server):
        body = {"username": bob["username"], "affiliation": "X"}
        assert_detail(server.post(f"/users/{bob['username']}/profile", headers=alice.auth, json=body), 403,
                      "Operation not allowed")
        # own path, another user's name in the body
        assert_detail(server.post(f"/users/{alice['username']}/profile", headers=alice.auth, json=body), 403,
                      "Operation not allowed")
        r = server.post(f"/users/{alice['username']}/profile", headers=alice.auth, json={"username": alice["username"]})
        assert_validation(r, [(["body", "affiliation"], None)])
        assert_detail(server.post(f"/users/{alice['username']}/profile", json=body), 401, "Not authenticated")


# --------------------------------------------------------------------------------------------
# Reserved usernames (4.3)
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["submissions", "profile"])
def test_reserved_usernames_are_refused(server, name, unchanged):
    with unchanged(server):
        r = server.put("/auth/signup", json=signup_payload(username=name))
        items = assert_validation(r, [(["body", "username"], "value_error.username.reserved")])
        assert any("reserved" in i["msg"] for i in items)
        form = signup_payload(username=name)
        form["password"] = form.pop("pwd")
        r = server.post("/auth/signup", data=form)
        assert_validation(r, [(["body", "username"], "value_error.username.reserved")])
    users = json.dumps([{"username": name, "email": f"{name}@example.org", "password": "Copper-8-Lantern",
                         "first_name": "A", "last_name": "B", "affiliation": "C"}])
    path = server.data_dir.parent / f"{name}-users.json"
    path.write_text(users)
    result = server.run_cli("users:create", "--from-file", str(path), "--verified")
    assert result.returncode != 0 and "reserved" in result.stderr, result
    assert server.user_row(name) is None


def test_existing_reserved_username_is_reported_and_seed_routes_win(servers, smtp, tmp_path):
    server = servers.start()
    payload, mail = signup(server, smtp)
    verify_from_mail(server, mail)
    # a user named like a seed path segment, as an older data folder could hold
    server.execute("UPDATE users_credentials SET username = 'submissions' WHERE username = ?", (payload["username"],))
    (server.user_data / f"{payload['username']}.json").rename(server.user_data / "submissions.json")
    server.stopped_by_test = True
    assert server.stop() == 0
    server = servers.start(data_dir=server.data_dir)
    assert re.search(r"user 'submissions' \(id \d+\) has a reserved username", server.log()), server.log()
    token = login(server, "submissions", payload["pwd"])
    # /users/submissions/{id} (seed, literal segment) wins over /users/{username}/profile
    r = server.get("/users/submissions/profile", headers=bearer(token))
    assert r.status_code == 404 and "email" not in r.json(), r.text
    # the seed listing is still the seed listing
    r = server.get("/users/submissions", headers=bearer(token))
    assert r.status_code == 200 and isinstance(r.json(), dict) and "email" not in r.json(), r.text


# --------------------------------------------------------------------------------------------
# Password reset and update (1.4 rows 5-6, 4.3)
# --------------------------------------------------------------------------------------------
def reset_token(server, smtp, user, **post):
    r = server.post("/auth/password/reset", **post)
    assert r.status_code == 200, r.text
    link = smtp.wait_for(user["email"]).first_url
    return r, parse_qs(urlparse(link).query)["v"][0]


def test_password_reset_v2_form_with_html_response(server, smtp, make_user):
    user = make_user()
    form = {"username": user["username"], "email": user["email"]}
    r, _ = reset_token(server, smtp, user, data=form, params={"html_response": "true"})
    assert r.headers["content-type"].startswith("text/html") and "Password Change Request Received" in r.text
    r, _ = reset_token(server, smtp, user, data=form, params={"html_response": "false"})
    assert_empty(r)
    r, _ = reset_token(server, smtp, user, data=form)  # v2's default: no page
    assert_empty(r)
    r, _ = reset_token(server, smtp, user, json=form)  # the seed's JSON body
    assert_empty(r)
    # html_response=false wins over a browser's Accept
    r, _ = reset_token(server, smtp, user, data=form, params={"html_response": "no"}, headers={"Accept": "text/html"})
    assert_empty(r)
    r = server.post("/auth/password/reset", data=form, params={"html_response": "maybe"})
    assert_validation(r, [(["query", "html_response"], None)])


def test_password_reset_does_not_reveal_accounts(server, smtp, make_user):
    user = make_user()
    for form in ({"username": unique("ghost"), "email": "ghost@example.org"},
                 {"username": user["username"], "email": "not-theirs@example.org"}):
        assert_empty(server.post("/auth/password/reset", data=form))
        r = server.post("/auth/password/reset", data=form, params={"html_response": "true"})
        assert r.status_code == 200 and "Password Change Request Received" in r.text
    smtp.assert_none_to(user["email"])


def test_password_update_answers(server, smtp, make_user):
    user = make_user()
    form = {"username": user["username"], "email": user["email"]}
    _, token = reset_token(server, smtp, user, json=form)
    # failures: JSON only with html_response=false, always 200
    r = server.post("/auth/password/update", params={"v": token, "html_response": "false"},
                    data={"password": "a-123456", "password_validation": "b-123456", "session_code": token})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json"), r.text
    assert r.json() == {"title": "Password update failed !!", "body": "passwords do not match", "success": False,
                        "redirect_url": "javascript:history.back()", "redirect_label": "go back to form"}
    r = server.post("/auth/password/update", params={"v": token, "html_response": "false"},
                    data={"password": "a-123456", "password_validation": "a-123456", "session_code": "other"})
    assert r.status_code == 200 and r.json()["success"] is False
    assert r.json()["body"] == "session validation not passed !!!"
    r = server.post("/auth/password/update", params={"v": token, "html_response": "maybe"},
                    data={"password": "a-123456", "password_validation": "a-123456", "session_code": token})
    assert_validation(r, [(["query", "html_response"], None)])
    # default (seed): HTML
    r = server.post("/auth/password/update", params={"v": token},
                    data={"password": "a-123456", "password_validation": "b-123456", "session_code": token})
    assert r.headers["content-type"].startswith("text/html") and "Password update failed !!" in r.text
    # success as JSON
    new_password = strong_password("v2-new")
    r = server.post("/auth/password/update", params={"v": token, "html_response": "false"},
                    data={"password": new_password, "password_validation": new_password, "session_code": token})
    assert r.json() == {"title": f"Password of {user['username']} was updated successfully", "body": "",
                        "success": True}
    assert zrc_login(server, user["username"], new_password).status_code == 200
    # single use: the same link again fails
    r = server.post("/auth/password/update", params={"v": token, "html_response": "false"},
                    data={"password": "x-123456", "password_validation": "x-123456", "session_code": token})
    assert r.json()["success"] is False and r.json()["body"] == "session was not found"
    # explicit html_response=true: HTML
    _, token = reset_token(server, smtp, user, json=form)
    html_password = strong_password("v2-page")
    r = server.post("/auth/password/update", params={"v": token, "html_response": "true"},
                    data={"password": html_password, "password_validation": html_password, "session_code": token})
    assert r.headers["content-type"].startswith("text/html") and "updated successfully" in r.text


# --------------------------------------------------------------------------------------------
# GET / (1.4 row 1)
# --------------------------------------------------------------------------------------------
def test_root_has_the_installation_datetime_and_keeps_it(servers):
    server = servers.start()
    body = server.get("/").json()
    assert set(body) == {"app", "version", "maintainers", "contact", "installation_datetime"}
    installed = body["installation_datetime"]
    assert ISO_DATETIME.match(installed), installed
    assert abs((datetime.now() - datetime.fromisoformat(installed)).total_seconds()) < 120
    assert (server.data_dir / "installation_datetime").read_text().strip() == installed.replace("T", " ")
    server.stopped_by_test = True
    assert server.stop() == 0
    again = servers.start(data_dir=server.data_dir)
    assert again.get("/").json()["installation_datetime"] == installed


# --------------------------------------------------------------------------------------------
# Lock mode (1.1, 6.8)
# --------------------------------------------------------------------------------------------
def test_lock_mode(server, make_user, smtp):
    user = make_user()
    result = server.run_cli("api:lock", "--reason", "nightly backup")
    assert result.returncode == 0, result.stderr
    assert (server.data_dir / "readonly.lock").read_text().strip() == "nightly backup"
    status = server.run_cli("check:settings", "--get", "LOCK_MODE")
    assert status.returncode == 0 and status.stdout.startswith("on: nightly backup"), status

    # writes: 423 with v2's body, nothing written
    path = f"/users/{user['username']}/profile"
    for r in (server.post(path, headers=user.auth, json={"username": user["username"], "affiliation": "X"}),
              server.post("/users/profile", headers=user.auth, json={"username": user["username"], "affiliation": "X"}),
              server.put("/auth/signup", json=signup_payload()),
              server.post("/auth/password/reset", data={"username": user["username"], "email": user["email"]}),
              server.post("/challenges/1/submission/create", headers=user.auth, json={})):
        assert r.status_code == 423, r.text
        assert r.json() == LOCKED
    smtp.assert_none_to(user["email"])
    # an upload is refused before its body: the headers announce 64 MB that are never sent
    head = (f"PUT /challenges/1/submission/upload?part_name=a.zip HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {user['token']}\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            f"Content-Length: 67108864\r\n\r\n").encode()
    status, _, body = server.raw(head, timeout=5)
    assert status == 423 and json.loads(body) == LOCKED
    # authentication still comes first
    assert_detail(server.post(path, json={"username": "x", "affiliation": "y"}), 401, "Not authenticated")

    # reads and logins keep working, logout too
    token = login(server, user["username"], user["pwd"])
    assert server.get(path, headers=bearer(token)).status_code == 200
    assert server.get("/challenges/").status_code == 200
    assert server.get("/").status_code == 200
    assert_empty(server.delete("/auth/logout", headers=bearer(token)))

    result = server.run_cli("api:unlock")
    assert result.returncode == 0 and "off" in result.stdout, result
    assert not (server.data_dir / "readonly.lock").exists()
    assert server.run_cli("check:settings", "--get", "LOCK_MODE").stdout == "off\n"
    assert_empty(server.post(path, headers=user.auth, json={"username": user["username"], "affiliation": "After"}))
    assert server.get(path, headers=user.auth).json()["affiliation"] == "After"
    assert "not on" in server.run_cli("api:unlock").stdout


def test_lock_file_put_by_hand_locks_too(server, make_user):
    """Organisers may simply touch the file (as with the first implementation)."""
    user = make_user()
    (server.data_dir / "readonly.lock").touch()
    r = server.post("/users/profile", headers=user.auth, json={"username": user["username"], "affiliation": "X"})
    assert r.status_code == 423 and r.json() == LOCKED
    (server.data_dir / "readonly.lock").unlink()
    assert_empty(server.post("/users/profile", headers=user.auth,
                             json={"username": user["username"], "affiliation": "X"}))


def test_lock_commands_have_help(server):
    out = server.run_cli("--help").stdout
    assert "api:lock" in out and "api:unlock" in out
    out = server.run_cli("api:lock", "--help").stdout
    assert "--reason" in out and "423" in out
