"""Transport-level behaviour: root, errors, request ids, static files, limits, CORS, docs,
keep-alive and graceful shutdown."""
import json
import signal
import socket
import time

import pytest

from conftest import assert_detail, signup_payload

ENDPOINTS = {
    "/": {"get"},
    "/auth/login": {"post"},
    "/auth/logout": {"delete"},
    "/auth/signup": {"put", "post"},
    "/auth/password/reset": {"post"},
    "/auth/password/update": {"post", "put"},
    "/page/new-user": {"get"},
    "/page/email-verify": {"get"},
    "/page/password-update": {"get"},
    "/page/request-password-update": {"get"},
    "/users/": {"get"},
    "/users/profile": {"get", "post"},
    "/challenges/": {"get"},
    "/challenges/{challenge_id}": {"get"},
}


def test_root(server):
    r = server.get("/")
    assert r.status_code == 200
    body = r.json()
    assert body.pop("installation_datetime")  # the second generation's key (test_v2_accounts.py)
    assert body == {"app": "Zerospeech Challenge API", "version": "v0.1",
                    "maintainers": "CoML Team, INRIA, ENS, EHESS, CNRS",
                    "contact": "contact@zerospeech.com"}


def test_root_from_settings(servers):
    server = servers.start(extra_env={"ZR_APP_NAME": "Test API", "ZR_VERSION": "v9",
                                      "ZR_MAINTAINERS": "Us", "zr_admin_email": "x@example.org"})
    body = server.get("/").json()
    assert body.pop("installation_datetime")
    assert body == {"app": "Test API", "version": "v9", "maintainers": "Us", "contact": "x@example.org"}


def test_unknown_route(server, unchanged):
    with unchanged(server):
        for method, path in [("GET", "/nope"), ("POST", "/nope"), ("GET", "/users/x/y/z"),
                             ("GET", "/challenges/1/nothing"), ("GET", "/auth"),
                             ("GET", "/page/unknown")]:
            r = server.request(method, path)
            assert_detail(r, 404, "Not Found")


def test_wrong_method(server, unchanged):
    with unchanged(server):
        for method, path in [("DELETE", "/challenges/"), ("PUT", "/"), ("GET", "/auth/login"),
                             ("POST", "/users/"), ("GET", "/auth/logout"),
                             ("DELETE", "/users/profile"), ("PATCH", "/auth/signup"),
                             ("POST", "/challenges/1")]:
            r = server.request(method, path)
            assert_detail(r, 405, "Method Not Allowed")


def test_request_id_on_every_response(server):
    seen = set()
    for method, path in [("GET", "/"), ("GET", "/nope"), ("DELETE", "/"),
                         ("GET", "/challenges/abc"), ("GET", "/users/"), ("GET", "/challenges"),
                         ("GET", "/page/new-user"), ("GET", "/static/missing.txt")]:
        r = server.request(method, path)
        rid = r.headers.get("X-Request-ID")
        assert rid, f"{method} {path} -> {r.status_code} without X-Request-ID"
        seen.add(rid)
    assert len(seen) == 8, "request ids are not unique"


def test_static_files(server):
    static = server.data_dir / "_static"
    static.mkdir(exist_ok=True)
    (static / "sub").mkdir()
    files = {
        "hello.txt": (b"hello static\n", ("text/plain",)),
        "theme.css": (b"body { color: red; }\n", ("text/css",)),
        "sub/app.js": (b"console.log(1);\n", ("application/javascript", "text/javascript")),
        "page.html": (b"<!doctype html><p>x</p>\n", ("text/html",)),
        "data.json": (b'{"a": 1}', ("application/json",)),
        "img.png": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), ("image/png",)),
    }
    for name, (content, _) in files.items():
        (static / name).write_bytes(content)
    for name, (content, types) in files.items():
        r = server.get(f"/static/{name}")
        assert r.status_code == 200, (name, r.text)
        assert r.content == content, name
        assert r.headers["content-type"].split(";")[0].strip() in types, \
            (name, r.headers["content-type"])
    for missing in ("", "missing.txt", "sub", "sub/", "sub/none.js"):
        assert_detail(server.get(f"/static/{missing}"), 404, "Not Found")


