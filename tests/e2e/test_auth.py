"""POST /auth/login, DELETE /auth/logout and the bearer-token rules shared by every user route."""
import re
from datetime import datetime, timedelta

import pytest

from conftest import (DATETIME_FORMAT, assert_detail, assert_empty, assert_no_leak, assert_validation, login,
                      signup, stored_datetime)

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{86}$")  # 64 random bytes, URL-safe base64, no padding
USER_ROUTES = [("GET", "/users/"), ("GET", "/users/profile"), ("POST", "/users/profile")]


def test_login_by_username_opens_a_session(server, make_user):
    user = make_user()
    r = server.post("/auth/login", data={"username": user["username"], "password": user["pwd"]})
    assert r.status_code == 200, r.text
    body = r.json()
    # + "username" since the second API generation (api-v2.md 4.3: one answer for both)
    assert set(body) == {"access_token", "token_type", "username"}
    assert body["username"] == user["username"]
    assert body["token_type"] == "bearer"
    token = body["access_token"]
    assert TOKEN_RE.match(token), token
    rows = server.query("SELECT * FROM logged_users WHERE token = ?", (token,))
    assert len(rows) == 1 and rows[0]["user_id"] == user["id"]
    expires = datetime.strptime(rows[0]["expiration_date"], DATETIME_FORMAT)
    assert abs(expires - (datetime.now() + timedelta(days=7))) < timedelta(minutes=5)
    r = server.get("/users/", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["username"] == user["username"]


def test_login_by_email(server, make_user):
    user = make_user()
    token = login(server, user["email"], user["pwd"])
    r = server.get("/users/", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["username"] == user["username"]


def test_login_accepts_and_ignores_oauth_fields(server, make_user):
    user = make_user()
    r = server.post("/auth/login", data={
        "grant_type": "password", "username": user["username"], "password": user["pwd"],
        "scope": "read write", "client_id": "site", "client_secret": "whatever"})
    assert r.status_code == 200, r.text
    assert TOKEN_RE.match(r.json()["access_token"])


def test_login_accepts_multipart_form(server, make_user):
    user = make_user()
    r = server.post("/auth/login", files={"username": (None, user["username"]),
                                          "password": (None, user["pwd"])})
    assert r.status_code == 200, r.text
    assert TOKEN_RE.match(r.json()["access_token"])


def test_each_login_is_its_own_session(server, make_user):
    user = make_user()
    second = login(server, user["username"], user["pwd"])
    assert second != user["token"]
    assert len(server.query("SELECT * FROM logged_users WHERE user_id = ?", (user["id"],))) == 2


@pytest.mark.parametrize("field", ["username", "password"])
def test_login_wrong_credentials(server, make_user, unchanged, field):
    user = make_user()
    creds = {"username": user["username"], "password": user["pwd"]}
    creds[field] = "nobody-" + field if field == "username" else "wrong password"
    with unchanged(server):
        r = server.post("/auth/login", data=creds)
        assert_detail(r, 401, "Incorrect username or password")
        # by e-mail with a wrong password too
        r = server.post("/auth/login", data={"username": user["email"], "password": "nope"})
        assert_detail(r, 401, "Incorrect username or password")


def test_login_validation(server, make_user, unchanged):
    user = make_user()
    with unchanged(server):
        r = server.post("/auth/login", data={})
        assert_validation(r, [(["body", "username"], "value_error.missing"),
                              (["body", "password"], "value_error.missing")])
        r = server.post("/auth/login", data={"username": user["username"]})
        items = assert_validation(r, [(["body", "password"], "value_error.missing")])
        assert len(items) == 1
        assert items[0]["msg"] == "field required"
        # a JSON body is not the form
        r = server.post("/auth/login", json={"username": user["username"], "password": user["pwd"]})
        assert_validation(r, [(["body", "username"], "value_error.missing"),
                              (["body", "password"], "value_error.missing")])


def test_unverified_user_can_log_in_and_out_but_not_use_the_api(server, smtp, unchanged):
    payload, _mail = signup(server, smtp)
    token = login(server, payload["username"], payload["pwd"])
    headers = {"Authorization": f"Bearer {token}"}
    with unchanged(server):
        assert_detail(server.get("/users/", headers=headers), 406, "User not verified")
        assert_detail(server.get("/users/profile", headers=headers), 406, "User not verified")
        r = server.post("/users/profile", headers=headers,
                        json={"username": payload["username"], "affiliation": "X"})
        assert_detail(r, 406, "User not verified")
    r = server.delete("/auth/logout", headers=headers)
    assert_empty(r)
    assert not server.query("SELECT * FROM logged_users WHERE token = ?", (token,))
    assert_detail(server.delete("/auth/logout", headers=headers), 401,
                  "Token is not found or invalid !")


def test_deactivated_user(server, make_user, unchanged):
    user = make_user()
    server.execute("UPDATE users_credentials SET active = 0 WHERE id = ?", (user["id"],))
    with unchanged(server):
        r = server.post("/auth/login", data={"username": user["username"], "password": user["pwd"]})
        assert_detail(r, 401, "User inactive, should not connect")
        r = server.post("/auth/login", data={"username": user["username"], "password": "bad"})
        assert_detail(r, 401, "Incorrect username or password")
        # the session opened before the deactivation no longer works
        for method, path in USER_ROUTES:
            r = server.request(method, path, headers=user.auth,
                               json={"username": user["username"], "affiliation": "X"})
            assert_detail(r, 401, "User inactive, should not connect")


def test_logout_ends_only_that_session(server, make_user):
    user = make_user()
    other = login(server, user["username"], user["pwd"])
    r = server.delete("/auth/logout", headers=user.auth)
    assert_empty(r)
    assert_detail(server.get("/users/", headers=user.auth), 401, "Token is not found or invalid !")
    assert_detail(server.delete("/auth/logout", headers=user.auth), 401,
                  "Token is not found or invalid !")
    r = server.get("/users/", headers={"Authorization": f"Bearer {other}"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("method,path", USER_ROUTES + [("DELETE", "/auth/logout")])
def test_missing_or_malformed_authorization(server, make_user, unchanged, method, path):
    user = make_user()
    body = {"username": user["username"], "affiliation": "X"}
    with unchanged(server):
        for headers in ({}, {"Authorization": f"Basic {user['token']}"},
                        {"Authorization": f"Token {user['token']}"}, {"Authorization": ""}):
            r = server.request(method, path, headers=headers, json=body)
            assert_detail(r, 401, "Not authenticated")
            assert r.headers.get("WWW-Authenticate") == "Bearer", r.headers


@pytest.mark.parametrize("method,path", USER_ROUTES + [("DELETE", "/auth/logout")])
def test_unknown_and_expired_tokens(server, make_user, unchanged, method, path):
    user = make_user()
    expired = "E" * 86
    server.execute("INSERT INTO logged_users (token, user_id, expiration_date) VALUES (?, ?, ?)",
                   (expired, user["id"], stored_datetime(timedelta(minutes=-1))))
    body = {"username": user["username"], "affiliation": "X"}
    for token in ("x" * 86, user["token"] + "x", user["token"][:-1], expired, "' OR 1=1 --"):
        before = server.snapshot()
        r = server.request(method, path, headers={"Authorization": f"Bearer {token}"}, json=body)
        assert_detail(r, 401, "Token is not found or invalid !")
        after = server.snapshot()
        # the server may purge the expired session row; nothing else may change
        before["tables"].pop("logged_users"), after["tables"].pop("logged_users")
        assert before == after
    rows = server.query("SELECT token FROM logged_users WHERE user_id = ?", (user["id"],))
    assert user["token"] in [r["token"] for r in rows]


def test_bare_bearer_scheme_is_refused(server, make_user, unchanged):
    user = make_user()
    with unchanged(server):
        for value in ("Bearer", "Bearer "):
            r = server.get("/users/", headers={"Authorization": value})
            assert r.status_code == 401, r.text
            assert r.json()["detail"] in ("Not authenticated", "Token is not found or invalid !")
    assert server.get("/users/", headers=user.auth).status_code == 200


def test_login_errors_do_not_leak(server):
    r = server.post("/auth/login", data={"username": "x" * 5000, "password": "\x00\xff"})
    assert r.status_code in (401, 422), r.text
    assert_no_leak(r.text)
