"""Security headers (issue 22, part 4): every HTML answer carries a Content-Security-Policy that
forbids framing and scripts from anywhere but our origin (no inline script), X-Frame-Options and
Referrer-Policy; the template pages, which may carry a token, are not stored by caches; every
answer, JSON, file, error or redirect, carries X-Content-Type-Options: nosniff. The pages and
/docs still work under that policy: no inline script, event handler or javascript: URL."""
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, urlparse

import pytest

from conftest import signup_payload, unique

FAILED = "Password update failed !!"


# --------------------------------------------------------------------------------------------
# What an answer must carry
# --------------------------------------------------------------------------------------------
def csp_directives(r):
    """The Content-Security-Policy as {directive: [sources]} (one policy, no repeats)."""
    policy = r.headers.get("content-security-policy")
    assert policy, f"{r.request.method} {r.url}: no Content-Security-Policy in {dict(r.headers)}"
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if not words:
            continue
        name = words[0].lower()
        assert name not in directives, f"{name} twice in {policy!r}"
        directives[name] = words[1:]
    return directives


def described(r, what=""):
    return f"{what} {r.request.method} {r.url} -> {r.status_code}: {dict(r.headers)}"


def assert_nosniff(r, what=""):
    assert r.headers.get("x-content-type-options") == "nosniff", described(r, what)


def assert_html_headers(r):
    """The headers of every HTML answer, the policy read directive by directive."""
    assert r.headers["content-type"].startswith("text/html"), r.headers
    assert_nosniff(r)
    assert r.headers.get("x-frame-options") == "DENY", r.headers
    assert r.headers.get("referrer-policy") == "no-referrer", r.headers
    csp = csp_directives(r)
    assert csp.get("frame-ancestors") == ["'none'"], csp
    assert csp.get("script-src") == ["'self'"], csp  # no 'unsafe-inline', no 'unsafe-eval', no host
    assert csp.get("default-src") == ["'self'"], csp
    assert csp.get("object-src") == ["'none'"], csp
    assert csp.get("base-uri") == ["'none'"], csp
    assert csp.get("form-action") == ["'self'"], csp
    # What Swagger UI needs, from our own origin only: nothing names another host or scheme.
    allowed = {"'self'", "'none'"}
    extra = {"style-src": {"'unsafe-inline'"}, "img-src": {"data:"}}
    for name, sources in csp.items():
        others = set(sources) - allowed - extra.get(name, set())
        assert not others, f"{name} allows {others}: {csp}"


def assert_not_stored(r):
    assert "no-store" in r.headers.get("cache-control", ""), \
        f"{r.request.method} {r.url}: {dict(r.headers)}"


def assert_plain_answer(r, what=""):
    """A JSON (or file, error, redirect) answer: nosniff, and none of the HTML answers' headers."""
    assert_nosniff(r, what)
    assert "content-security-policy" not in r.headers, described(r, what)
    assert "x-frame-options" not in r.headers, described(r, what)
    assert "no-store" not in r.headers.get("cache-control", ""), described(r, what)


class PageScripts(HTMLParser):
    """What a page would need beyond `script-src 'self'`: inline scripts, on...= handlers,
    javascript: URLs, and scripts, style sheets or images from elsewhere."""

    def __init__(self):
        super().__init__()
        self.problems, self.scripts, self.links, self._inline_script = [], [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "script":
            self._inline_script = attrs.get("src") is None
            if not self._inline_script:
                self.scripts.append(attrs["src"])
        source = attrs.get("src") or (attrs.get("href") if tag == "link" else None)
        own = source and source.startswith("/") and not source.startswith("//")
        if source and not own and not (tag == "img" and source.startswith("data:")):
            self.problems.append(f"<{tag}> from elsewhere: {source}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._inline_script = False

    def handle_data(self, data):
        if self._inline_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:80]!r}")


def page_scripts(r):
    parser = PageScripts()
    parser.feed(r.text)
    parser.close()
    return parser


def assert_works_under_csp(r):
    parser = page_scripts(r)
    assert not parser.problems, f"{r.url}: {parser.problems}"
    return parser


def assert_page(r, status=200):
    """A template page: the HTML headers, not stored, and nothing the policy blocks."""
    assert r.status_code == status, r.text
    assert_html_headers(r)
    assert_not_stored(r)
    return assert_works_under_csp(r)


