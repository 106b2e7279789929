"""Start-up: the data folder it prepares, settings errors, the access log, mail failures and a
burst of concurrent requests."""
import re
import subprocess
import threading
import time

import requests

from conftest import ZrServer, assert_empty, free_port, signup_payload, zr_binary

TABLES = {"users_credentials", "logged_users", "password_reset_users", "challenges",
          "challenge_submissions", "evaluators", "leaderboards"}


def test_fresh_data_folder_is_prepared(server):
    assert server.db_path.exists()
    for sub in ("_static", "user_data", "submissions", "leaderboards", "archive"):
        assert (server.data_dir / sub).is_dir(), sub
    with server.db() as con:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert TABLES <= names, names
        assert con.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
        assert con.execute("PRAGMA user_version").fetchone()[0] >= 1
    con.close()


def run_serve(tmp_path, env_overrides, timeout=20):
    base = ZrServer(tmp_path, 1, tmp_path / "unused.log")
    env = dict(base.env)
    env.update(env_overrides)
    return subprocess.run([str(zr_binary()), "serve", "--host", "127.0.0.1", "--port",
                           str(free_port())], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=timeout)


def test_missing_data_folder_is_a_startup_error(tmp_path):
    result = run_serve(tmp_path, {"ZR_DATA_FOLDER": str(tmp_path / "does-not-exist")})
    assert result.returncode != 0
    assert "DATA_FOLDER" in result.stdout + result.stderr, result.stdout + result.stderr
    assert not (tmp_path / "does-not-exist").exists()


def test_invalid_setting_names_the_key(tmp_path):
    (tmp_path / "data").mkdir()
    result = run_serve(tmp_path, {"ZR_DATA_FOLDER": str(tmp_path / "data"),
                                  "ZR_MAIL_PORT": "not-a-port"})
    assert result.returncode != 0
    assert "MAIL_PORT" in result.stdout + result.stderr, result.stdout + result.stderr


def test_access_log_has_request_id_method_path_status(server):
    r = server.get("/challenges/nope")
    rid = r.headers["X-Request-ID"]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [line for line in server.log().splitlines() if rid in line]
        if lines:
            break
        time.sleep(0.05)
    assert lines, f"request id {rid} not in the log"
    line = lines[-1]
    assert "GET" in line and "/challenges/nope" in line and "422" in line, line
    assert "ms" in line, line
    # The whole line after spdlog's prefix, as the access log has always written it (it is built by
    # hand since issue 20): '<id> <address> "<METHOD> <path>" <status> <bytes> <ms, 2 decimals>ms'.
    assert re.search(rf'\] {re.escape(rid)} 127\.0\.0\.1 "GET /challenges/nope" 422 {len(r.content)} \d+\.\d\dms$',
                     line), line


def test_log_buffered_off_a_terminal_is_all_written_at_exit(server):
    # stdout is a file here: lines are buffered (at most a second), and none is lost at SIGTERM.
    rid = server.get("/").headers["X-Request-ID"]
    server.stopped_by_test = True
    assert server.stop() == 0
    log = server.log()
    assert rid in log, log[-2000:]
    assert "server stopped" in log, log[-2000:]


def test_mail_failure_does_not_fail_signup(servers):
    dead_port = free_port()  # nothing listens there
    server = servers.start(extra_env={"ZR_MAIL_PORT": str(dead_port)})
    payload = signup_payload()
    r = server.put("/auth/signup", json=payload)
    assert_empty(r)
    assert server.user_row(payload["username"]) is not None
    # still serving
    assert server.get("/").status_code == 200


def test_concurrent_signups_logins_and_reads(server, smtp):
    payloads = [signup_payload() for _ in range(6)]
    results, errors = {}, []

    def signup_and_login(p):
        try:
            with requests.Session() as s:
                r = s.put(server.url("/auth/signup"), json=p, timeout=60)
                results[p["username"]] = [r.status_code]
                r = s.post(server.url("/auth/login"),
                           data={"username": p["username"], "password": p["pwd"]}, timeout=60)
                results[p["username"]].append(r.status_code)
        except Exception as e:  # reported below
            errors.append(repr(e))

    def reader(codes):
        with requests.Session() as s:
            for _ in range(30):
                codes.append(s.get(server.url("/challenges/"), timeout=30).status_code)

    read_codes = []
    threads = [threading.Thread(target=signup_and_login, args=(p,)) for p in payloads]
    threads.append(threading.Thread(target=reader, args=(read_codes,)))
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert all(v == [200, 200] for v in results.values()), results
    assert len(results) == len(payloads)
    assert read_codes == [200] * 30
    for p in payloads:
        smtp.wait_for(p["email"])
    rows = server.query("SELECT username FROM users_credentials")
    assert {r["username"] for r in rows} == {p["username"] for p in payloads}
