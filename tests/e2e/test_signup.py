"""Sign-up (JSON and HTML form) and e-mail verification."""
import hashlib
import html
import json
import re
from urllib.parse import parse_qs, quote, urlparse

import pytest

from conftest import (assert_detail, assert_no_leak, assert_validation, login, signup,
                      signup_payload, unique, verify_from_mail)

FIELDS = ["username", "email", "pwd", "first_name", "last_name", "affiliation"]
FORM_FIELDS = ["first_name", "last_name", "affiliation", "email", "username", "password"]
UNSAFE_USERNAMES = ["../x", "a/b", ".hidden", "x" * 65, "white space", "..", "a\\b", "-dash",
                    "nul\x00byte", "tab\tname", "caf\u00e9"]


def form_payload(**overrides):
    payload = signup_payload()
    form = {k: payload[k] for k in FORM_FIELDS if k != "password"}
    form["password"] = payload["pwd"]
    form.update(overrides)
    return form


def check_all(cases, check):
    """Runs check(case) for every case and reports every failure at once."""
    failures = []
    for case in cases:
        try:
            check(case)
        except AssertionError as e:
            failures.append(f"{case!r}: {e}")
    assert not failures, "\n".join(failures)


def test_json_signup_creates_unverified_user_profile_and_mail(server, smtp):
    payload, mail = signup(server, smtp)
    name = payload["username"]
    row = server.user_row(name)
    assert row is not None
    assert row["email"] == payload["email"]
    assert row["active"] == 1
    code = row["verified"]
    assert code and code != "True"
    assert isinstance(row["salt"], bytes) and len(row["salt"]) == 32
    assert isinstance(row["hashed_pswd"], bytes) and len(row["hashed_pswd"]) == 32
    expected = hashlib.pbkdf2_hmac("sha256", payload["pwd"].encode(), row["salt"], 100_000, 32)
    assert row["hashed_pswd"] == expected, "hash is not PBKDF2-HMAC-SHA256/100000/32"

    profile = json.loads((server.user_data / f"{name}.json").read_text())
    for key in ("username", "affiliation", "first_name", "last_name"):
        assert profile[key] == payload["username" if key == "username" else key]
    assert "pwd" not in profile and "password" not in profile

    assert payload["email"] in mail.to
    link = f"{server.base_url}/page/email-verify?v={code}&username={name}"
    assert link in mail.text, mail.text
    assert mail.first_url == link
    meta = smtp.envelope(mail)
    assert meta["rcpt_tos"] == [payload["email"]]
    assert not meta["defects"] and not any(p["defects"] for p in meta["parts"]), meta


