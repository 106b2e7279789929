"""Password reset: request (JSON/form), the e-mailed link, the HTML pages and both update forms."""
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from conftest import (assert_detail, assert_empty, assert_validation, login, signup, stored_datetime, strong_password,
                      unique)

FAILED = "Password update failed !!"


def request_reset(server, smtp, user, as_form=False):
    body = {"username": user["username"], "email": user["email"]}
    r = server.post("/auth/password/reset", **({"data": body} if as_form else {"json": body}))
    if not as_form:
        assert_empty(r)
    assert r.status_code == 200, r.text
    mail = smtp.wait_for(user["email"])
    link = mail.first_url
    url = urlparse(link)
    assert link.startswith(server.base_url + "/page/password-update?"), link
    token = parse_qs(url.query)["v"][0]
    return token, mail


def update_form(token, password="n3w-Passw0rd!", validation=None, code=None):
    return {"password": password,
            "password_validation": password if validation is None else validation,
            "session_code": token if code is None else code}


def assert_failed_page(r):
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert FAILED in r.text
    assert "updated successfully" not in r.text


def test_reset_mail_and_row(server, smtp, make_user):
    user = make_user()
    token, mail = request_reset(server, smtp, user)
    assert mail.first_url == f"{server.base_url}/page/password-update?v={token}"
    rows = server.query("SELECT * FROM password_reset_users WHERE user_id = ?", (user["id"],))
    assert [r["token"] for r in rows] == [token]


def test_full_reset_flow(server, smtp, make_user, unchanged):
    user = make_user()
    second_session = login(server, user["email"], user["pwd"])
    token, _ = request_reset(server, smtp, user)

    r = server.get("/page/password-update", params={"v": token})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert re.search(r"<title>[^<]+</title>", page)
    form = re.search(r"<form[^>]*>", page)
    assert form and "/auth/password/update" in form.group(0), page
    assert re.search(r'method="post"', form.group(0), re.I)
    assert re.search(r'name="password"', page) and re.search(r'name="password_validation"', page)
    hidden = re.search(r'<input[^>]*name="session_code"[^>]*>', page)
    assert hidden and 'type="hidden"' in hidden.group(0) and f'value="{token}"' in hidden.group(0)

    new_password = strong_password("brand-new")
    r = server.post(f"/auth/password/update?v={token}", data=update_form(token, new_password))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert f"Password of {user['username']} was updated successfully" in r.text

    # every session of that user is gone, the reset token too
    for session in (user["token"], second_session):
        r = server.get("/users/", headers={"Authorization": f"Bearer {session}"})
        assert_detail(r, 401, "Token is not found or invalid !")
    assert not server.query("SELECT * FROM logged_users WHERE user_id = ?", (user["id"],))
    assert not server.query("SELECT * FROM password_reset_users WHERE user_id = ?", (user["id"],))
    r = server.post("/auth/login", data={"username": user["username"], "password": user["pwd"]})
    assert_detail(r, 401, "Incorrect username or password")
    token_after = login(server, user["username"], new_password)
    assert server.get("/users/", headers={"Authorization": f"Bearer {token_after}"}).ok

    # the token cannot be used twice
    with unchanged(server):
        r = server.post(f"/auth/password/update?v={token}", data=update_form(token, "again-1234"))
        assert_failed_page(r)
        assert_detail(server.get("/page/password-update", params={"v": token}), 404,
                      "Page not found")


def test_reset_request_as_form(server, smtp, make_user):
    user = make_user()
    token, _ = request_reset(server, smtp, user, as_form=True)
    assert server.get("/page/password-update", params={"v": token}).status_code == 200


def test_reset_request_as_form_answers_empty(server, smtp, make_user):
    """api.md: 200 empty (no body, no content type) for the form as well as for JSON."""
    user = make_user()
    r = server.post("/auth/password/reset",
                    data={"username": user["username"], "email": user["email"]})
    assert_empty(r)


def test_reset_for_unknown_account_answers_the_same(server, smtp, make_user, unchanged):
    user = make_user()
    ghost = unique("ghost")
    with unchanged(server):
        for body in ({"username": ghost, "email": f"{ghost}@example.com"},
                     {"username": user["username"], "email": f"{ghost}@example.com"},
                     {"username": ghost, "email": user["email"]}):
            r = server.post("/auth/password/reset", json=body)
            assert_empty(r)
        smtp.assert_none_to(f"{ghost}@example.com")
        smtp.assert_none_to(user["email"], wait=0)


def test_reset_request_validation(server, make_user, unchanged):
    user = make_user()
    with unchanged(server):
        r = server.post("/auth/password/reset", json={})
        assert_validation(r, [(["body", "username"], "value_error.missing"),
                              (["body", "email"], "value_error.missing")])
        r = server.post("/auth/password/reset", json={"username": user["username"]})
        assert_validation(r, [(["body", "email"], "value_error.missing")])
        r = server.post("/auth/password/reset", data=b'{"username": ',
                        headers={"Content-Type": "application/json"})
        assert r.status_code == 422, r.text


def test_password_page_unknown_token(server, unchanged):
    with unchanged(server):
        for v in ("nope", "x" * 86, "' OR 1=1 --"):
            assert_detail(server.get("/page/password-update", params={"v": v}), 404,
                          "Page not found")
        r = server.get("/page/password-update", params={"v": ""})
        if r.status_code == 422:
            assert_validation(r, [(["query", "v"], None)])
        else:
            assert_detail(r, 404, "Page not found")
        r = server.get("/page/password-update")
        assert_validation(r, [(["query", "v"], "value_error.missing")])


