"""`zr submit` against the real `zr serve` (issue 3): a participant's upload ends `uploaded` with an
intact input/, the progress is shown, and an upload interrupted by Ctrl-C (or a killed uploader)
resumes with only the parts the server still misses. The deterministic fault scenarios (dropped
connections, 5xx, wrong md5, the first implementation's API) are in test_submit.py, on a fake."""
import json
import signal
import subprocess

import pytest

from conftest import zr_binary
from test_submit import SANITIZER_MARKERS, checkpoint_of, one_error_line, parts_folder_of, submit_env
from zips import Submitter, big_good_zip, files_under, good_zip, md5, open_challenge, submission_dir


@pytest.fixture
def challenge(server):
    return open_challenge(server, label="submit-test")


@pytest.fixture
def alice(server, make_user):
    return Submitter(server, make_user())


def zr_submit(server, user, *args, input=None, token=True):
    env = submit_env(ZR_API_URL=server.base_url, **({"ZR_TOKEN": user["token"]} if token else {}))
    result = subprocess.run([str(zr_binary()), "submit", *map(str, args)], env=env, input=input,
                            capture_output=True, text=True, timeout=180)
    for marker in SANITIZER_MARKERS:
        assert marker not in result.stderr, result.stderr
    return result


def assert_uploaded(server, sub, submission_id, data, files):
    assert sub.wait_status(submission_id) == "uploaded", sub.log(submission_id)
    folder = submission_dir(server, submission_id)
    assert md5((folder / "input.zip").read_bytes()) == md5(data)
    assert files_under(folder / "input") == files


def test_multipart_upload_by_label(server, challenge, alice, tmp_path):
    data, files = big_good_zip(3 * 1024 * 1024)
    archive = tmp_path / "system.zip"
    archive.write_bytes(data)
    r = zr_submit(server, alice.user, archive, "-c", "submit-test", "--part-size", "1M")
    assert r.returncode == 0, r.stderr
    submission_id = r.stdout.strip()
    assert "part 4/4 system.zip.part3" in r.stderr
    assert "(100.0%)" in r.stderr
    assert_uploaded(server, alice, submission_id, data, files)
    manifest = json.loads((submission_dir(server, submission_id) / "tmp" / "upload.json").read_text())
    assert [p["file_name"] for p in manifest["index"]] == [f"system.zip.part{i}" for i in range(4)]
    assert manifest["merge_hash"] == md5(data)
    assert not checkpoint_of(archive).exists() and not parts_folder_of(archive).exists()


def test_single_part_upload_with_a_login(server, challenge, alice, tmp_path):
    data, files = good_zip()
    archive = tmp_path / "small.zip"
    archive.write_bytes(data)
    r = zr_submit(server, alice.user, archive, "-c", challenge, "--json", token=False,
                  input=f"{alice.user['username']}\n{alice.user['password']}\n")
    assert r.returncode == 0, r.stderr
    answer = json.loads(r.stdout)
    assert answer["completed"] is True
    assert_uploaded(server, alice, answer["submission_id"], data, files)
    assert (submission_dir(server, answer["submission_id"]) / "archive.hash").read_text() == md5(data)


def test_refusals_are_one_line(server, challenge, alice, tmp_path):
    archive = tmp_path / "small.zip"
    archive.write_bytes(good_zip()[0])
    r = zr_submit(server, alice.user, archive, "-c", challenge, "--no-progress", token=False,
                  input=f"{alice.user['username']}\nwrong-password\n")
    assert one_error_line(r) == "zr: login failed: Incorrect username or password"
    closed = open_challenge(server, label="closed", end="2021-01-01")
    r = zr_submit(server, alice.user, archive, "-c", closed, "--no-progress")
    line = one_error_line(r)
    assert line.startswith("zr: cannot create the submission: ") and "(HTTP 4" in line, line


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "crash"])
def test_resume_after_an_interruption(server, challenge, alice, tmp_path, sig):
    data, files = big_good_zip(8 * 1024 * 1024)
    archive = tmp_path / "big.zip"
    archive.write_bytes(data)
    env = submit_env(ZR_API_URL=server.base_url, ZR_TOKEN=alice.user["token"])
    # 4 MB/s: about a quarter of a second per part, time enough to interrupt in the middle.
    proc = subprocess.Popen([str(zr_binary()), "submit", str(archive), "-c", str(challenge), "--part-size", "1M",
                             "--limit-rate", "4M"], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith("part 3/"):
            proc.send_signal(sig)
            break
    _, rest = proc.communicate(timeout=60)
    stderr = "".join(seen) + rest
    if sig == signal.SIGINT:
        assert proc.returncode == 130, stderr
        assert "run the same command again to resume" in stderr.splitlines()[-1]
    else:
        assert proc.returncode == -signal.SIGKILL
    saved = json.loads(checkpoint_of(archive).read_text())
    done = [p["done"] for p in saved["parts"]]
    assert len(done) == 9 and done[:3] == [True] * 3 and not all(done), done
    submission_id = saved["submission_id"]
    assert alice.status(submission_id) == "uploading"
    state = alice.upload_state(challenge, submission_id).json()
    assert state["completed"] is False and 1 <= len(state["remaining"]) <= 6, state

    r = zr_submit(server, alice.user, archive, "-c", challenge)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == submission_id
    sent = [line.split()[2] for line in r.stderr.splitlines() if line.startswith("part ")]
    assert sent == state["remaining"], r.stderr
    assert f"uploading {len(state['remaining'])} of 9 part(s)" in r.stderr
    assert_uploaded(server, alice, submission_id, data, files)
    assert not checkpoint_of(archive).exists() and not parts_folder_of(archive).exists()
