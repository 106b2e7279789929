"""The requests the participants' client `zrc` (zerospeech/benchmarks 8a716e8) sends, replayed
exactly as api-v2.md Appendix A records them: its login form, its index keys, its part naming
`<stem>_<n>.zip`, its multipart field `file`, and its unauthenticated status check. The client
itself cannot be installed here (no Python registry), so the tests carry its requests; nothing of
its code is copied."""
import io
import random
import zipfile
from datetime import datetime

from zips import md5

# What zrc sends as client_id/client_secret: accepted and ignored by the server.
CLIENT_ID = "zrc-commandline-benchmark-tool"
CLIENT_SECRET = "zrc-public-client-secret"


def zrc_archive(files=None, duplicate=None):
    """A submission archive as zrc builds it with Python's zipfile: stored (no compression), entries
    meta.yaml, params.yaml, data files and scores/. `duplicate` names an entry written twice, as
    zrc's sLM21 submissions do with their lexical test file."""
    files = files or {
        "meta.yaml": b"benchmark_name: abxLS\nusername: probe\nmodel_info:\n  model_id: null\n",
        "params.yaml": b"quiet: true\n",
        "dev-clean/a.npy": b"\x93NUMPY" + bytes(range(256)) * 8,
        "dev-clean/b.npy": b"\x93NUMPY" + bytes(reversed(range(256))) * 8,
        "scores/leaderboard.json": b'{"model_id": null, "submission_id": "", "scores": {"abx": 1.5}}',
        "scores/details.csv": b"a,b\n1,2\n",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in files.items():
            z.writestr(name, data)
        if duplicate:
            z.writestr(duplicate, files[duplicate])
    return buf.getvalue(), files


def split_parts(data, stem, size):
    """filesplit's Split.bysize: `<stem>_1.zip`, `<stem>_2.zip`... of `size` bytes (the last less)."""
    return [(f"{stem}_{i + 1}.zip", data[start:start + size])
            for i, start in enumerate(range(0, len(data), size))]


class Zrc:
    """One participant driving zrc against `server`."""

    def __init__(self, server, username, password):
        self.server = server
        self.username = username
        self.password = password
        self.token = None

    @property
    def auth(self):
        return {"Authorization": f"Bearer {self.token}"}

    def login(self):
        r = self.server.post("/auth/login", data={
            "grant_type": "password", "username": self.username, "password": self.password,
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["token_type"] == "bearer"
        self.token = body["access_token"]
        return body

    def benchmark_info(self, label):
        return self.server.get(f"/benchmarks/{label}/info")

    def new_model(self, author_name="Be"):
        return self.server.post(
            f"/users/{self.username}/models/create", params={"author_name": author_name}, headers=self.auth,
            json={"description": "probe model", "gpu_budget": "10", "train_set": "LS960", "authors": "Pro Be",
                  "institution": "ENS", "team": "CoML", "author_label": "Be et al.", "paper_url": None,
                  "code_url": None, "created_at": datetime.now().isoformat()})

    def create_body(self, model_id, benchmark, filename, data, parts=None, leaderboard="scores/leaderboard.json"):
        return {"model_id": model_id, "benchmark_id": benchmark, "filename": filename, "hash": md5(data),
                "has_scores": True, "multipart": parts is not None, "author_label": "Be et al.",
                "index": None if parts is None else [
                    {"filename": name, "filesize": len(piece), "filehash": md5(piece)} for name, piece in parts],
                "leaderboard": leaderboard}

    def create_raw(self, body, username=None):
        return self.server.post(f"/users/{username or self.username}/submissions/create", json=body,
                                headers=self.auth)

    def create(self, model_id, benchmark, filename, data, parts=None):
        r = self.create_raw(self.create_body(model_id, benchmark, filename, data, parts))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "uploading" and body["benchmark"] == benchmark, body
        return body["submission_id"]

    def add(self, submission_id, part_name, data, field="file", headers=None, method="post"):
        return self.server.request(
            method, f"/submissions/{submission_id}/content/add", params={"part_name": part_name},
            files={field: (part_name, data, "application/octet-stream")},
            headers=self.auth if headers is None else headers)

    def status(self, submission_id):
        """zrc asks it without any header."""
        return self.server.get(f"/submissions/{submission_id}/content/status")

    def upload_in_set_order(self, submission_id, parts, seed=7):
        """zrc iterates its parts as a Python set: any order."""
        order = list(parts)
        random.Random(seed).shuffle(order)
        answers = []
        for name, piece in order:
            r = self.add(submission_id, name, piece)
            assert r.status_code == 200, r.text
            answers.append(r.json())
        return answers
