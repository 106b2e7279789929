"""Wire compatibility with the first implementation (issue 9).

Per route: the status, content type, body shape (keys and value types) and page texts that the
first implementation answered, for good and bad input. The expected values come from its code
(github.com/zerospeech/vocolab, the `zerospeech/` layout: FastAPI 0.63, pydantic 1.8, starlette
0.13, Jinja2 templates) and, for malformed JSON, from CPython's json module run here. What we do
differently on purpose (api.md's "we do" column) is a test named `test_intended_*`, with what the
first implementation did in its docstring.
"""
import json
import random
import re

import pytest

from conftest import assert_empty, assert_validation, login, signup, signup_payload, unique
from zips import open_challenge

JSON = "application/json"  # starlette's JSONResponse: no charset
HTML = "text/html; charset=utf-8"


def shape(value):
    """The value with every scalar replaced by its JSON type name (lists keep their items)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    if value is None:
        return "null"
    return {bool: "bool", int: "int", float: "float", str: "str"}[type(value)]


def json_answer(r, status=200):
    assert r.status_code == status, f"{r.status_code} {r.text}"
    assert r.headers["content-type"] == JSON, r.headers
    return r.json()


def page(r):
    """(h1 text, every paragraph's text) of an HTML answer of ours."""
    assert r.status_code == 200, f"{r.status_code} {r.text}"
    assert r.headers["content-type"] == HTML, r.headers
    strip = lambda html: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()  # noqa: E731
    heading = re.search(r"<h1>(.*?)</h1>", r.text, re.S)
    return strip(heading.group(1)) if heading else None, [strip(p) for p in re.findall(r"<p[^>]*>(.*?)</p>", r.text, re.S)]


def decode_item(body):
    """FastAPI's 422 item for a body json.loads rejects (ErrorWrapper(e, ("body", e.pos)))."""
    try:
        json.loads(body)
    except json.JSONDecodeError as e:
        return {"loc": ["body", e.pos], "msg": str(e), "type": "value_error.jsondecode",
                "ctx": {"msg": e.msg, "doc": e.doc, "pos": e.pos, "lineno": e.lineno, "colno": e.colno}}
    return None


def put_json_text(server, path, text, **kw):
    return server.put(path, data=text.encode(), headers={"Content-Type": JSON, **kw.pop("headers", {})}, **kw)


# ------------------------------------------------------------------------------------------------
# Empty answers: `return Response(status_code=200)` (auth.py, users.py)
# ------------------------------------------------------------------------------------------------
def test_routes_that_answered_an_empty_200(server, smtp, make_user):
    payload = signup_payload()
    assert_empty(server.put("/auth/signup", json=payload))  # put_signup
    user = make_user()
    assert_empty(server.post("/users/profile", headers=user.auth,  # update_profile
                             json={"username": user["username"], "affiliation": "Lab"}))
    r = server.post("/auth/password/reset", json={"username": user["username"], "email": user["email"]})
    assert_empty(r)  # password_reset_request
    mail = smtp.wait_for(user["email"])
    token = re.search(r"password-update\?v=([\w-]+)", mail.text).group(1)
    r = server.put(f"/auth/password/update?v={token}",  # put_password_update
                   data={"password": "n3w-pass-1", "password_validation": "n3w-pass-1", "session_code": token})
    assert_empty(r)
    other = make_user()
    r = server.delete("/auth/logout", headers=other.auth)  # logout
    assert_empty(r)
    assert r.headers["content-length"] == "0"


# ------------------------------------------------------------------------------------------------
# JSON bodies: keys and types
# ------------------------------------------------------------------------------------------------
def test_json_shapes_of_the_read_routes(server, make_user):
    assert shape(json_answer(server.get("/"))) == {
        "app": "str", "version": "str", "maintainers": "str", "contact": "str",
        "installation_datetime": "str"}  # + the second generation's key (api-v2.md 4.3)
    user = make_user()
    login_body = json_answer(server.post("/auth/login", data={"username": user["username"], "password": user["pwd"]}))
    assert shape(login_body) == {"access_token": "str", "token_type": "str", "username": "str"}
    assert login_body["token_type"] == "bearer"
    # get_user: schema.User.verified is the text "True"
    assert json_answer(server.get("/users/", headers=user.auth)) == {
        "username": user["username"], "email": user["email"], "verified": "True"}
    # get_profile: the profile file through UserData: these four keys, then the file's extra ones
    assert json_answer(server.get("/users/profile", headers=user.auth)) == {
        "username": user["username"], "affiliation": user["affiliation"],
        "first_name": user["first_name"], "last_name": user["last_name"]}
    server.post("/users/profile", headers=user.auth,
                json={"username": user["username"], "affiliation": "Lab", "first_name": None, "orcid": [1, "x"]})
    assert json_answer(server.get("/users/profile", headers=user.auth)) == {
        "username": user["username"], "affiliation": "Lab", "first_name": None,
        "last_name": user["last_name"], "orcid": [1, "x"]}

    open_id = open_challenge(server, label=unique("open"))
    closed_id = open_challenge(server, label=unique("closed"), active=0)
    listed = json_answer(server.get("/challenges/"))
    assert {shape(item) == {"id": "int", "label": "str", "active": "bool"} for item in listed} == {True}
    assert open_id in [c["id"] for c in listed] and closed_id not in [c["id"] for c in listed]
    assert closed_id in [c["id"] for c in json_answer(server.get("/challenges/?include_inactive=t"))]
    assert shape(json_answer(server.get(f"/challenges/{closed_id}"))) == {
        "id": "int", "label": "str", "start_date": "str", "end_date": "null", "active": "bool",
        "url": "str", "evaluator": "null"}

    body = {"filename": "a.zip", "hash": "0" * 32, "multipart": False}
    submission_id = json_answer(server.post(f"/challenges/{open_id}/submission/create", headers=user.auth, json=body))
    assert isinstance(submission_id, str)
    assert json_answer(server.get(f"/users/submissions/{submission_id}/status", headers=user.auth)) == "uploading"
    submissions = json_answer(server.get("/users/submissions", headers=user.auth))
    assert shape(submissions) == {next(iter(submissions)): [
        {"submission_id": "str", "track_label": "str", "track_id": "int", "status": "str"}]}
    details = json_answer(server.get(f"/users/submissions/{submission_id}", headers=user.auth))
    assert set(details) == {"submission_id", "user_id", "username", "track_label", "track_id", "status", "date",
                            "evaluator_label", "evaluator_cmd", "leaderboards"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", details["date"]), details

    server.execute("INSERT INTO leaderboards (challenge_id, label, path_to, entry_file, archived, static_files) "
                   "VALUES (?, ?, ?, ?, 0, 0)", (open_id, unique("board"), "board.json", "entry.json"))
    boards = json_answer(server.get("/leaderboards/"))
    assert shape(boards[0]) == {"id": "int", "challenge_id": "int", "label": "str", "entry_file": "str",
                                "archived": "bool", "static_files": "bool"}
    # The second generation added last_modified (api-v2.md section 4.3).
    assert shape(json_answer(server.get(f"/leaderboards/{boards[0]['id']}/json"))) == {
        "updatedOn": "str", "last_modified": "str", "data": []}


# ------------------------------------------------------------------------------------------------
# 422: pydantic v1's items
# ------------------------------------------------------------------------------------------------
MISSING = "field required", "value_error.missing"
NONE = "none is not an allowed value", "type_error.none.not_allowed"


def items(*specs):
    return [{"loc": list(loc), "msg": msg, "type": kind} for loc, (msg, kind) in specs]


@pytest.mark.parametrize("overrides,expected", [
    # UserCreate(username: str, email: EmailStr, pwd: str, first_name, last_name, affiliation: str),
    # with the validator `assert v, "UserCreate does not accept empty fields"`.
    ({"username": None}, items((["body", "username"], NONE))),
    ({"pwd": {}}, items((["body", "pwd"], ("str type expected", "type_error.str")))),
    ({"affiliation": ""}, items((["body", "affiliation"], ("UserCreate does not accept empty fields",
                                                           "assertion_error")))),
    ({"email": "nope", "first_name": [1], "last_name": ""},
     items((["body", "email"], ("value is not a valid email address", "value_error.email")),
           (["body", "first_name"], ("str type expected", "type_error.str")),
           (["body", "last_name"], ("UserCreate does not accept empty fields", "assertion_error")))),
])
def test_signup_validation_items(server, unchanged, overrides, expected):
    with unchanged(server):
        r = server.put("/auth/signup", json=signup_payload(**overrides))
        assert json_answer(r, 422) == {"detail": expected}


def test_missing_fields_and_non_object_bodies(server, unchanged):
    fields = ["username", "email", "pwd", "first_name", "last_name", "affiliation"]
    with unchanged(server):
        # one "field required" per field, in the model's order
        for body in ({}, [], ""):
            r = server.put("/auth/signup", json=body)
            assert json_answer(r, 422) == {"detail": items(*[(["body", f], MISSING) for f in fields])}, body
        # no body, or null: the model itself is missing
        for data in (b"", b"null"):
            r = server.put("/auth/signup", data=data, headers={"Content-Type": JSON})
            assert json_answer(r, 422) == {"detail": items((["body"], MISSING))}, data
        for body in (1, "text", [1], True):
            r = server.put("/auth/signup", json=body)
            assert json_answer(r, 422) == {"detail": items((["body"], ("value is not a valid dict",
                                                                       "type_error.dict")))}, body


def test_submission_create_items(server, make_user, unchanged):
    user = make_user()
    challenge = open_challenge(server, label=unique("c"))
    path = f"/challenges/{challenge}/submission/create"
    with unchanged(server):
        r = server.post(path, headers=user.auth, json={"filename": "a.zip", "hash": None, "multipart": "maybe",
                                                       "index": [{"file_name": "p", "file_size": "x",
                                                                  "file_hash": "0" * 32}, 3]})
        assert json_answer(r, 422) == {"detail": items(
            (["body", "hash"], NONE),
            (["body", "multipart"], ("value could not be parsed to a boolean", "type_error.bool")),
            (["body", "index", 0, "file_size"], ("value is not a valid integer", "type_error.integer")),
            (["body", "index", 1], ("value is not a valid dict", "type_error.dict")))}
        r = server.post(path, headers=user.auth, json={"filename": "a.zip", "hash": "0" * 32, "multipart": False,
                                                       "index": "p"})
        assert json_answer(r, 422) == {"detail": items((["body", "index"], ("value is not a valid list",
                                                                            "type_error.list")))}
        r = server.post("/challenges/x/submission/create", headers=user.auth, json={})
        assert json_answer(r, 422) == {"detail": items((["path", "challenge_id"], ("value is not a valid integer",
                                                                                  "type_error.integer")))}


def test_values_pydantic_coerced(server, smtp, make_user):
    """str fields take numbers and booleans as their Python str(); bools take pydantic's words."""
    payload, _ = signup(server, smtp, affiliation=12, first_name=False, last_name=0.5)
    profile_file = json.loads((server.user_data / f"{payload['username']}.json").read_text())
    assert [profile_file[k] for k in ("affiliation", "first_name", "last_name")] == ["12", "False", "0.5"]
    user = make_user()
    challenge = open_challenge(server, label=unique("c"))
    for word in ("Y", "on", "t", 1, "0", "off"):
        body = {"filename": "a.zip", "hash": "0" * 32, "multipart": word}
        if word in ("Y", "on", "t", 1):
            body["index"] = [{"file_name": "a.zip.part0", "file_size": "10", "file_hash": "0" * 32}]
        r = server.post(f"/challenges/{challenge}/submission/create", headers=user.auth, json=body)
        assert r.status_code == 200, (word, r.text)
    assert server.get("/challenges/?include_inactive=Yes").status_code == 200
    r = server.get("/challenges/?include_inactive=maybe")
    assert json_answer(r, 422) == {"detail": items((["query", "include_inactive"],
                                                    ("value could not be parsed to a boolean", "type_error.bool")))}


# ------------------------------------------------------------------------------------------------
# Malformed JSON: FastAPI's RequestValidationError([ErrorWrapper(JSONDecodeError, ("body", pos))])
# ------------------------------------------------------------------------------------------------
MALFORMED = ['{"username": "a",}', "{", " ", "nope", "[1,]", '{"a" 1}', '{"a":1 "b":2}', '"abc',
             '{"a": "\\x"}', '{"a": "\\u12G4"}', '{"a": "tab\there"}', '{"a":1}x', "01", '{"é": "ü",\n  x}',
             '["日本", 1,\n 2 3]', '{"😀": tru}', '{"a": [1, {"b": }]}', "\ufeff{", '{"a": "\\ud800\\uZZZZ"}']


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_json_as_cpython_reported_it(server, unchanged, text):
    expected = decode_item(text.removeprefix("\ufeff"))  # json.loads(bytes) drops a UTF-8 BOM
    with unchanged(server):
        r = put_json_text(server, "/auth/signup", text)
        assert json_answer(r, 422) == {"detail": [expected]}


def test_random_malformed_json_matches_cpython(server, unchanged):
    """300 random edits of a valid body; each one Python rejects must get Python's exact item."""
    rng = random.Random(9)
    base = json.dumps({"username": "ada", "email": "a@b.co", "pwd": "x1", "first_name": "Ada",
                       "last_name": "L", "affiliation": ["é", 1.5, None, True, {"k": "\\n"}]}, ensure_ascii=False)
    alphabet = '{}[]":,\\ \n\tantrufelsx0123456789.eE+-é😀'
    compared = 0
    with unchanged(server):
        for _ in range(300):
            text = list(base)
            for _ in range(rng.randint(1, 3)):
                at = rng.randrange(len(text) + 1)
                action = rng.random()
                if action < 0.4 and text:
                    del text[min(at, len(text) - 1)]
                elif action < 0.8:
                    text.insert(at, rng.choice(alphabet))
                else:
                    text = text[:at]
            text = "".join(text)
            if not text:
                continue  # FastAPI never decodes an empty body: "field required" (test above)
            expected = decode_item(text)
            if expected is None:
                continue
            r = put_json_text(server, "/auth/signup", text)
            assert json_answer(r, 422) == {"detail": [expected]}, text
            compared += 1
    assert compared > 200


def test_malformed_json_comes_before_the_token(server, unchanged):
    """FastAPI decoded the body before running the auth dependency."""
    with unchanged(server):
        r = server.post("/users/profile", data=b'{"a":', headers={"Content-Type": JSON})
        assert json_answer(r, 422)["detail"][0]["type"] == "value_error.jsondecode"
        r = server.post("/challenges/1/submission/create", data=b"[1 2]", headers={"Content-Type": JSON})
        assert json_answer(r, 422)["detail"][0]["msg"] == "Expecting ',' delimiter: line 1 column 4 (char 3)"
        # a well-formed body without a token: the token first
        r = server.post("/users/profile", json={})
        assert json_answer(r, 401) == {"detail": "Not authenticated"}


def test_body_that_is_not_utf8(server, unchanged):
    """Starlette's request.json() failed to decode: FastAPI's generic 400."""
    with unchanged(server):
        r = server.put("/auth/signup", data=b'{"username": "\xff"}', headers={"Content-Type": JSON})
        assert json_answer(r, 400) == {"detail": "There was an error parsing the body"}


# ------------------------------------------------------------------------------------------------
# HTML pages: the texts a user or a scraper reads
# ------------------------------------------------------------------------------------------------
def signup_form(**overrides):
    payload = signup_payload(**overrides)
    return {"first_name": payload["first_name"], "last_name": payload["last_name"],
            "affiliation": payload["affiliation"], "email": payload["email"],
            "username": payload["username"], "password": payload["pwd"]}


def test_signup_form_pages(server, smtp, make_user):
    assert page(server.get("/page/new-user"))[0] == "Create an account"
    form = signup_form()
    heading, lines = page(server.post("/auth/signup", data=form))
    assert heading == "Account created successfully"
    assert f"A verification email will be sent to {form['email']}" in lines
    taken = make_user()
    heading, _ = page(server.post("/auth/signup", data=signup_form(username=taken["username"])))
    assert heading == "username already in use"
    heading, _ = page(server.post("/auth/signup", data=signup_form(email=taken["email"])))
    assert heading == "email already in use"
    # the JSON route's 409 texts
    r = server.put("/auth/signup", json=signup_payload(username=taken["username"]))
    assert json_answer(r, 409) == {"detail": "This username already exists !!"}
    r = server.put("/auth/signup", json=signup_payload(email=taken["email"]))
    assert json_answer(r, 409) == {"detail": "This email already exists !!"}


def test_email_verification_pages(server, smtp):
    payload, mail = signup(server, smtp)
    code = re.search(r"[?&]v=([\w-]+)", mail.text).group(1)
    name = payload["username"]
    heading, _ = page(server.get("/page/email-verify", params={"v": "wrong", "username": name}))
    assert heading == f"Account of {name} failed to be verified !!"
    assert "The following issue occurred : ValueNotValid: validation code was not correct" in page(
        server.get("/page/email-verify", params={"v": "wrong", "username": name}))[1]
    heading, _ = page(server.get("/page/email-verify", params={"v": code, "username": name}))
    assert heading == f"Account of {name} was verified successfully !!"
    _, lines = page(server.get("/page/email-verify", params={"v": code, "username": name}))
    assert "The following issue occurred : ActionNotValid: Email already verified" in lines
    _, lines = page(server.get("/page/email-verify", params={"v": code, "username": "nobody-" + unique()}))
    assert "The following issue occurred : Username does not exist" in lines


def test_password_pages(server, smtp, make_user):
    assert page(server.get("/page/request-password-update"))[0] == "Reset Your Password"
    user = make_user()
    r = server.post("/auth/password/reset", data={"username": user["username"], "email": user["email"]},
                    headers={"Accept": "text/html"})
    assert page(r)[0] == "Password Change Request Received !"
    token = re.search(r"password-update\?v=([\w-]+)", smtp.wait_for(user["email"]).text).group(1)
    heading, lines = page(server.get("/page/password-update", params={"v": token}))
    assert heading == "Reset Password" and f"For user {user['username']}" in lines

    def update(v, password="n3w-pass-1", validation="n3w-pass-1", code=None):
        return server.post(f"/auth/password/update?v={v}", data={
            "password": password, "password_validation": validation, "session_code": code or v})
    for args, reason in [((token, "a-1", "b-2"), "passwords do not match"),
                         ((token, "a-1", "a-1", token + "x"), "session validation not passed !!!"),
                         (("unknown-" + unique(),), "session was not found")]:
        heading, lines = page(update(*args))
        assert heading == "Password update failed !!" and reason in lines, (args, lines)
    r = server.put(f"/auth/password/update?v={token}",
                   data={"password": "a-1", "password_validation": "b-2", "session_code": token})
    assert json_answer(r, 404) == {"message": "passwords do not match"}  # the app's ValueError handler
    heading, _ = page(update(token))
    assert heading == f"Password of {user['username']} was updated successfully"
    login(server, user["username"], "n3w-pass-1")


# ------------------------------------------------------------------------------------------------
# What we do differently on purpose (api.md, "we do")
# ------------------------------------------------------------------------------------------------
def test_intended_profile_account_fields_are_opt_in(server, make_user):
    """The first implementation had no e-mail or verification in the profile; ?account=true adds them."""
    user = make_user()
    body = json_answer(server.get("/users/profile?account=true", headers=user.auth))
    assert body["email"] == user["email"] and body["verified"] is True


def test_intended_password_reset_does_not_tell_whether_the_account_exists(server, unchanged):
    """First implementation: 400 {"message": "UserNotFound: the user is not valid"} for an unknown e-mail."""
    with unchanged(server):
        assert_empty(server.post("/auth/password/reset", json={"username": "ghost", "email": "ghost@example.org"}))


def test_intended_username_must_be_a_safe_file_name(server, unchanged):
    """First implementation: any text (it became the profile file's name: "../x" wrote outside)."""
    with unchanged(server):
        r = server.put("/auth/signup", json=signup_payload(username="../x"))
        assert_validation(r, [(["body", "username"], "value_error.username")])


def test_intended_index_items_need_their_hash(server, make_user, unchanged):
    """First implementation: file_hash was Optional and the upload failed later."""
    user = make_user()
    challenge = open_challenge(server, label=unique("c"))
    with unchanged(server):
        r = server.post(f"/challenges/{challenge}/submission/create", headers=user.auth, json={
            "filename": "a.zip", "hash": "0" * 32, "multipart": True,
            "index": [{"file_name": "a.zip.part0", "file_size": 1, "file_hash": None}]})
        assert json_answer(r, 422) == {"detail": items((["body", "index", 0, "file_hash"], MISSING))}


def test_intended_non_standard_json_is_refused(server, unchanged):
    """Python's json took NaN, Infinity and lone surrogates (pydantic then made "nan" of them)."""
    with unchanged(server):
        for text in ('{"username": NaN}', '{"username": "\\ud800"}', '{"username": 1e400}'):
            r = put_json_text(server, "/auth/signup", text)
            assert json_answer(r, 422)["detail"][0]["type"] == "value_error.jsondecode", text


def test_intended_empty_query_codes_are_refused(server, unchanged):
    """First implementation: an empty `v` was a valid str and failed later on the page."""
    with unchanged(server):
        r = server.get("/page/email-verify?v=&username=x")
        assert_validation(r, [(["query", "v"], "value_error.any_str.min_length")])


def test_intended_request_id_and_relative_redirects(server):
    """First implementation: no request id header; absolute Location (http://host/challenges/)."""
    r = server.get("/challenges", allow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/challenges/"
    assert r.headers.get("x-request-id")


def test_intended_leaderboards_list_and_unknown_board(server):
    """First implementation: 404 {"message": "No leaderboards found"} for an empty table, and 400
    ResourceRequestedNotFound for an unknown board; api.md asks for [] and 404."""
    assert json_answer(server.get("/leaderboards/")) == []
    assert json_answer(server.get("/leaderboards/999/json"), 404)
