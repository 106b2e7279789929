"""Accounts that resist attack (issue 22, parts 1 and 2): login throttling per account and per
client address, and the bounded password-hashing queue, on the real binary.

Throttled logins answer 429 with Retry-After and are refused before any hash (zr_password_hashes_total
does not move); the right password works again once the block is over, and from another address
when the block is the address's. A flood of logins gets 503s at once while reads keep answering."""
import socket
import threading
import time

import pytest

from conftest import ZrServer, unique
from test_ops import scrape, value

FAST_BLOCKS = {"ZR_LOGIN_BLOCK": "1s", "ZR_LOGIN_BLOCK_MAX": "2s"}


def attempt(server, username, password, address=None):
    headers = {"X-Forwarded-For": address} if address else {}
    return server.post("/auth/login", data={"username": username, "password": password}, headers=headers)


def assert_throttled(r):
    assert r.status_code == 429, f"{r.status_code} {r.text}"
    assert r.headers["content-type"] == "application/json"
    detail = r.json()["detail"]
    assert detail.startswith("Too many failed login attempts, please try again in "), detail
    retry = int(r.headers["retry-after"])
    assert retry >= 1
    assert f"in {retry} seconds" in detail
    return retry


def hashes(server):
    return value(scrape(server), "zr_password_hashes", "zr_password_hashes_total")


def wait_past(seconds):
    time.sleep(seconds + 0.2)


def throttle_rows(server):
    return {row["key"]: row for row in server.query("SELECT * FROM login_throttle")}


def test_wrong_logins_turn_into_429_without_hashing(servers, make_user):
    server = servers.start(extra_env=FAST_BLOCKS)
    user = make_user(server)
    for _ in range(5):  # the default: 5 failures per account in 15 minutes
        r = attempt(server, user["username"], "wrong-password")
        assert r.status_code == 401, r.text
    before = scrape(server)
    # Even the right password is refused now: nothing is hashed, so nothing is known.
    retry = assert_throttled(attempt(server, user["username"], user["password"]))
    assert retry <= 1
    after = scrape(server)
    assert value(after, "zr_password_hashes", "zr_password_hashes_total") == \
        value(before, "zr_password_hashes", "zr_password_hashes_total")
    assert value(after, "zr_login_throttled", "zr_login_throttled_total", scope="account") == \
        value(before, "zr_login_throttled", "zr_login_throttled_total", scope="account") + 1
    assert value(after, "zr_login_failures", "zr_login_failures_total") == 5
    assert value(after, "zr_login_blocks", "zr_login_blocks_total", scope="account") == 1
    assert value(after, "zr_login_throttle_blocked") == 1
    assert f"account:{user['id']}" in throttle_rows(server)
    assert "login throttled: account:" in server.log()
    # Once the block is over the right password works, and the account's failures are forgotten.
    wait_past(retry)
    r = attempt(server, user["username"], user["password"])
    assert r.status_code == 200, r.text
    assert f"account:{user['id']}" not in throttle_rows(server)


def test_blocks_grow_up_to_the_maximum(servers, make_user):
    server = servers.start(extra_env={**FAST_BLOCKS, "ZR_LOGIN_ACCOUNT_LIMIT": "2"})
    user = make_user(server)
    waits = []
    for _ in range(3):
        for _ in range(2):
            assert attempt(server, user["username"], "wrong-password").status_code == 401
        r = attempt(server, user["username"], "wrong-password")
        waits.append(assert_throttled(r))
        wait_past(waits[-1])
    # 1 s, then doubled to 2 s, then capped at ZR_LOGIN_BLOCK_MAX (2 s).
    assert waits == [1, 2, 2], waits
    assert throttle_rows(server)[f"account:{user['id']}"]["blocks"] == 3


def test_username_and_email_count_together_and_unknown_logins_look_the_same(servers, make_user):
    server = servers.start(extra_env=FAST_BLOCKS)
    user = make_user(server)
    for login in [user["username"]] * 3 + [user["email"].upper()] * 2:
        assert attempt(server, login, "wrong-password").status_code == 401
    assert_throttled(attempt(server, user["email"], user["password"]))
    # An account that does not exist gets the same answers: throttling tells nothing about accounts.
    ghost = unique("ghost")
    answers = [attempt(server, ghost, "wrong-password").status_code for _ in range(6)]
    assert answers == [401] * 5 + [429], answers
    assert f"login:{ghost}" in throttle_rows(server)
    assert ghost not in server.log()  # an unknown login may be a password typed in the wrong field


