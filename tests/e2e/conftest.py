"""Black-box harness for `zr serve` (issue 2): a real SMTP sink, a real server per test on a free
port with a temporary data folder, and helpers to reach the database and the mails.

Run with `/usr/bin/python3 -m pytest tests/e2e`. The binary comes from ZR_BIN (default
/work/main/build/zr, else <repo>/build/zr).
"""
import html
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
import email
import email.policy
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests

from rabbitmq import rabbitmq, rabbitmq_broker  # noqa: F401  (fixtures: a private RabbitMQ broker)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SHARED = Path(os.environ.get("ZR_SHARED_DIR", REPO.parent / "shared"))
LEGACY_DATA = SHARED / "fixtures" / "legacy-v0" / "data"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
URL_RE = re.compile(r"https?://[^\s\"'<>]+")


def zr_binary():
    configured = os.environ.get("ZR_BIN")
    if configured:
        return Path(configured)
    for candidate in (Path("/work/main/build/zr"), REPO / "build" / "zr"):
        if candidate.exists():
            return candidate
    return REPO / "build" / "zr"


def free_port():
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stored_datetime(delta):
    """A datetime as the database stores it, `delta` from now (local time)."""
    return (datetime.now() + delta).strftime(DATETIME_FORMAT)


def unique(prefix="u"):
    return f"{prefix}{uuid.uuid4().hex[:10]}"


# --------------------------------------------------------------------------------------------
# SMTP sink
# --------------------------------------------------------------------------------------------
class Mail:
    def __init__(self, path, message):
        self.path = path
        self.message = message
        self.to = str(message.get("To", ""))
        self.subject = str(message.get("Subject", ""))
        self.text = self._text(message)
        self.urls = [u.rstrip(".,;)") for u in URL_RE.findall(self.text)]

    @staticmethod
    def _text(message):
        plain, markup = [], []
        for part in message.walk():
            if part.is_multipart():
                continue
            ctype = part.get_content_type()
            try:
                content = part.get_content()
            except Exception:  # undecodable part: keep the raw payload
                content = part.get_payload()
            if not isinstance(content, str):
                continue
            if ctype == "text/plain":
                plain.append(content)
            elif ctype == "text/html":
                markup.append(html.unescape(content))
        return "\n".join(plain + markup)

    @property
    def first_url(self):
        assert self.urls, f"no http URL in mail {self.path}:\n{self.text}"
        return self.urls[0]