def test_verification_link_verifies_once(server, smtp, unchanged):
    payload, mail = signup(server, smtp)
    name = payload["username"]
    r = verify_from_mail(server, mail)
    assert r.headers["content-type"].startswith("text/html")
    assert f"Account of {name} was verified successfully !!" in r.text
    assert server.user_row(name)["verified"] == "True"
    token = login(server, name, payload["pwd"])
    r = server.get("/users/", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["verified"] == "True"
    with unchanged(server):
        r = server.http.get(mail.first_url, timeout=30)
        assert r.status_code == 200
        assert "failed to be verified" in r.text


def test_verification_failures(server, smtp, unchanged):
    payload, mail = signup(server, smtp)
    name = payload["username"]
    code = server.user_row(name)["verified"]
    cases = [
        {"v": code + "x", "username": name},          # wrong code
        {"v": "True", "username": name},              # the verified marker is not a code
        {"v": code, "username": "nobody-" + name},    # unknown user
    ]

    def check(params):
        with unchanged(server):
            r = server.get("/page/email-verify", params=params)
            assert r.status_code == 200, r.text
            assert r.headers["content-type"].startswith("text/html")
            assert "failed to be verified" in r.text
            assert "verified successfully" not in r.text
    check_all(cases, check)
    with unchanged(server):
        # an empty code: refused, as a failed verification or as a 422
        r = server.get("/page/email-verify", params={"v": "", "username": name})
        if r.status_code == 422:
            assert_validation(r, [(["query", "v"], None)])
        else:
            assert r.status_code == 200 and "failed to be verified" in r.text, r.text
    assert server.user_row(name)["verified"] == code


def test_verification_missing_params(server, smtp, unchanged):
    payload, _ = signup(server, smtp)
    code = server.user_row(payload["username"])["verified"]
    with unchanged(server):
        r = server.get("/page/email-verify")
        assert_validation(r, [(["query", "v"], "value_error.missing"),
                              (["query", "username"], "value_error.missing")])
        r = server.get("/page/email-verify", params={"v": code})
        assert_validation(r, [(["query", "username"], "value_error.missing")])
        r = server.get("/page/email-verify", params={"username": payload["username"]})
        assert_validation(r, [(["query", "v"], "value_error.missing")])


def test_verification_page_escapes_html(server, unchanged):
    evil = "<script>alert(1)</script>"
    with unchanged(server):
        r = server.get("/page/email-verify?v=abc&username=" + quote(evil))
        assert r.status_code == 200
        assert evil not in r.text
        assert "failed to be verified" in r.text


@pytest.mark.parametrize("field", ["username", "email"])
def test_duplicate_signup(server, smtp, unchanged, field):
    first, _ = signup(server, smtp)
    second = signup_payload(**{field: first[field]})
    with unchanged(server):
        r = server.put("/auth/signup", json=second)
        assert_detail(r, 409, f"This {field} already exists !!")
    smtp.assert_none_to(second["email"], wait=0.5)


def test_signup_missing_fields(server, unchanged):
    with unchanged(server):
        r = server.put("/auth/signup", json={})
        items = assert_validation(r, [(["body", f], "value_error.missing") for f in FIELDS])
        assert len(items) == len(FIELDS)
        assert all(i["msg"] == "field required" for i in items)
        payload = signup_payload()
        del payload["pwd"], payload["affiliation"]
        r = server.put("/auth/signup", json=payload)
        items = assert_validation(r, [(["body", "pwd"], "value_error.missing"),
                                      (["body", "affiliation"], "value_error.missing")])
        assert len(items) == 2


def test_signup_wrong_types(server, unchanged):
    cases = [("username", None, "type_error.none.not_allowed"), ("email", ["a@b.c"], "type_error.str"),
             ("pwd", {"a": 1}, "type_error.str"), ("affiliation", [3.5], "type_error.str"),
             ("first_name", None, "type_error.none.not_allowed")]

    def check(case):
        field, value, kind = case
        with unchanged(server):
            r = server.put("/auth/signup", json=signup_payload(**{field: value}))
            assert_validation(r, [(["body", field], kind)])
    check_all(cases, check)
    with unchanged(server):
        # several wrong fields: every one is reported
        r = server.put("/auth/signup", json=signup_payload(username={}, pwd=[6], email=None))
        assert_validation(r, [(["body", "username"], None), (["body", "pwd"], None),
                              (["body", "email"], None)])


def test_signup_numbers_are_text_as_pydantic_made_them(server, smtp):
    """pydantic v1's str fields take numbers and booleans as their str() (issue 9)."""
    payload, _ = signup(server, smtp, affiliation=3.5, first_name=True, last_name=1e15)
    stored = json.loads((server.user_data / f"{payload['username']}.json").read_text())
    assert (stored["affiliation"], stored["first_name"], stored["last_name"]) == \
        ("3.5", "True", "1000000000000000.0")


def test_signup_empty_strings(server, unchanged):
    def check(field):
        with unchanged(server):
            r = server.put("/auth/signup", json=signup_payload(**{field: ""}))
            assert_validation(r, [(["body", field], None)])
    check_all(FIELDS, check)


def test_signup_invalid_email(server, unchanged):
    def check(address):
        with unchanged(server):
            r = server.put("/auth/signup", json=signup_payload(email=address))
            assert_validation(r, [(["body", "email"], "value_error.email")])
    check_all(["not-an-email", "a@", "@example.com", "a b@example.com", "a@@example.com"], check)


def test_signup_unsafe_usernames(server, unchanged):
    def check(name):
        with unchanged(server):
            r = server.put("/auth/signup", json=signup_payload(username=name))
            assert_validation(r, [(["body", "username"], None)])
    check_all(UNSAFE_USERNAMES, check)
    assert not list(server.data_dir.parent.glob("x.json"))


def test_signup_malformed_json(server, unchanged):
    bodies = [b'{"username": "a",', b"not json", b'{"username": "a"} trailing']

    def check(body):
        with unchanged(server):
            r = server.put("/auth/signup", data=body,
                           headers={"Content-Type": "application/json"})
            items = assert_validation(r, [])
            assert any(i["type"] == "value_error.jsondecode" for i in items), items
            assert_no_leak(r.text)
    check_all(bodies, check)
    with unchanged(server):
        # valid JSON that is not an object
        r = server.put("/auth/signup", json=[signup_payload()])
        assert r.status_code == 422, r.text
        # not UTF-8: Starlette could not decode it (FastAPI's 400)
        r = server.put("/auth/signup", data=b"\xff\xfe", headers={"Content-Type": "application/json"})
        assert_detail(r, 400, "There was an error parsing the body")


def test_html_signup_form_page(server):
    r = server.get("/page/new-user")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert re.search(r"<title>[^<]+</title>", page), "page has no title"
    form = re.search(r"<form[^>]*>", page, re.S)
    assert form, page
    assert re.search(r'action="[^"]*/auth/signup"', form.group(0)), form.group(0)
    assert re.search(r'method="post"', form.group(0), re.I), form.group(0)
    for field in FORM_FIELDS:
        assert re.search(rf'name="{field}"', page), f"no input {field}"
    assert "/static/style.css" in page


def test_html_signup_creates_account(server, smtp):
    form = form_payload()
    r = server.post("/auth/signup", data=form)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "Account created successfully" in r.text
    row = server.user_row(form["username"])
    assert row and row["email"] == form["email"] and row["verified"] != "True"
    expected = hashlib.pbkdf2_hmac("sha256", form["password"].encode(), row["salt"], 100_000, 32)
    assert row["hashed_pswd"] == expected
    profile = json.loads((server.user_data / f"{form['username']}.json").read_text())
    assert profile["affiliation"] == form["affiliation"]
    mail = smtp.wait_for(form["email"])
    url = urlparse(mail.first_url)
    assert url.path == "/page/email-verify"
    assert parse_qs(url.query) == {"v": [row["verified"]], "username": [form["username"]]}


@pytest.mark.parametrize("field", ["username", "email"])
def test_html_signup_duplicate(server, smtp, unchanged, field):
    first, _ = signup(server, smtp)
    form = form_payload(**{field: first[field]})
    with unchanged(server):
        r = server.post("/auth/signup", data=form)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/html")
        assert "already in use" in r.text
        assert re.search(r"<a [^>]*href=", r.text), "no link back"
        assert "Account created successfully" not in r.text


def test_html_signup_missing_field(server, unchanged):
    def check(field):
        form = form_payload()
        del form[field]
        with unchanged(server):
            r = server.post("/auth/signup", data=form)
            assert_validation(r, [(["body", field], "value_error.missing")])
    check_all(FORM_FIELDS, check)


def test_html_signup_unsafe_username_writes_nothing(server, unchanged):
    def check(name):
        with unchanged(server):
            r = server.post("/auth/signup", data=form_payload(username=name))
            assert r.status_code in (200, 400, 422), r.text
            assert "Account created successfully" not in r.text
            assert_no_leak(r.text)
    check_all(["../x", "a/b", ".hidden", "white space"], check)


def test_html_signup_escapes_user_input(server, smtp):
    evil = "<script>alert('x')</script>"
    form = form_payload(first_name=evil, affiliation=evil, last_name=evil)
    r = server.post("/auth/signup", data=form)
    assert r.status_code == 200, r.text
    assert evil not in r.text
    mail = smtp.wait_for(form["email"])
    for part in smtp.envelope(mail)["parts"]:
        if part["content_type"] == "text/html":
            assert evil not in part["content"]
    # stored as given (escaping is the renderer's job)
    profile = json.loads((server.user_data / f"{form['username']}.json").read_text())
    assert profile["first_name"] == evil


def test_signup_then_verify_by_html_link_escaping(server, smtp):
    """The link in an HTML mail part must survive HTML escaping (&amp;)."""
    payload, mail = signup(server, smtp)
    for part in smtp.envelope(mail)["parts"]:
        if part["content_type"] == "text/html":
            hrefs = re.findall(r'href="([^"]+)"', part["content"])
            assert any(html.unescape(h) == mail.first_url for h in hrefs), hrefs
