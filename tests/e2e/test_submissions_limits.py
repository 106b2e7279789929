"""Limits: submissions per user and challenge (per day, in total) -> 429, and the part size -> 413."""
import json

import pytest

from conftest import assert_no_leak
from zips import Submitter, big_good_zip, good_zip, md5, open_challenge, split, submission_dir


@pytest.fixture
def limited(servers, make_user):
    def start(**env):
        server = servers.start(extra_env={f"ZR_{k.upper()}": str(v) for k, v in env.items()})
        return server, Submitter(server, make_user(server)), open_challenge(server)
    return start


def assert_rate_limited(r):
    assert r.status_code == 429, f"{r.status_code} {r.text}"
    assert isinstance(r.json()["message"], str) and r.json()["message"], r.text
    assert_no_leak(r.text)


def body(data):
    return {"filename": "a.zip", "hash": md5(data), "multipart": False}


@pytest.mark.parametrize("key", ["max_submissions_per_day", "max_submissions_total"])
def test_limit_reached_answers_429(limited, make_user, unchanged, key):
    server, alice, challenge = limited(**{key: 1})
    data, _ = good_zip()
    first = alice.create(challenge, data)
    with unchanged(server):
        assert_rate_limited(alice.create_raw(challenge, body(data)))
    # another challenge and another user have their own counts
    other = open_challenge(server, "other-open")
    assert alice.create_raw(other, body(data)).status_code == 200
    bob = Submitter(server, make_user(server))
    assert bob.create_raw(challenge, body(data)).status_code == 200
    # a refused (invalid/failed/canceled) submission does not count
    for status in ("invalid", "failed", "canceled"):
        server.execute("UPDATE challenge_submissions SET status = ? WHERE id = ?", (status, first))
        r = alice.create_raw(challenge, body(data))
        assert r.status_code == 200, r.text
        first = r.json()
        assert_rate_limited(alice.create_raw(challenge, body(data)))


def test_per_day_limit_forgets_old_submissions(limited):
    server, alice, challenge = limited(max_submissions_per_day=1)
    data, _ = good_zip()
    first = alice.create(challenge, data)
    assert_rate_limited(alice.create_raw(challenge, body(data)))
    server.execute("UPDATE challenge_submissions SET submit_date = '2020-01-01 10:00:00.000000' WHERE id = ?",
                   (first,))
    assert alice.create_raw(challenge, body(data)).status_code == 200


def test_oversized_part_is_refused_before_its_body(limited, unchanged):
    server, alice, challenge = limited(max_upload_part_bytes="64K")
    data, _ = big_good_zip(600_000)
    pieces = split(data, 2)
    sid = alice.create(challenge, data, pieces)
    name = pieces[0][0]
    head = (f"PUT /challenges/{challenge}/submission/upload?submission_id={sid}&part_name={name} HTTP/1.1\r\n"
            f"Host: x\r\nAuthorization: Bearer {alice.user['token']}\r\n"
            "Content-Type: multipart/form-data; boundary=XyZ\r\n"
            f"Content-Length: {len(pieces[0][1]) + 200}\r\n\r\n").encode()
    with unchanged(server):
        status, _, response = server.raw(head, timeout=10)
        assert status == 413, response
    # a part within the limit still goes through
    small, _ = good_zip()
    sid = alice.create(challenge, small)
    assert alice.upload(challenge, sid, "a.zip", small).status_code == 200
    assert alice.wait_status(sid) == "uploaded"
    assert (submission_dir(server, sid) / "input.zip").stat().st_size == len(small)


def test_oversized_streamed_body_is_refused(limited, unchanged):
    """A body sent right behind its header (as requests does, without waiting for an answer) also
    gets 413, and nothing of it is written. Only its first 128 KiB (twice the limit) is sent: the
    server reads and drops at most 1 MiB after answering, and a client still sending past that
    could get a reset instead of the answer."""
    server, alice, challenge = limited(max_upload_part_bytes="64K")
    data = bytes(300_000)
    sid = alice.create(challenge, data)
    body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"file_data\"; filename=\"archive.zip\"\r\n"
            b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n--XyZ--\r\n")
    head = (f"PUT /challenges/{challenge}/submission/upload?submission_id={sid}&part_name=archive.zip "
            f"HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {alice.user['token']}\r\n"
            "Content-Type: multipart/form-data; boundary=XyZ\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    with unchanged(server):
        status, _, response = server.raw(head + body[:128 * 1024], timeout=10)
        assert status == 413, response
        assert json.loads(response) == {"detail": "Request body too large"}
    assert not (submission_dir(server, sid) / "input.zip").exists()
    assert alice.status(sid) == "uploading"
