"""Hand-made zip archives for the submission tests (good ones and hostile ones), and a small client
for the submission routes (create, upload, poll), so the test files read like the scenarios."""
import hashlib
import io
import json
import re
import socket
import stat
import struct
import time
import zipfile
from pathlib import Path

import pytest

TIMESTAMP_RE = r"^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\]"


def md5(data):
    return hashlib.md5(data).hexdigest()


# --------------------------------------------------------------------------------------------
# Archives
# --------------------------------------------------------------------------------------------
def good_zip(files=None):
    """A valid archive of {name: bytes} (default: a small submission with a sub-folder)."""
    files = files or {
        "meta.yaml": b"author: test\naffiliation: here\n",
        "lexical/dev.txt": b"".join(b"line %d\n" % i for i in range(2000)),
        "phonetic/test/a.txt": b"x" * 5000,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue(), files


def big_good_zip(size=3 * 1024 * 1024):
    """An archive of incompressible-ish data about `size` bytes (for multipart tests)."""
    blob = b"".join(hashlib.sha256(b"%d" % i).digest() for i in range(size // 32))
    return good_zip({"meta.yaml": b"author: big\n", "data/blob.bin": blob})


def _raw_entries(entries):
    """Writes ZipInfo entries as given: zipfile keeps the names untouched (no sanitising)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in entries:
            z.writestr(info, data)
    return buf.getvalue()


def _info(name, mode=None):
    info = zipfile.ZipInfo(name, date_time=(2021, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    if mode is not None:
        info.create_system = 3  # unix: external_attr holds st_mode in the high 16 bits
        info.external_attr = mode << 16
    return info


def zip_slip():
    """An entry '../x' (and a deeper '../../y') next to a harmless file."""
    return _raw_entries([(_info("meta.yaml"), b"ok\n"), (_info("../zr_slip_x"), b"escaped\n"),
                         (_info("a/../../zr_slip_y"), b"escaped\n")])


def absolute_path(target):
    """An entry whose name is the absolute path `target`."""
    return _raw_entries([(_info("meta.yaml"), b"ok\n"), (_info(str(target)), b"escaped\n")])


def symlink_entry(target):
    """A symlink entry 'link' -> `target` (through external_attr), then a file written through it."""
    link = _info("link", stat.S_IFLNK | 0o777)
    return _raw_entries([(_info("meta.yaml"), b"ok\n"), (link, str(target).encode()),
                         (_info("link/escaped.txt"), b"escaped\n")])


def zip_bomb(uncompressed=64 * 1024 * 1024):
    """A small archive that expands to `uncompressed` bytes of zeros (declared honestly)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open(_info("zeros.bin"), "w", force_zip64=True) as f:
            chunk = bytes(1024 * 1024)
            for _ in range(uncompressed // len(chunk)):
                f.write(chunk)
    return buf.getvalue()


def lying_zip_bomb(uncompressed=64 * 1024 * 1024, declared=1000):
    """Like zip_bomb, but the headers declare only `declared` bytes: the unzip must count what it
    actually inflates, not trust the directory."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(_info("zeros.bin"), bytes(uncompressed))
    data = bytearray(buf.getvalue())
    # Local header: signature PK\3\4, uncompressed size at offset 22.
    assert data[:4] == b"PK\x03\x04"
    struct.pack_into("<I", data, 22, declared)
    # Central directory entry: signature PK\1\2, uncompressed size at offset 24.
    central = data.rfind(b"PK\x01\x02")
    assert central > 0
    struct.pack_into("<I", data, central + 24, declared)
    return bytes(data)


def split(data, parts, base="archive.zip"):
    """[(part_name, bytes)] in order: `parts` slices of `data`."""
    size = -(-len(data) // parts)
    return [(f"{base}.part{i}", data[i * size:(i + 1) * size]) for i in range(parts)]


def manifest(pieces):
    return [{"file_name": n, "file_size": len(d), "file_hash": md5(d)} for n, d in pieces]


# --------------------------------------------------------------------------------------------
# Client
# --------------------------------------------------------------------------------------------
def open_challenge(server, label="open-sub", start="2020-01-01", end=None, active=1):
    """Inserts a challenge row (open by default); returns its id."""
    with server.db() as con:
        cur = con.execute(
            "INSERT INTO challenges (label, start_date, end_date, active, url, evaluator) "
            "VALUES (?, ?, ?, ?, ?, NULL)", (label, start, end, active, f"https://x.org/{label}"))
        challenge_id = cur.lastrowid
    con.close()
    return challenge_id


class Submitter:
    """One user's calls to the submission routes of one server."""

    def __init__(self, server, user):
        self.server = server
        self.user = user

    @property
    def auth(self):
        return {"Authorization": f"Bearer {self.user['token']}"}

    def create_raw(self, challenge_id, body):
        return self.server.post(f"/challenges/{challenge_id}/submission/create", json=body,
                                headers=self.auth)

    def create(self, challenge_id, data, pieces=None, filename="archive.zip"):
        """Creates a submission of archive `data` (multipart when `pieces` is given); its id."""
        body = {"filename": filename, "hash": md5(data), "multipart": pieces is not None}
        if pieces is not None:
            body["index"] = manifest(pieces)
        r = self.create_raw(challenge_id, body)
        assert r.status_code == 200, r.text
        submission_id = r.json()
        assert isinstance(submission_id, str) and submission_id, r.text
        return submission_id

    def upload(self, challenge_id, submission_id, part_name, data, **kw):
        return self.server.put(
            f"/challenges/{challenge_id}/submission/upload",
            params={"submission_id": submission_id, "part_name": part_name},
            files={"file_data": (part_name, data, "application/octet-stream")},
            headers=self.auth, **kw)

    def upload_state(self, challenge_id, submission_id):
        return self.server.get(f"/challenges/{challenge_id}/submission/upload",
                               params={"submission_id": submission_id}, headers=self.auth)

    def get(self, path):
        return self.server.get(path, headers=self.auth)

    def status(self, submission_id):
        r = self.get(f"/users/submissions/{submission_id}/status")
        assert r.status_code == 200, r.text
        return r.json()

    def wait_status(self, submission_id, wanted=("uploaded",), timeout=30):
        """Polls /status until it is in `wanted` or leaves 'uploading'; returns the status."""
        deadline = time.monotonic() + timeout
        status = None
        while time.monotonic() < deadline:
            status = self.status(submission_id)
            if status in wanted or status != "uploading":
                return status
            time.sleep(0.05)
        pytest.fail(f"submission {submission_id} still {status!r} after {timeout}s")

    def log(self, submission_id):
        r = self.get(f"/users/submissions/{submission_id}/log")
        assert r.status_code == 200, r.text
        lines = r.json()
        assert isinstance(lines, list) and all(isinstance(x, str) for x in lines), r.text
        return lines


def submission_dir(server, submission_id):
    return Path(server.env.get("ZR_SUBMISSION_DIR", server.data_dir / "submissions")) / submission_id


def files_under(folder):
    """{relative path: bytes} of every regular file under `folder`."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink()}


def read_manifest(server, submission_id):
    return json.loads((submission_dir(server, submission_id) / "tmp" / "upload.json").read_text())


class SlowUpload:
    """A PUT of one part over a raw socket, its body sent in slices on demand (a slow client)."""

    BOUNDARY = "zrSlowUploadBoundary"

    def __init__(self, server, sub, challenge, sid, name, data):
        head = (f"--{self.BOUNDARY}\r\nContent-Disposition: form-data; name=\"file_data\"; "
                f"filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
        self.body = head + data + f"\r\n--{self.BOUNDARY}--\r\n".encode()
        self.sent = 0
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        self.sock.sendall((
            f"PUT /challenges/{challenge}/submission/upload?submission_id={sid}&part_name={name} HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\nAuthorization: Bearer {sub.user['token']}\r\n"
            f"Content-Type: multipart/form-data; boundary={self.BOUNDARY}\r\n"
            f"Content-Length: {len(self.body)}\r\nConnection: close\r\n\r\n").encode())

    def send(self, fraction):
        end = int(len(self.body) * fraction)
        self.sock.sendall(self.body[self.sent:end])
        self.sent = end

    def finish(self):
        """Sends the rest and reads the answer: (status, parsed JSON body)."""
        self.send(1.0)
        data = b""
        while True:
            head, found, body = data.partition(b"\r\n\r\n")
            if found:
                length = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
                if length and len(body) >= int(length.group(1)):
                    break
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            data += chunk
        self.close()
        return int(head.split()[1]), json.loads(body)

    def close(self):
        self.sock.close()