def test_address_limit_behind_a_trusted_proxy(servers, make_user):
    # The default trusted proxies are loopback's: the test client is "nginx" and names clients.
    server = servers.start(extra_env={**FAST_BLOCKS, "ZR_LOGIN_ADDRESS_LIMIT": "4", "ZR_LOGIN_BLOCK": "30s",
                                      "ZR_LOGIN_BLOCK_MAX": "1m"})
    user = make_user(server)
    for i in range(4):  # four different logins from one address
        assert attempt(server, unique("guess"), "wrong-password", address="198.51.100.7").status_code == 401
    assert_throttled(attempt(server, user["username"], user["password"], address="198.51.100.7"))
    # A proxy chain: the client's own claim on the left is not believed.
    assert_throttled(attempt(server, user["username"], user["password"], address="203.0.113.1, 198.51.100.7"))
    # The account itself is not blocked: from another address the right password works.
    assert attempt(server, user["username"], user["password"], address="198.51.100.8").status_code == 200
    families = scrape(server)
    assert value(families, "zr_login_throttled", "zr_login_throttled_total", scope="address") == 2
    assert "address:198.51.100.7" in throttle_rows(server)
    assert "198.51.100.7" in server.log()  # the access log shows the forwarded client


def test_forwarded_for_is_ignored_from_an_untrusted_peer(servers, make_user):
    server = servers.start(extra_env={"ZR_TRUSTED_PROXIES": "", "ZR_LOGIN_ADDRESS_LIMIT": "3",
                                      "ZR_LOGIN_BLOCK": "30s"})
    user = make_user(server)
    for i in range(3):  # each claims another address; all come from 127.0.0.1
        assert attempt(server, unique("guess"), "x", address=f"198.51.100.{i + 1}").status_code == 401
    assert_throttled(attempt(server, user["username"], user["password"], address="198.51.100.99"))
    assert "address:127.0.0.1" in throttle_rows(server)


def test_every_process_on_the_host_sees_the_same_blocks(servers, make_user, tmp_path):
    first = servers.start(extra_env=FAST_BLOCKS)
    user = make_user(first)
    second = servers.start(data_dir=first.data_dir, extra_env=FAST_BLOCKS)
    for target in [first, second, first, second, first]:
        assert attempt(target, user["username"], "wrong-password").status_code == 401
    assert_throttled(attempt(second, user["username"], user["password"]))
    assert_throttled(attempt(first, user["username"], user["password"]))


def test_bad_settings_are_refused(smtp, tmp_path):
    data = tmp_path / "bad-settings"
    data.mkdir()
    for env in [{"ZR_TRUSTED_PROXIES": "localhost"}, {"ZR_TRUSTED_PROXIES": "10.0.0.0/40"},
                {"ZR_LOGIN_ACCOUNT_LIMIT": "-1"}, {"ZR_HASH_QUEUE": "0"}]:
        out = ZrServer(data, smtp.port, tmp_path / "bad.log", env).run_cli("check:settings")
        assert out.returncode != 0, (env, out.stdout, out.stderr)
        assert list(env)[0] in out.stderr, out.stderr


# ------------------------------------------------------------------------------------------------
# Bounded hashing
# ------------------------------------------------------------------------------------------------
def flood(server, count, body):
    """Opens `count` connections, then writes one login on each as fast as it can; returns the
    status line and headers of every answer."""
    request = (f"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
               f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}").encode()
    sockets = [socket.create_connection(("127.0.0.1", server.port), timeout=60) for _ in range(count)]
    for s in sockets:
        s.sendall(request)
    answers = []
    for s in sockets:
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        answers.append(data.decode(errors="replace"))
    return answers


def test_a_login_flood_gets_503_at_once_while_reads_answer(servers):
    # Throttling off: every login of the flood reaches the hashing queue (one thread, one waiting).
    server = servers.start(extra_env={"ZR_HASH_THREADS": "1", "ZR_HASH_QUEUE": "1", "ZR_LOGIN_ACCOUNT_LIMIT": "0",
                                      "ZR_LOGIN_ADDRESS_LIMIT": "0"})
    reads = []
    stop = threading.Event()

    def read_loop():
        while not stop.is_set():
            reads.append(server.get("/challenges/").status_code)

    reader = threading.Thread(target=read_loop)
    reader.start()
    try:
        refused = []
        for _ in range(3):  # the machine may be slow to send; one round is nearly always enough
            answers = flood(server, 40, "username=nobody&password=wrong-password")
            refused = [a for a in answers if a.startswith("HTTP/1.1 503")]
            others = [a for a in answers if not a.startswith("HTTP/1.1 503")]
            assert all(a.startswith("HTTP/1.1 401") for a in others), others[:3]
            if refused:
                break
        assert refused, "no login of the flood was refused"
        head, _, body = refused[0].partition("\r\n\r\n")
        assert "\r\nretry-after: 1\r\n" in head.lower() + "\r\n", head
        assert '"The server is busy, please try again in a moment"' in body
    finally:
        stop.set()
        reader.join()
    assert reads and set(reads) == {200}, set(reads)
    families = scrape(server)
    assert value(families, "zr_hash_queue_refused", "zr_hash_queue_refused_total") >= len(refused)
    assert value(families, "zr_hash_queue_depth") == 0
    # Sign-ups share the queue and its bound: after the flood they work again.
    r = server.put("/auth/signup", json={"username": unique("after"), "email": unique("a") + "@example.com",
                                         "pwd": "a-long-enough-passphrase", "first_name": "A", "last_name": "B",
                                         "affiliation": "C"})
    assert r.status_code == 200, r.text
