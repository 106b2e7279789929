"""HTTP side of the soak's uploaders (bench/soak.py): request statistics, a small-request client
and part uploads streamed from the archive file with sendfile (no copy through Python).

Every request the uploaders send is recorded by category (latency, status); a response that the
caller expected to be a 4xx (a part sent with a wrong md5 on purpose) is counted apart from the
unexpected ones. A request that got no HTTP answer is a client error, except a part the uploader
broke off on purpose ("aborted").
"""
import http.client
import json
import os
import threading
import time
import urllib.parse
import uuid
from collections import Counter

SMALL_TIMEOUT = 60    # seconds for a small request
UPLOAD_TIMEOUT = 300  # seconds of socket inactivity during a part upload
NETWORK_ERRORS = (OSError, http.client.HTTPException)


class Stats:
    """Thread-safe per-category record of requests: latencies (s), statuses, client errors."""

    def __init__(self):
        self._lock = threading.Lock()
        self.categories = {}

    def _entry(self, category):
        return self.categories.setdefault(category, {
            "latencies": [], "statuses": Counter(), "expected_4xx": 0, "client_errors": Counter(),
            "aborted": 0, "bytes": 0})

    def record(self, category, status, seconds, expected_4xx=False, sent_bytes=0):
        with self._lock:
            entry = self._entry(category)
            entry["latencies"].append(seconds)
            entry["statuses"][status] += 1
            entry["bytes"] += sent_bytes
            if expected_4xx and 400 <= status < 500:
                entry["expected_4xx"] += 1

    def record_error(self, category, error):
        with self._lock:
            self._entry(category)["client_errors"][type(error).__name__] += 1

    def record_abort(self, category):
        with self._lock:
            self._entry(category)["aborted"] += 1


class ClientError(Exception):
    """No HTTP answer (connection refused or reset, timeout)."""


class Http:
    """Requests of one user. GETs reuse one keep-alive connection (a stale one, closed by the
    server's idle timeout, is reopened and the GET sent once more); POST and PUT use a fresh
    connection each, so that nothing is ever sent twice. Not thread-safe: one per thread."""

    def __init__(self, host, port, stats, token=None):
        self.host, self.port, self.stats, self.token = host, port, stats, token
        self._conn = None
        self.reconnects = 0

    def _headers(self, extra=None):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def close(self):
        if self._conn:
            self._conn.close()
            self._conn = None

    def get(self, category, path):
        """(status, body bytes); raises ClientError."""
        for attempt in (1, 2):
            reused = self._conn is not None
            if not reused:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=SMALL_TIMEOUT)
            start = time.monotonic()
            try:
                self._conn.request("GET", path, headers=self._headers())
                response = self._conn.getresponse()
                body = response.read()
            except NETWORK_ERRORS as e:
                self.close()
                if reused and attempt == 1 and isinstance(e, (http.client.RemoteDisconnected, ConnectionResetError,
                                                              BrokenPipeError)):
                    self.reconnects += 1
                    continue
                self.stats.record_error(category, e)
                raise ClientError(f"GET {path}: {e!r}") from e
            self.stats.record(category, response.status, time.monotonic() - start)
            if response.will_close:
                self.close()
            return response.status, body
        raise AssertionError("unreachable")

    def send(self, category, method, path, body, content_type):
        """One POST/PUT of a small body on a fresh connection: (status, body bytes); raises ClientError."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=SMALL_TIMEOUT)
        start = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=self._headers({"Content-Type": content_type}))
            response = conn.getresponse()
            data = response.read()
        except NETWORK_ERRORS as e:
            self.stats.record_error(category, e)
            raise ClientError(f"{method} {path}: {e!r}") from e
        finally:
            conn.close()
        self.stats.record(category, response.status, time.monotonic() - start)
        return response.status, data

    def post_json(self, category, path, value):
        return self.send(category, "POST", path, json.dumps(value).encode(), "application/json")

    def put_part(self, category, path, name, file, offset, count, mode="ok"):
        """Streams bytes [offset, offset + count) of `file` as the multipart/form-data field
        `file_data`. mode "corrupt" flips the middle byte (the md5 no longer matches); "abort"
        sends half of it and closes the connection (returns None). Else (status, body bytes)."""
        boundary = "soak" + uuid.uuid4().hex
        prefix = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file_data\"; filename=\"{name}\"\r\n"
                  "Content-Type: application/octet-stream\r\n\r\n").encode()
        suffix = f"\r\n--{boundary}--\r\n".encode()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=UPLOAD_TIMEOUT)
        start = time.monotonic()
        send_error = None
        try:
            conn.putrequest("PUT", path, skip_accept_encoding=True)
            for key, value in self._headers({"Content-Type": f"multipart/form-data; boundary={boundary}",
                                             "Content-Length": str(len(prefix) + count + len(suffix))}).items():
                conn.putheader(key, value)
            conn.endheaders()
            sock = conn.sock
            try:
                sock.sendall(prefix)
                if mode == "abort":
                    sock.sendfile(file, offset, count // 2)
                    conn.close()
                    self.stats.record_abort(category)
                    return None
                if mode == "corrupt":
                    middle = count // 2
                    sock.sendfile(file, offset, middle)
                    byte = os.pread(file.fileno(), 1, offset + middle)
                    sock.sendall(bytes([byte[0] ^ 0xFF]))
                    sock.sendfile(file, offset + middle + 1, count - middle - 1)
                else:
                    sock.sendfile(file, offset, count)
                sock.sendall(suffix)
            except (BrokenPipeError, ConnectionResetError) as e:
                send_error = e  # the server may have answered early (and closed): read its answer
            response = conn.getresponse()
            data = response.read()
        except NETWORK_ERRORS as e:
            self.stats.record_error(category, send_error or e)
            raise ClientError(f"PUT {path}: {send_error or e!r}") from e
        finally:
            conn.close()
        self.stats.record(category, response.status, time.monotonic() - start, expected_4xx=(mode == "corrupt"),
                          sent_bytes=count if send_error is None else 0)
        return response.status, data


def login(host, port, stats, username, password):
    """A fresh access token for username (raises ClientError / RuntimeError)."""
    client = Http(host, port, stats)
    status, body = client.send("POST /auth/login", "POST", "/auth/login",
                               urllib.parse.urlencode({"username": username, "password": password}).encode(),
                               "application/x-www-form-urlencoded")
    if status != 200:
        raise RuntimeError(f"login of {username} answered {status}: {body[:200]!r}")
    return json.loads(body)["access_token"]
