"""Crash tests: the server is killed (SIGKILL) in the middle of a part and after the last part,
then restarted on the same data folder; the upload resumes and ends "uploaded" with an intact
input/."""
import json
import signal
import time

import pytest

from zips import SlowUpload, Submitter, big_good_zip, files_under, md5, open_challenge, split, submission_dir


def kill9(server):
    """SIGKILL, then forget the process so that the teardown does not expect exit status 0."""
    server.stopped_by_test = True
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(15)
    server.stop()  # closes the log
    reports = server.sanitizer_reports()
    assert not reports, reports
    server.proc = None


def spool_files(folder):
    tmp = folder / "tmp"
    return [p for p in tmp.iterdir() if p.name.startswith(".upload-")] if tmp.exists() else []


def wait_for(predicate, timeout=10, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    pytest.fail(f"{what} not reached within {timeout}s")


@pytest.fixture
def crash_setup(servers, make_user):
    server = servers.start()
    sub = Submitter(server, make_user(server))
    return server, sub, open_challenge(server)


def restart(servers, server, sub):
    again = servers.start(data_dir=server.data_dir)
    return again, Submitter(again, sub.user)


def test_kill_in_the_middle_of_a_part_then_resume(servers, crash_setup):
    server, sub, challenge = crash_setup
    data, files = big_good_zip(6 * 1024 * 1024)
    pieces = split(data, 3)
    names = [n for n, _ in pieces]
    sid = sub.create(challenge, data, pieces)
    folder = submission_dir(server, sid)
    assert sub.upload(challenge, sid, names[0], pieces[0][1]).json() == {
        "completed": False, "remaining": names[1:]}

    slow = SlowUpload(server, sub, challenge, sid, names[1], pieces[1][1])
    slow.send(0.5)
    # the part is streamed to disk as it arrives, under a temporary name
    wait_for(lambda: any(p.stat().st_size > 0 for p in spool_files(folder)), what="a spool file")
    assert not (folder / "tmp" / names[1]).exists()
    kill9(server)
    slow.close()

    server, sub = restart(servers, server, sub)
    assert sub.upload_state(challenge, sid).json() == {"completed": False, "remaining": names[1:]}
    assert spool_files(folder) == [], "start-up leaves no half-received part behind"
    assert json.loads((folder / "tmp" / "upload.json").read_text())["received"][0]["file_name"] == names[0]
    assert sub.upload(challenge, sid, names[2], pieces[2][1]).json() == {
        "completed": False, "remaining": [names[1]]}
    assert sub.upload(challenge, sid, names[1], pieces[1][1]).json() == {"completed": True, "remaining": []}
    assert sub.wait_status(sid) == "uploaded", sub.log(sid)
    assert files_under(folder / "input") == files
    assert md5((folder / "input.zip").read_bytes()) == md5(data)


def test_kill_right_after_the_last_part(servers, crash_setup):
    """The answer to the last part is in; the server dies before (or while) completing."""
    server, sub, challenge = crash_setup
    data, files = big_good_zip(24 * 1024 * 1024)
    pieces = split(data, 2)
    sid = sub.create(challenge, data, pieces)
    folder = submission_dir(server, sid)
    assert sub.upload(challenge, sid, *pieces[0]).status_code == 200
    r = sub.upload(challenge, sid, *pieces[1])
    kill9(server)
    assert r.json() == {"completed": True, "remaining": []}, r.text
    assert not (folder / "upload.lock").exists()

    server, sub = restart(servers, server, sub)
    assert sub.wait_status(sid) == "uploaded", sub.log(sid)
    assert files_under(folder / "input") == files
    assert md5((folder / "input.zip").read_bytes()) == md5(data)
    assert sub.upload_state(challenge, sid).json() == {"completed": True, "remaining": []}


def test_completion_resumes_at_start_up(servers, crash_setup):
    """The state a crash between "last part received" and "uploaded" leaves, made by hand with the
    server stopped: every part in tmp/ and in the manifest, no upload.lock, status uploading."""
    server, sub, challenge = crash_setup
    data, files = big_good_zip(2 * 1024 * 1024)
    pieces = split(data, 2)
    sid = sub.create(challenge, data, pieces)
    folder = submission_dir(server, sid)
    assert sub.upload(challenge, sid, *pieces[0]).status_code == 200
    server.stopped_by_test = True
    assert server.stop() == 0

    name, piece = pieces[1]
    (folder / "tmp" / name).write_bytes(piece)
    manifest_path = folder / "tmp" / "upload.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["received"].append({"file_name": name, "file_size": len(piece), "file_hash": md5(piece)})
    manifest_path.write_text(json.dumps(manifest))
    (folder / "upload.lock").unlink()
    assert server.query("SELECT status FROM challenge_submissions WHERE id = ?", (sid,))[0]["status"] == "uploading"

    server, sub = restart(servers, server, sub)
    assert sub.wait_status(sid) == "uploaded", sub.log(sid)
    assert files_under(folder / "input") == files
    assert md5((folder / "input.zip").read_bytes()) == md5(data)
    for part_name, _ in pieces:
        assert not (folder / "tmp" / part_name).exists()