class SmtpSink:
    def __init__(self, directory):
        self.dir = Path(directory)
        self.port = None
        self.proc = None
        self._seen = set()

    def start(self):
        script = HERE / "smtp_sink.py"
        if not script.exists():
            pytest.fail(f"SMTP sink {script} is missing")
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", str(script), "--host", "127.0.0.1", "--port", "0",
             "--dir", str(self.dir)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 15
        lines = []
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("READY"):
                self.port = int(line.split()[1])
                return self
        self.proc.kill()
        pytest.fail("SMTP sink did not start: " + "".join(lines))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def envelope(self, mail):
        """The sink's JSON description of a mail (envelope, parsed parts, MIME defects)."""
        import json
        return json.loads(mail.path.with_suffix(".json").read_text())

    def _read(self, path):
        data = path.read_bytes()
        message = email.message_from_bytes(data, policy=email.policy.default)
        if not message.get("To"):
            return None  # being written
        return Mail(path, message)

    def _files(self):
        def number(p):
            return int(p.stem) if p.stem.isdigit() else 0
        return sorted(self.dir.glob("*.eml"), key=number)

    def mails_to(self, address, consume=True):
        """Every not yet consumed mail addressed to `address`."""
        found = []
        for path in self._files():
            if path in self._seen:
                continue
            mail = self._read(path)
            if mail and address.lower() in mail.to.lower():
                found.append(mail)
                if consume:
                    self._seen.add(path)
        return found

    def wait_for(self, address, timeout=15):
        """The next mail to `address` (waits for it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mails = self.mails_to(address, consume=False)
            if mails:
                self._seen.add(mails[0].path)
                return mails[0]
            time.sleep(0.05)
        pytest.fail(f"no mail to {address} within {timeout}s")

    def assert_none_to(self, address, wait=1.5):
        time.sleep(wait)
        mails = self.mails_to(address, consume=False)
        assert not mails, f"unexpected mail to {address}: {[m.subject for m in mails]}"


@pytest.fixture(scope="session")
def smtp(tmp_path_factory):
    sink = SmtpSink(tmp_path_factory.mktemp("mails")).start()
    yield sink
    sink.stop()


# --------------------------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------------------------
class ZrServer:
    def __init__(self, data_dir, smtp_port, log_path, extra_env=None):
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_path)
        self.proc = None
        self.stopped_by_test = False  # a test sent its own signal
        self.http = requests.Session()
        self.env = {k: v for k, v in os.environ.items() if not k.upper().startswith("ZR_")}
        self.env.update({
            "ZR_DATA_FOLDER": str(self.data_dir),
            "ZR_MAIL_SERVER": "127.0.0.1",
            "ZR_MAIL_PORT": str(smtp_port),
            "ZR_API_BASE_URL": self.base_url,
            "ZR_RESET_RATE_LIMIT": "1000",
            # Uploads are refused (507) when they would not fit while keeping this much free (1G by
            # default): the suite must not depend on the test machine's free space.
            "ZR_HEALTH_MIN_FREE_DISK": "16M",
        })
        self.env.update(extra_env or {})
        self.env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")

    # -- process ------------------------------------------------------------------------------
    def start(self, timeout=30):
        binary = zr_binary()
        if not binary.exists():
            pytest.fail(f"zr binary not found at {binary} (set ZR_BIN)")
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(binary), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env, cwd=self.data_dir.parent, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"zr serve exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if requests.get(self.base_url + "/", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.proc.kill()
        pytest.fail(f"zr serve did not answer GET / within {timeout}s:\n{self.log()}")

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Stops the server; returns its exit code (None if it had to be killed)."""
        self.http.close()
        if self.proc is None:
            return 0
        if self._log.closed:
            return self.proc.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._log.close()
                return None
        self._log.close()
        return self.proc.returncode

    def signal(self, sig=signal.SIGTERM):
        """Sends a signal from a test (the teardown then only checks the exit code)."""
        self.stopped_by_test = True
        self.proc.send_signal(sig)

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def sanitizer_reports(self):
        text = self.log()
        return [line for line in text.splitlines()
                if "runtime error:" in line or "ERROR: AddressSanitizer" in line
                or "ERROR: LeakSanitizer" in line]

    # -- HTTP ---------------------------------------------------------------------------------
    def url(self, path):
        return self.base_url + path

    def request(self, method, path, **kw):
        kw.setdefault("timeout", 30)
        kw.setdefault("allow_redirects", False)
        return self.http.request(method, self.url(path), **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def raw(self, request_bytes, timeout=10):
        """Sends raw bytes on a fresh connection; returns (status, headers dict, body bytes)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(request_bytes)
            data = b""
            while True:
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    break
                data += chunk
                if b"\r\n\r\n" in data:
                    head, _, body = data.partition(b"\r\n\r\n")
                    m = re.search(rb"(?i)content-length:\s*(\d+)", head)
                    if m and len(body) >= int(m.group(1)):
                        break
        if not data:
            return None, {}, b""
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers, body

    # -- data ---------------------------------------------------------------------------------
    @property
    def db_path(self):
        return self.data_dir / "zerospeech.db"

    @property
    def user_data(self):
        return Path(self.env.get("ZR_USER_DATA_DIR", self.data_dir / "user_data"))

    def db(self):
        con = sqlite3.connect(str(self.db_path), timeout=10)
        con.row_factory = sqlite3.Row
        return con

    def query(self, sql, params=()):
        with closing(self.db()) as con:
            return [dict(r) for r in con.execute(sql, params).fetchall()]

    def execute(self, sql, params=()):
        with closing(self.db()) as con:
            with con:
                con.execute(sql, params)

    def user_row(self, username):
        rows = self.query("SELECT * FROM users_credentials WHERE username = ?", (username,))
        return rows[0] if rows else None

    def snapshot(self):
        """Every table's rows and every file under the data folder (except the database). Not the
        login throttle's counts: a failed login is bad input that changes them by design
        (test_login_throttle.py checks them)."""
        tables = {}
        with closing(self.db()) as con:
            names = [r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name != 'login_throttle' ORDER BY name")]
            for name in names:
                rows = con.execute(f'SELECT * FROM "{name}"').fetchall()
                tables[name] = sorted(repr(tuple(r)) for r in rows)
        files = {}
        for path in sorted(self.data_dir.rglob("*")):
            if path.name.startswith(self.db_path.name):
                continue
            rel = str(path.relative_to(self.data_dir))
            files[rel] = path.read_bytes() if path.is_file() else "<dir>"
        return {"tables": tables, "files": files}

    def run_cli(self, *args, input=None, timeout=60):
        return subprocess.run([str(zr_binary()), *args], env=self.env, cwd=self.data_dir.parent,
                              input=input, capture_output=True, text=True, timeout=timeout)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


class ServerFactory:
    """Starts servers for one test and stops them all (asserting exit 0) at teardown."""

    def __init__(self, tmp_path, smtp):
        self.tmp_path = tmp_path
        self.smtp = smtp
        self.servers = []

    def start(self, data_dir=None, extra_env=None):
        n = len(self.servers)
        if data_dir is None:
            data_dir = self.tmp_path / f"data{n}"
            data_dir.mkdir()
        server = ZrServer(data_dir, self.smtp.port, self.tmp_path / f"server{n}.log", extra_env)
        self.servers.append(server)
        return server.start()

    def finish(self, failed):
        problems = []
        for server in self.servers:
            if server.proc is None:
                continue
            early = server.proc.poll()
            code = server.stop()
            reports = server.sanitizer_reports()
            if failed or code != 0 or reports:
                sys.stdout.write(f"\n----- log of zr serve on {server.base_url} -----\n")
                sys.stdout.write(server.log()[-20000:])
            if early is not None and not server.stopped_by_test:
                problems.append(f"zr serve on port {server.port} was gone before teardown "
                                f"(exit status {early}; negative = killed by that signal)")
            elif code != 0:
                problems.append(f"zr serve on port {server.port} exited with {code} after "
                                "SIGTERM (None = still running after 15 s)")
            if reports:
                problems.append("sanitizer reports: " + "; ".join(reports[:5]))
        return problems


@pytest.fixture
def servers(tmp_path, smtp, request):
    factory = ServerFactory(tmp_path, smtp)
    yield factory
    rep = getattr(request.node, "rep_call", None)
    problems = factory.finish(failed=bool(rep and rep.failed))
    if problems:
        pytest.fail("\n".join(problems))


@pytest.fixture
def server(servers):
    return servers.start()


def copy_legacy(tmp_path):
    target = tmp_path / "legacy-data"
    shutil.copytree(LEGACY_DATA, target)
    return target


@pytest.fixture
def legacy_server(servers, tmp_path):
    if not LEGACY_DATA.exists():
        pytest.fail(f"legacy fixture missing: {LEGACY_DATA}")
    data = copy_legacy(tmp_path)
    return servers.start(data_dir=data, extra_env={
        "ZR_SUBMISSION_DIR": str(data / "user_data" / "submissions")})


# --------------------------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------------------------
def strong_password(prefix="s3cret"):
    """A fresh password the password policy accepts (libpwquality + cracklib, issue 22): random hex
    in groups of two, so that no run of neighbouring characters ("1234", "cdef") can make it "too
    simplistic/systematic" (plain random hex was refused about once in 2500). `prefix`: at least 5
    characters, no two neighbours in it ("st", "ab"), no dictionary word on its own."""
    digits = uuid.uuid4().hex[:8]
    return prefix + "-" + "-".join(digits[i:i + 2] for i in range(0, 8, 2))


def signup_payload(**overrides):
    name = unique("user")
    payload = {
        "username": name,
        "email": f"{name}@example.com",
        "pwd": strong_password(),
        "first_name": "Ada",
        "last_name": "Lovelace",
        "affiliation": "Analytical Engines Ltd",
    }
    payload.update(overrides)
    return payload


class User(dict):
    @property
    def auth(self):
        return {"Authorization": f"Bearer {self['token']}"}


def login(server, username, password):
    r = server.post("/auth/login", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    return body["access_token"]


def signup(server, smtp, **overrides):
    """Signs a user up (JSON) and returns (payload, verification mail)."""
    payload = signup_payload(**overrides)
    r = server.put("/auth/signup", json=payload)
    assert_empty(r)
    return payload, smtp.wait_for(payload["email"])


def verify_from_mail(server, mail):
    link = mail.first_url
    assert link.startswith(server.base_url + "/page/email-verify?"), link
    r = server.http.get(link, timeout=30)
    assert r.status_code == 200, r.text
    assert "verified successfully" in r.text
    return r


@pytest.fixture
def make_user(smtp, request):
    """Factory: a fresh verified, logged-in user (on `target`, default the `server` fixture)."""
    def make(target=None, **overrides):
        srv = target or request.getfixturevalue("server")
        payload, mail = signup(srv, smtp, **overrides)
        verify_from_mail(srv, mail)
        token = login(srv, payload["username"], payload["pwd"])
        return User(payload, password=payload["pwd"], token=token,
                    id=srv.user_row(payload["username"])["id"])
    return make


# --------------------------------------------------------------------------------------------
# Assertions
# --------------------------------------------------------------------------------------------
def assert_detail(r, status, detail):
    assert r.status_code == status, f"{r.status_code} {r.text}"
    assert r.headers.get("content-type", "").startswith("application/json"), r.headers
    assert r.json() == {"detail": detail}


def assert_empty(r, status=200):
    """The first implementation's `Response(status_code=200)`: no body and no Content-Type."""
    assert r.status_code == status, f"{r.status_code} {r.text}"
    assert r.content == b"", r.content
    assert "content-type" not in r.headers, r.headers


def assert_validation(r, expected):
    """422 with one item per (loc, type) in `expected` (type None = any)."""
    assert r.status_code == 422, f"{r.status_code} {r.text}"
    body = r.json()
    assert set(body) == {"detail"}, body
    items = body["detail"]
    assert isinstance(items, list) and items, body
    for item in items:
        assert {"loc", "msg", "type"} <= set(item), item
        assert isinstance(item["msg"], str) and item["msg"], item
    got = [(list(i["loc"]), i["type"]) for i in items]
    for loc, kind in expected:
        matches = [g for g in got if g[0] == list(loc) and (kind is None or g[1] == kind)]
        assert matches, f"no 422 item for loc={loc} type={kind}: {items}"
    return items


def assert_no_leak(text):
    """No stack trace or server path in a response body."""
    for marker in ("Traceback", "/work/", "/tmp/", "/home/", ".cpp", "std::", "what():"):
        assert marker not in text, f"response leaks {marker!r}: {text[:500]}"


class Unchanged:
    """with Unchanged(server): ... -- asserts the database and data folder are untouched."""

    def __init__(self, server):
        self.server = server

    def __enter__(self):
        self.before = self.server.snapshot()
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            time.sleep(0.05)
            after = self.server.snapshot()
            assert after["tables"] == self.before["tables"], "database changed"
            assert after["files"].keys() == self.before["files"].keys(), "data folder changed"
            assert after["files"] == self.before["files"], "a file changed"
        return False


@pytest.fixture
def unchanged():
    return Unchanged