def test_static_path_tricks(server):
    static = server.data_dir / "_static"
    static.mkdir(exist_ok=True)
    (static / "ok.txt").write_text("inside")
    (server.data_dir.parent / "secret.txt").write_text("TOP SECRET")
    (static / "link.db").symlink_to(server.db_path)
    (static / "linkdir").symlink_to(server.data_dir.parent)
    # the brief's three, exactly 404; the others may be 400 or 404
    strict = ["/static/../zerospeech.db", "/static/%2e%2e/zerospeech.db",
              "/static/..%2fzerospeech.db"]
    lenient = [
        "/static/%2e%2e%2fzerospeech.db", "/static/%2E%2E/zerospeech.db",
        "/static/ok.txt/../../zerospeech.db", "/static/./../zerospeech.db",
        "/static/..%5czerospeech.db", "/static/%2fetc%2fpasswd", "/static//etc/passwd",
        "/static/../../secret.txt", "/static/%2e%2e/%2e%2e/secret.txt", "/static/link.db",
        "/static/linkdir/secret.txt", "/static/..", "/static/%00", "/static/ok.txt%00.png",
    ]
    failures = []
    for target in strict + lenient:
        status, headers, body = server.raw(
            f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        allowed = (404,) if target in strict else (400, 404)
        if status not in allowed or b"SQLite format" in body or b"SECRET" in body \
                or b"root:" in body:
            failures.append(f"{target} -> {status} {body[:80]!r}")
        elif status == 404 and body.replace(b" ", b"") != b'{"detail":"NotFound"}':
            failures.append(f"{target} -> 404 with body {body[:80]!r}")
    assert not failures, "\n".join(failures)
    # still serving normal files afterwards
    assert server.get("/static/ok.txt").text == "inside"


def test_embedded_stylesheet(server):
    r = server.get("/static/style.css")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/css")
    assert len(r.content) > 100 and b"{" in r.content
    # STATIC_DIR wins when it has its own style.css
    static = server.data_dir / "_static"
    static.mkdir(exist_ok=True)
    (static / "style.css").write_text("/* organiser override */ body{}")
    assert server.get("/static/style.css").text == "/* organiser override */ body{}"


def send_oversized(server, method, path, size, extra_headers=""):
    """Announces `size` bytes of body; returns the status of the answer (None if the connection
    closed without one). Sends the body only if the server waits for it."""
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\n{extra_headers}Connection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(head)
        s.settimeout(3)
        data = b""
        try:
            data = s.recv(65536)
        except socket.timeout:
            try:
                s.sendall(b" " * size)
            except OSError:
                pass
            s.settimeout(10)
            try:
                data = s.recv(65536)
            except OSError:
                pass
        except OSError:
            pass
    if not data:
        return None, b""
    return int(data.split(b" ", 2)[1]), data


def test_oversized_bodies(server, make_user, unchanged):
    user = make_user()
    auth = f"Authorization: Bearer {user['token']}\r\n"
    with unchanged(server):
        for method, path, headers in [("PUT", "/auth/signup", ""), ("POST", "/auth/login", ""),
                                      ("POST", "/users/profile", auth),
                                      ("POST", "/auth/password/reset", "")]:
            status, data = send_oversized(server, method, path, 2 * 1024 * 1024, headers)
            assert status == 413, f"{method} {path}: {data[:200]!r}"
        # A real 2 MB JSON body sent right behind its header, without waiting for an answer, as a
        # normal client does. Only its first 256 KiB: the server answers 413 on the header, then
        # reads and drops at most 1 MiB before closing, and a client still sending past that
        # would get a reset instead of the answer.
        body = json.dumps(signup_payload(affiliation="x" * (2 * 1024 * 1024))).encode()
        head = (f"PUT /auth/signup HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        status, headers, answer = server.raw(head + body[:256 * 1024])
        assert status == 413, answer[:200]
        assert json.loads(answer) == {"detail": "Request body too large"}
        assert headers["connection"] == "close", headers
    assert server.get("/").status_code == 200


def test_oversized_headers(server):
    big = "a" * (64 * 1024)
    status, _, body = server.raw(f"GET / HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n"
                                 f"Connection: close\r\n\r\n".encode())
    assert status == 431, (status, body)
    assert json.loads(body) == {"detail": "Request Header Fields Too Large"}
    assert server.get("/").status_code == 200


def test_malformed_request_line(server):
    # Not HTTP, an unknown HTTP version, a TLS ClientHello on the plain port: 400, then close.
    for raw in (b"NONSENSE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"\x16\x03\x01\x00\xa5\x01\x00"):
        status, headers, body = server.raw(raw, timeout=3)
        assert status == 400, (raw, status, body)
        assert json.loads(body) == {"detail": "Bad Request"}, raw
        assert headers["connection"] == "close", (raw, headers)
    assert server.get("/").status_code == 200


def test_cors(server):
    origin = "https://zerospeech.com"
    r = server.get("/", headers={"Origin": origin})
    assert r.status_code == 200
    assert r.headers.get("Access-Control-Allow-Origin") == origin, r.headers
    assert r.headers.get("Access-Control-Allow-Credentials") == "true", r.headers

    r = server.request("OPTIONS", "/auth/login", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert r.status_code == 200, r.text
    assert r.headers.get("Access-Control-Allow-Origin") == origin
    assert r.headers.get("Access-Control-Allow-Credentials") == "true"
    assert "POST" in r.headers.get("Access-Control-Allow-Methods", ""), r.headers
    allowed_headers = r.headers.get("Access-Control-Allow-Headers", "").lower()
    assert "authorization" in allowed_headers or allowed_headers == "*", r.headers

    for allowed in ("http://localhost:1313", "https://api.zerospeech.com"):
        r = server.get("/challenges/", headers={"Origin": allowed})
        assert r.headers.get("Access-Control-Allow-Origin") == allowed, (allowed, r.headers)

    r = server.request("OPTIONS", "/auth/login", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert r.status_code == 400, r.text
    assert "Disallowed CORS origin" in r.text
    assert "Access-Control-Allow-Origin" not in r.headers
    r = server.get("/", headers={"Origin": "https://evil.example"})
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r.headers


def test_cors_origins_setting(servers):
    server = servers.start(extra_env={"ZR_ORIGINS": '["https://site.test"]'})
    r = server.get("/", headers={"Origin": "https://site.test"})
    assert r.headers.get("Access-Control-Allow-Origin") == "https://site.test"
    r = server.request("OPTIONS", "/", headers={"Origin": "https://zerospeech.com",
                                                "Access-Control-Request-Method": "GET"})
    assert r.status_code == 400


def test_docs_page(server):
    r = server.get("/docs")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "swagger" in r.text.lower()
    # Swagger UI's start script (a file: the page's policy runs no inline script) reads
    # /openapi.json; the page without Swagger UI links to it.
    start = server.get("/docs/init.js").text if 'src="/docs/init.js"' in r.text else ""
    assert "/openapi.json" in r.text + start


def test_openapi_lists_every_endpoint(server):
    r = server.get("/openapi.json")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    doc = r.json()
    assert str(doc.get("openapi", "")).startswith("3."), doc.get("openapi")
    assert doc["info"]["title"] and doc["info"]["version"]
    paths = doc["paths"]
    missing = {p: sorted(m - set(paths.get(p, {}))) for p, m in ENDPOINTS.items()
               if not m <= set(paths.get(p, {}))}
    assert not missing, f"endpoints missing from /openapi.json: {missing}"

    def deref(obj):
        while isinstance(obj, dict) and "$ref" in obj:
            node = doc
            ref = obj["$ref"]
            assert ref.startswith("#/"), ref
            for key in ref[2:].split("/"):
                node = node[key]
            obj = node
        return obj

    def params(path, method):
        op = paths[path][method]
        found = set()
        for p in op.get("parameters", []):
            p = deref(p)
            found.add((p["in"], p["name"]))
        return found
    assert ("path", "challenge_id") in params("/challenges/{challenge_id}", "get")
    assert ("query", "include_inactive") in params("/challenges/", "get")
    assert {("query", "v"), ("query", "username")} <= params("/page/email-verify", "get")
    assert ("query", "v") in params("/auth/password/update", "post")
    login_body = deref(paths["/auth/login"]["post"]["requestBody"])["content"]
    assert "application/x-www-form-urlencoded" in login_body, login_body
    login_schema = deref(login_body["application/x-www-form-urlencoded"]["schema"])
    assert {"username", "password"} <= set(login_schema.get("required", [])), login_schema
    signup_body = deref(paths["/auth/signup"]["put"]["requestBody"])["content"]
    signup_schema = deref(signup_body["application/json"]["schema"])
    assert {"username", "email", "pwd", "first_name", "last_name", "affiliation"} <= \
        set(signup_schema.get("required", [])), signup_schema


def test_openapi_describes_only_real_routes(server):
    """Every documented operation exists (answers something else than 404 Not Found / 405)."""
    paths = server.get("/openapi.json").json()["paths"]
    failures = []
    for path, ops in paths.items():
        if path.startswith(("/static/", "/docs/")):
            continue  # file routes: a made-up file name is rightly 404
        if path.startswith("/worker/"):
            continue  # off without ZR_WORKER_TOKEN: 404 Not Found by design (test_remote_worker.py)
        concrete = path
        while "{" in concrete:
            start, end = concrete.index("{"), concrete.index("}")
            concrete = concrete[:start] + "1" + concrete[end + 1:]
        for method in ops:
            if method not in ("get", "post", "put", "delete", "patch"):
                continue
            r = server.request(method.upper(), concrete)
            if r.status_code == 405 or (r.status_code == 404 and
                                        r.text.replace(" ", "") == '{"detail":"NotFound"}'):
                failures.append(f"{method.upper()} {path} -> {r.status_code}")
    assert not failures, failures


def test_head_is_answered_like_get(server):
    get = server.get("/challenges/")
    head = server.request("HEAD", "/challenges/")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


def test_keep_alive(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        for _ in range(3):
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
                chunk = s.recv(65536)
                assert chunk, "connection closed between keep-alive requests"
                data += chunk
            assert data.startswith(b"HTTP/1.1 200")


def wait_exit(server, timeout=15):
    try:
        return server.proc.wait(timeout)
    except Exception:
        return None


def test_sigint_stops_gracefully(servers):
    server = servers.start()
    server.stopped_by_test = True
    assert server.stop(sig=signal.SIGINT) == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1).close()


def test_sigterm_with_idle_connection(servers):
    server = servers.start()
    idle = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    idle.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    idle.recv(65536)
    started = time.monotonic()
    server.signal(signal.SIGTERM)
    code = wait_exit(server)
    idle.close()
    assert code == 0, f"exit code {code} after {time.monotonic() - started:.1f}s"


def test_sigterm_finishes_in_flight_request(servers):
    server = servers.start()
    payload = signup_payload()
    body = json.dumps(payload).encode()
    head = (f"PUT /auth/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(head + body[:20])
        time.sleep(0.3)
        server.signal(signal.SIGTERM)
        time.sleep(0.3)
        s.sendall(body[20:])
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
    code = wait_exit(server)
    assert data.startswith(b"HTTP/1.1 200"), f"in-flight request got {data[:100]!r}"
    assert code == 0
    assert server.user_row(payload["username"]) is not None
