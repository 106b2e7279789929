"""A full disk is a first-class answer (issue 19): the data folder on a small file system the test
mounts (tmpfs), filled by uploads and a filler file. Uploads that cannot fit get 507 with a message
saying the server is out of space and nothing was lost, before their body when the declared size
cannot fit, in the middle of it otherwise; /health says `disk`; /metrics counts the events; the log
warns; Mattermost is alerted once (rate-limited); nothing acknowledged is lost and no spool file is
left; once there is room again the same parts are accepted and the submission completes."""
import hashlib
import os
import re
import socket
import subprocess
from pathlib import Path

import pytest

from mattermost_sink import MattermostSink
from test_ops import scrape, value
from zips import Submitter, big_good_zip, md5, open_challenge, split, submission_dir

MiB = 1024 * 1024


def mount_tmpfs(path, size):
    if os.geteuid() != 0:
        pytest.fail("mounting the small data folder needs root (scripts/test.sh runs as root in CI)")
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)


def remount(path, size):
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True)


def free_bytes(path):
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def fill_until(path, free_left):
    """Grows the filler file until about `free_left` bytes are free; returns it."""
    filler = path / "filler.bin"
    with open(filler, "ab") as out:
        while free_bytes(path) > free_left:
            out.write(b"\0" * min(256 * 1024, free_bytes(path) - free_left))
            out.flush()
            os.fsync(out.fileno())
    return filler


def chunked_upload(server, user, challenge, sid, name, data):
    """PUT of one part with a chunked body (no Content-Length: nothing to check before the body),
    over a raw socket that reads the answer as soon as the server gives it."""
    boundary = "zrtestboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file_data\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    body = head + data + f"\r\n--{boundary}--\r\n".encode()
    request = (f"PUT /challenges/{challenge}/submission/upload?submission_id={sid}&part_name={name} HTTP/1.1\r\n"
               f"Host: x\r\nAuthorization: Bearer {user['token']}\r\nConnection: close\r\n"
               f"Content-Type: multipart/form-data; boundary={boundary}\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(request)
        try:
            for start in range(0, len(body), 64 * 1024):
                piece = body[start:start + 64 * 1024]
                sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and stopped reading
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    status = int(answer.split(b" ", 2)[1])
    return status, answer.split(b"\r\n\r\n", 1)[1].decode(errors="replace")


def assert_out_of_space(status, text):
    assert status == 507, text
    assert "out of disk space" in text and "Nothing you sent before this request was lost" in text, text


def test_full_disk_answers_507_loses_nothing_and_recovers(servers, make_user, tmp_path):
    data_dir = tmp_path / "small"
    data_dir.mkdir()
    mount_tmpfs(data_dir, "24m")
    sink = MattermostSink()
    server = None
    try:
        server = servers.start(data_dir=data_dir, extra_env={
            "ZR_HEALTH_MIN_FREE_DISK": "2M", "ZR_LOCAL_WORKERS": "0",
            "ZR_MATTERMOST_URL": sink.url, "ZR_MATTERMOST_API_KEY": "hook"})
        user = make_user(server)
        alice = Submitter(server, user)
        challenge = open_challenge(server)
        archive, _ = big_good_zip(6 * MiB)
        pieces = split(archive, 4)  # ~1.5 MiB each
        sid = alice.create(challenge, archive, pieces)
        folder = submission_dir(server, sid)

        # Room for about two parts, with the 2 MiB the health check keeps free.
        fill_until(data_dir, 2 * MiB + 4 * MiB)
        for name, part in pieces[:2]:
            r = alice.upload(challenge, sid, name, part)
            assert r.status_code == 200, r.text

        # Declared (Content-Length) and cannot fit: refused before its body.
        name, part = pieces[2]
        r = alice.upload(challenge, sid, name, part)
        assert_out_of_space(r.status_code, r.text)
        assert r.json()["detail"] == r.json()["detail"].strip()
        # Chunked (no declared size) into a disk that fills up: refused in the middle of the body.
        fill_until(data_dir, 512 * 1024)
        status, text = chunked_upload(server, user, challenge, sid, name, part)
        assert_out_of_space(status, text)

        # /health names the disk; /metrics counts the events; the log warns; one Mattermost alert.
        health = server.get("/health")
        assert health.status_code == 503 and "disk" in health.json()["failing"], health.text
        assert value(scrape(server), "zr_out_of_space_events") >= 2
        assert re.search(r"\[warning\] out of disk space", server.log()), server.log()[-3000:]
        alert = sink.wait_for(lambda post: "Out of disk space" in (post.json or {}).get("text", ""))
        assert "507" in alert.json["text"]
        sink.assert_none(lambda post: post is not alert and "Out of disk space" in (post.json or {}).get("text", ""))

        # Nothing lost: the acknowledged parts are there, intact; no spool file; still uploading.
        for name, part in pieces[:2]:
            assert hashlib.md5((folder / "tmp" / name).read_bytes()).hexdigest() == md5(part)
        assert not [p.name for p in (folder / "tmp").iterdir() if p.name.startswith(".upload-")]
        assert alice.status(sid) == "uploading"
        state = alice.upload_state(challenge, sid).json()
        assert state == {"completed": False, "remaining": [n for n, _ in pieces[2:]]}

        # Room again: the same parts go through and the submission completes.
        (data_dir / "filler.bin").unlink()
        remount(data_dir, "96m")
        assert server.get("/health").status_code == 200
        for name, part in pieces[2:]:
            r = alice.upload(challenge, sid, name, part)
            assert r.status_code == 200, r.text
        assert r.json() == {"completed": True, "remaining": []}
        assert alice.wait_status(sid) == "uploaded"
        assert hashlib.md5((folder / "input.zip").read_bytes()).hexdigest() == md5(archive)
    finally:
        if server is not None:  # stopped before its folder is unmounted
            server.stopped_by_test = True
            assert server.stop() == 0
        sink.close()
        subprocess.run(["umount", "-l", str(data_dir)], check=False)
