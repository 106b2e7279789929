"""A loopback Mattermost webhook sink for tests: a threaded HTTP server on 127.0.0.1 (free port)
that records every POST (path and JSON body) and answers 200 (or the statuses queued with
`fail_next`).

    with MattermostSink() as sink:
        env = {"ZR_MATTERMOST_URL": sink.url + "/hooks", "ZR_MATTERMOST_API_KEY": "key"}
        ...
        post = sink.wait_for(lambda p: "completed" in p.json.get("text", ""), timeout=15)
        assert post.path == "/hooks/key"
"""
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Post:
    path: str
    headers: dict
    raw: bytes
    json: object = field(default=None)  # None when the body is not JSON


class MattermostSink:
    def __init__(self):
        self._posts = []
        self._statuses = []  # answers of the next POSTs (then 200)
        self._cond = threading.Condition()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw.decode("utf-8"))
                except ValueError:
                    body = None
                status = sink._record(Post(self.path, dict(self.headers), raw, body))
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _record(self, post):
        with self._cond:
            self._posts.append(post)
            status = self._statuses.pop(0) if self._statuses else 200
            self._cond.notify_all()
            return status

    def fail_next(self, *statuses):
        """The next POSTs are answered with these statuses (e.g. 500), later ones with 200."""
        with self._cond:
            self._statuses.extend(statuses)

    @property
    def posts(self):
        with self._cond:
            return list(self._posts)

    def wait_for(self, predicate=lambda post: True, timeout=15):
        """The first recorded Post for which predicate(post) is true; AssertionError after
        `timeout` seconds, listing what was received."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for post in self._posts:
                    if predicate(post):
                        return post
                left = deadline - time.monotonic()
                if left <= 0:
                    got = [(p.path, p.json if p.json is not None else p.raw) for p in self._posts]
                    raise AssertionError(f"no matching Mattermost post in {timeout} s; got {got}")
                self._cond.wait(left)

    def assert_none(self, predicate=lambda post: True, wait=1.0):
        """Fails if a matching post arrives within `wait` seconds."""
        time.sleep(wait)
        matching = [p for p in self.posts if predicate(p)]
        assert not matching, f"unexpected Mattermost posts: {[p.json for p in matching]}"

    def close(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