# --------------------------------------------------------------------------------------------
# Flows that reach every page
# --------------------------------------------------------------------------------------------
def form_signup(server, **overrides):
    payload = signup_payload(**overrides)
    form = {k: v for k, v in payload.items() if k != "pwd"}
    form["password"] = payload["pwd"]
    return payload, server.post("/auth/signup", data=form, headers={"Accept": "text/html"})


def reset_token(server, smtp, user):
    r = server.post("/auth/password/reset", json={"username": user["username"], "email": user["email"]})
    assert r.status_code == 200, r.text
    link = smtp.wait_for(user["email"]).first_url
    return parse_qs(urlparse(link).query)["v"][0]


def update_form(token, password="n3w-Passw0rd!", validation=None):
    return {"password": password, "password_validation": password if validation is None else validation,
            "session_code": token}


def test_form_pages_carry_the_html_headers(server):
    for path in ("/page/new-user", "/page/request-password-update"):
        parser = assert_page(server.get(path))
        assert not parser.scripts, f"{path} needs no script: {parser.scripts}"
        head = server.request("HEAD", path)
        assert head.status_code == 200
        assert_html_headers(head)
        assert_not_stored(head)


def test_signup_and_verification_pages(server, smtp):
    payload, r = form_signup(server)
    assert_page(r)
    assert "Account created successfully" in r.text
    link = smtp.wait_for(payload["email"]).first_url
    assert link.startswith(server.base_url + "/page/email-verify?"), link
    r = server.http.get(link, timeout=30)  # the verification code is in the URL
    assert_page(r)
    assert "verified successfully" in r.text
    r = server.get("/page/email-verify", params={"v": "wrong-code", "username": payload["username"]})
    assert_page(r)
    assert "failed to be verified" in r.text
    # the form's answer when the username is taken: a page with a link back to the form
    _, r = form_signup(server, username=payload["username"])
    parser = assert_page(r)
    assert "already in use" in r.text
    assert "/page/new-user" in parser.links


def test_password_reset_pages(server, smtp, make_user):
    user = make_user()
    r = server.post("/auth/password/reset", data={"username": user["username"], "email": user["email"]},
                    headers={"Accept": "text/html"})
    assert_page(r)
    assert "Password Change Request Received" in r.text
    r = server.post("/auth/password/reset", data={"username": user["username"], "email": user["email"]},
                    params={"html_response": "true"})
    assert_page(r)
    token = reset_token(server, smtp, user)
    r = server.get("/page/password-update", params={"v": token})  # the reset token is in the URL
    assert_page(r)
    assert "<form" in r.text
    r = server.post("/auth/password/update", params={"v": token}, data=update_form(token))
    assert_page(r)
    assert "updated successfully" in r.text


def test_failed_password_update_links_back_to_the_form_without_javascript(server, smtp, make_user):
    user = make_user()
    token = reset_token(server, smtp, user)
    r = server.post("/auth/password/update", params={"v": token},
                    data=update_form(token, "abcdefgh1", "abcdefgh2"))
    parser = assert_page(r)
    assert FAILED in r.text
    assert "javascript:" not in r.text.lower()
    back = f"/page/password-update?v={quote(token, safe='')}"
    assert back in parser.links, parser.links
    # the link leads back to a working form with the same token
    form = server.get(back)
    assert_page(form)
    assert f'value="{token}"' in form.text
    # an unusable session sends the user to ask for a new link instead
    r = server.post("/auth/password/update", params={"v": "unknown-" + unique()},
                    data=update_form("unknown"))
    parser = assert_page(r)
    assert "javascript:" not in r.text.lower()
    assert "/page/request-password-update" in parser.links
    # the second generation's JSON answer keeps its redirect_url: its client reads it as data
    r = server.post("/auth/password/update", params={"v": token, "html_response": "false"},
                    data=update_form(token, "abcdefgh1", "abcdefgh2"))
    assert_plain_answer(r)
    assert r.json()["redirect_url"] == "javascript:history.back()"


