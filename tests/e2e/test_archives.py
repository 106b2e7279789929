"""Hostile archives: each is refused at completion (status invalid, the reason in out.log) and
nothing is written outside the submission's input/ folder."""
import os

import pytest

from zips import (Submitter, absolute_path, files_under, good_zip, lying_zip_bomb, md5,
                  open_challenge, split, submission_dir, symlink_entry, zip_bomb, zip_slip)


@pytest.fixture
def outside(tmp_path):
    """A folder outside the data folder that hostile entries aim at; must stay empty."""
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


def everything_outside_input(server, sid):
    """Every file of the data folder that is not under this submission's input/ (names only)."""
    input_dir = submission_dir(server, sid) / "input"
    found = set()
    for root, dirs, names in os.walk(server.data_dir):
        for name in names + dirs:
            path = os.path.join(root, name)
            if not path.startswith(str(input_dir) + os.sep):
                found.add(os.path.relpath(path, server.data_dir))
    return found


def submit(server, sub, challenge, data, parts=1):
    """Creates and uploads `data`; returns (id, final status)."""
    if parts == 1:
        sid = sub.create(challenge, data)
        r = sub.upload(challenge, sid, "archive.zip", data)
        assert r.status_code == 200 and r.json()["completed"], r.text
    else:
        pieces = split(data, parts)
        sid = sub.create(challenge, data, pieces)
        for name, piece in pieces:
            assert sub.upload(challenge, sid, name, piece).status_code == 200
    return sid, sub.wait_status(sid, wanted=("uploaded", "invalid", "failed"))


def assert_refused(server, sub, sid, status, words):
    lines = sub.log(sid)
    assert status == "invalid", lines
    assert server.query("SELECT status FROM challenge_submissions WHERE id = ?", (sid,))[0]["status"] == "invalid"
    text = "\n".join(lines).lower()
    assert any(word in text for word in words), f"no {words} in the log:\n{text}"
    folder = submission_dir(server, sid)
    assert not (folder / "upload.lock").exists()
    input_dir = folder / "input"
    assert not input_dir.exists() or not any(p.is_symlink() for p in input_dir.rglob("*"))
    return lines


@pytest.fixture
def env_server(servers):
    def start(**env):
        return servers.start(extra_env={f"ZR_{k.upper()}": str(v) for k, v in env.items()})
    return start


@pytest.fixture
def setup(make_user):
    def make(server):
        return server, Submitter(server, make_user(server)), open_challenge(server)
    return make


def test_zip_slip(server, setup, outside):
    server, sub, challenge = setup(server)
    sid, status = submit(server, sub, challenge, zip_slip())
    names = everything_outside_input(server, sid)
    assert_refused(server, sub, sid, status, [".."])
    folder = submission_dir(server, sid)
    for escaped in ("zr_slip_x", "zr_slip_y"):
        assert not (folder / escaped).exists() and not (folder.parent / escaped).exists()
        assert not (server.data_dir / escaped).exists() and not (server.data_dir.parent / escaped).exists()
    assert not any("zr_slip" in name for name in names)


def test_absolute_path(server, setup, outside):
    server, sub, challenge = setup(server)
    target = outside / "absolute.txt"
    sid, status = submit(server, sub, challenge, absolute_path(target))
    assert_refused(server, sub, sid, status, ["absolute"])
    assert list(outside.iterdir()) == []


def test_symlink_entry(server, setup, outside):
    server, sub, challenge = setup(server)
    sid, status = submit(server, sub, challenge, symlink_entry(outside))
    assert_refused(server, sub, sid, status, ["symbolic link", "symlink"])
    assert list(outside.iterdir()) == []


def test_zip_bomb_stops_at_the_byte_limit(env_server, setup):
    server, sub, challenge = setup(env_server(unzip_max_bytes="1M", unzip_max_ratio=1_000_000))
    sid, status = submit(server, sub, challenge, zip_bomb(64 * 1024 * 1024))
    assert_refused(server, sub, sid, status, ["limit", "more than"])
    written = sum(len(v) for v in files_under(submission_dir(server, sid) / "input").values()) \
        if (submission_dir(server, sid) / "input").exists() else 0
    assert written <= 1024 * 1024


def test_zip_bomb_that_lies_about_its_size(env_server, setup):
    server, sub, challenge = setup(env_server(unzip_max_bytes="1M", unzip_max_ratio=1_000_000))
    sid, status = submit(server, sub, challenge, lying_zip_bomb(64 * 1024 * 1024, declared=1000))
    assert_refused(server, sub, sid, status, ["limit", "more than", "corrupt", "cannot be read"])
    folder = submission_dir(server, sid) / "input"
    written = sum(len(v) for v in files_under(folder).values()) if folder.exists() else 0
    assert written <= 1024 * 1024


def test_zip_bomb_by_ratio_with_default_limits(server, setup):
    server, sub, challenge = setup(server)
    sid, status = submit(server, sub, challenge, zip_bomb(64 * 1024 * 1024))
    assert_refused(server, sub, sid, status, ["more than", "limit", "ratio"])


def test_too_many_entries(env_server, setup):
    server, sub, challenge = setup(env_server(unzip_max_entries=2))
    data, _ = good_zip()  # three files in two folders
    sid, status = submit(server, sub, challenge, data)
    assert_refused(server, sub, sid, status, ["entries", "limit"])


def test_not_a_zip_multipart(server, setup):
    server, sub, challenge = setup(server)
    data = os.urandom(300_000)
    sid, status = submit(server, sub, challenge, data, parts=3)
    assert_refused(server, sub, sid, status, ["zip"])


def test_a_good_archive_under_the_same_limits_passes(env_server, setup):
    server, sub, challenge = setup(env_server(unzip_max_bytes="1M", unzip_max_entries=10))
    data, files = good_zip()
    sid, status = submit(server, sub, challenge, data, parts=2)
    assert status == "uploaded", sub.log(sid)
    assert files_under(submission_dir(server, sid) / "input") == files
    assert md5((submission_dir(server, sid) / "input.zip").read_bytes()) == md5(data)