def test_update_failures_change_nothing(server, smtp, make_user, unchanged):
    user = make_user()
    token, _ = request_reset(server, smtp, user)
    other_token, _ = request_reset(server, smtp, make_user())
    cases = [
        ("passwords differ", token, update_form(token, "abcdefgh1", "abcdefgh2")),
        ("code differs from v", token, update_form(token, code=token + "x")),
        ("another user's code", token, update_form(token, code=other_token)),
        ("unknown token", "unknown-token", update_form("unknown-token")),
    ]
    for reason, v, form in cases:
        with unchanged(server):
            r = server.post(f"/auth/password/update?v={v}", data=form)
            assert_failed_page(r), reason
    # the token is still usable after failed attempts
    r = server.post(f"/auth/password/update?v={token}", data=update_form(token, "finally-ok-1"))
    assert "updated successfully" in r.text
    login(server, user["username"], "finally-ok-1")


def test_update_validation(server, smtp, make_user, unchanged):
    user = make_user()
    token, _ = request_reset(server, smtp, user)
    with unchanged(server):
        for field in ("password", "password_validation", "session_code"):
            form = update_form(token)
            del form[field]
            r = server.post(f"/auth/password/update?v={token}", data=form)
            assert_validation(r, [(["body", field], "value_error.missing")])
            r = server.put(f"/auth/password/update?v={token}", data=form)
            assert_validation(r, [(["body", field], "value_error.missing")])
        r = server.post("/auth/password/update", data=update_form(token))
        assert_validation(r, [(["query", "v"], "value_error.missing")])


def test_expired_reset_token(server, make_user, unchanged):
    user = make_user()
    token = "expired-" + unique()
    server.execute("INSERT INTO password_reset_users (token, user_id, expiration_date) "
                   "VALUES (?, ?, ?)", (token, user["id"], stored_datetime(timedelta(minutes=-1))))
    before = server.snapshot()
    assert_detail(server.get("/page/password-update", params={"v": token}), 404, "Page not found")
    assert_failed_page(server.post(f"/auth/password/update?v={token}", data=update_form(token)))
    assert_detail(server.put(f"/auth/password/update?v={token}", data=update_form(token)), 404,
                  "Page not found")
    after = server.snapshot()
    # the expired row may be purged; the user's credentials and sessions must not change
    before["tables"].pop("password_reset_users"), after["tables"].pop("password_reset_users")
    assert before == after
    login(server, user["username"], user["pwd"])


def test_put_update(server, smtp, make_user, unchanged):
    user = make_user()
    token, _ = request_reset(server, smtp, user)
    with unchanged(server):
        r = server.put("/auth/password/update?v=bad-token", data=update_form("bad-token"))
        assert_detail(r, 404, "Page not found")
    r = server.put(f"/auth/password/update?v={token}", data=update_form(token, "put-password-1"))
    assert_empty(r)
    assert_detail(server.get("/users/", headers=user.auth), 401, "Token is not found or invalid !")
    login(server, user["username"], "put-password-1")
    with unchanged(server):
        r = server.put(f"/auth/password/update?v={token}", data=update_form(token, "x-again-1"))
        assert_detail(r, 404, "Page not found")


def _rate_limited(server, body):
    codes = []
    for _ in range(4):
        r = server.post("/auth/password/reset", json=body)
        codes.append(r.status_code)
    assert codes[:3] == [200, 200, 200], codes
    assert codes[3] == 429, codes
    assert isinstance(r.json().get("detail"), str) and r.json()["detail"], r.text
    # Allowed again once the window's oldest request leaves it (ZR_RESET_RATE_WINDOW, 1 h).
    assert 3500 <= int(r.headers["retry-after"]) <= 3600, r.headers
    return r


def test_rate_limit_existing_account(servers, smtp, make_user):
    server = servers.start(extra_env={"ZR_RESET_RATE_LIMIT": "3"})
    user = make_user(target=server)
    _rate_limited(server, {"username": user["username"], "email": user["email"]})
    for _ in range(3):
        smtp.wait_for(user["email"])
    smtp.assert_none_to(user["email"], wait=1)
    assert len(server.query("SELECT * FROM password_reset_users WHERE user_id = ?",
                            (user["id"],))) <= 3


def test_rate_limit_unknown_account(servers, smtp):
    server = servers.start(extra_env={"ZR_RESET_RATE_LIMIT": "3"})
    ghost = unique("ghost")
    before = server.snapshot()
    _rate_limited(server, {"username": ghost, "email": f"{ghost}@example.com"})
    assert server.snapshot() == before
    smtp.assert_none_to(f"{ghost}@example.com", wait=0.5)


def test_reset_page_request_form(server):
    r = server.get("/page/request-password-update")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    form = re.search(r"<form[^>]*>", r.text)
    assert form and "/auth/password/reset" in form.group(0), r.text
    assert re.search(r'name="username"', r.text) and re.search(r'name="email"', r.text)
    assert re.search(r"<title>[^<]+</title>", r.text)


def test_unverified_user_can_reset(server, smtp):
    payload, _ = signup(server, smtp)
    user = {"username": payload["username"], "email": payload["email"]}
    token, _ = request_reset(server, smtp, user)
    r = server.post(f"/auth/password/update?v={token}", data=update_form(token, "unverif-new-1"))
    assert "updated successfully" in r.text
    login(server, payload["username"], "unverif-new-1")