# --------------------------------------------------------------------------------------------
# /docs, with and without Swagger UI
# --------------------------------------------------------------------------------------------
@pytest.fixture
def swagger_dir(tmp_path):
    """A stand-in for Swagger UI's files, with an init.js of its own that must not replace ours."""
    folder = tmp_path / "swagger-ui"
    folder.mkdir()
    (folder / "swagger-ui-bundle.js").write_text("window.SwaggerUIBundle = function () {};\n")
    (folder / "swagger-ui.css").write_text("body { margin: 0; }\n")
    (folder / "init.js").write_text("alert('not ours');\n")
    return folder


def test_docs_with_swagger_ui(servers, swagger_dir):
    server = servers.start(extra_env={"ZR_SWAGGER_UI_DIR": str(swagger_dir)})
    r = server.get("/docs")
    assert r.status_code == 200
    assert_html_headers(r)
    parser = assert_works_under_csp(r)
    assert parser.scripts == ["/docs/assets/swagger-ui-bundle.js", "/docs/init.js"], parser.scripts
    for script in parser.scripts:
        s = server.get(script)
        assert s.status_code == 200, script
        assert s.headers["content-type"].startswith("text/javascript"), s.headers
        assert_plain_answer(s)
    init = server.get("/docs/init.js")
    assert "SwaggerUIBundle(" in init.text and '"/openapi.json"' in init.text, init.text
    assert "not ours" not in init.text
    css = server.get("/docs/assets/swagger-ui.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert_plain_answer(css)


def test_docs_without_swagger_ui(servers):
    server = servers.start(extra_env={"ZR_SWAGGER_UI_DIR": ""})
    r = server.get("/docs")
    assert r.status_code == 200
    assert_html_headers(r)
    parser = assert_works_under_csp(r)
    assert not parser.scripts, parser.scripts
    assert "/openapi.json" in r.text
    init = server.get("/docs/init.js")  # ours, whatever is installed
    assert init.status_code == 200 and init.headers["content-type"].startswith("text/javascript")
    assert_plain_answer(init)
    assert_plain_answer(server.get("/docs/assets/swagger-ui-bundle.js"))  # a 404


# --------------------------------------------------------------------------------------------
# Every other answer: nosniff, and the HTML headers on HTML files only
# --------------------------------------------------------------------------------------------
def test_json_answers_errors_and_redirects_carry_nosniff_only(server, make_user):
    user = make_user()
    cases = {
        "GET /": server.get("/"),
        "GET /challenges/": server.get("/challenges/"),
        "GET /users/profile": server.get("/users/profile", headers=user.auth),
        "GET /openapi.json": server.get("/openapi.json"),
        "404": server.get("/no-such-route"),
        "404 page token": server.get("/page/password-update", params={"v": "unknown"}),
        "405": server.delete("/challenges/"),
        "422": server.post("/auth/login", data={}),
        "422 page": server.get("/page/email-verify"),
        "401": server.get("/users/profile"),
        "307": server.get("/challenges"),
        "empty 200": server.put("/auth/signup", json=signup_payload()),
        "HEAD": server.request("HEAD", "/challenges/"),
        "CORS preflight": server.request("OPTIONS", "/challenges/", headers={
            "Origin": "https://zerospeech.com", "Access-Control-Request-Method": "GET"}),
    }
    assert cases["307"].status_code == 307 and cases["401"].status_code == 401
    assert cases["422"].status_code == 422 and cases["404"].status_code == 404
    for name, r in cases.items():
        assert_plain_answer(r, name)
    # the answer to a request that could not be parsed
    status, headers, _ = server.raw(b"GET / HTTP/9.9\r\n\r\n", timeout=3)
    assert status == 400
    assert headers.get("x-content-type-options") == "nosniff", headers


def test_static_files(server):
    css = server.get("/static/style.css")  # the site's own, embedded
    assert css.status_code == 200
    assert_plain_answer(css)
    folder = server.data_dir / "_static"
    folder.mkdir(exist_ok=True)
    (folder / "notice.html").write_text("<!doctype html><title>n</title><p>notice</p>\n")
    (folder / "notes.txt").write_text("notes\n")
    page = server.get("/static/notice.html")  # an organiser's file: HTML all the same
    assert page.status_code == 200
    assert_html_headers(page)
    assert "no-store" not in page.headers.get("cache-control", "")
    text = server.get("/static/notes.txt")
    assert text.status_code == 200
    assert_plain_answer(text)
