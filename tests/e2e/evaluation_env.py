"""Helpers for the evaluation end-to-end tests (test_evaluation.py): a bin folder of real bash
evaluators with its index.yml, a server whose host name owns that folder (local workers on the
embedded queue), evaluators discovered and attached to an open challenge, and uploads through the
API.

Evaluators (each run as `bash <script> <submission folder>`):
  good     reads input/score.txt, prints lines, writes scores/entry.json {"model", "score"}
  fail     prints "bad input" and exits 1
  sleeper  records its pid in <folder>/evaluator.pid, then sleeps 60 s
  slow     records its pid, sleeps 4 s, then does what good does
"""
import json
import os
import time
from pathlib import Path

import pytest

from cli_helpers import Cli
from zips import Submitter, good_zip, open_challenge, submission_dir

HOST = "evalhost"

SCRIPTS = {
    "good.sh": """
folder="$1"
echo "good evaluator on $(ls "$folder/input" | tr '\\n' ' ')"
score=$(cat "$folder/input/score.txt")
model=$(cat "$folder/input/model.txt")
printf '{"model": "%s", "score": %s}\\n' "$model" "$score" > "$folder/scores/entry.json"
echo "score $score written"
""",
    "fail.sh": """
echo "bad input"
exit 1
""",
    "sleeper.sh": """
echo $$ > "$1/evaluator.pid"
echo "sleeping"
sleep 60
echo "woke up"
""",
    "slow.sh": """
echo $$ > "$1/evaluator.pid"
echo "slow run starts"
sleep 4
printf '{"model": "slow", "score": 1}\\n' > "$1/scores/entry.json"
echo "slow run done"
""",
}


def make_bin(root):
    """A bin folder with the evaluators above, an index.yml, and an outside script."""
    bin_dir = Path(root) / "bin"
    bin_dir.mkdir()
    entries = []
    for name, body in SCRIPTS.items():
        (bin_dir / name).write_text("#!/bin/bash\n" + body)
        (bin_dir / name).chmod(0o755)
        entries.append(f"  {name[:-3]}:\n    executor: bash\n    script_path: {name}\n")
    (bin_dir / "index.yml").write_text("evaluators:\n" + "".join(entries))
    outside = Path(root) / "outside.sh"
    outside.write_text(f"#!/bin/bash\ntouch {root}/outside-ran\necho ran\n")
    outside.chmod(0o755)
    return bin_dir


class EvalServer:
    """A server with the evaluators registered and one open challenge."""

    def __init__(self, servers, tmp_path, make_user, extra_env=None):
        self.root = Path(tmp_path)
        self.bin_dir = make_bin(self.root)
        env = {
            "ZR_hostname": HOST,
            "ZR_REMOTE_BIN": json.dumps({HOST: str(self.bin_dir)}),
            "ZR_EVAL_TIME_LIMIT": "30",
            "ZR_LOCAL_WORKERS": "1",
        }
        env.update(extra_env or {})
        self.server = servers.start(extra_env=env)
        self.cli = Cli(self.server.data_dir, {k: v for k, v in self.server.env.items() if k.startswith("ZR_")})
        self.cli.ok("evaluator:discover", "--local")
        self.evaluators = {r["label"]: r["id"] for r in self.cli.query("SELECT id, label FROM evaluators")}
        self.challenge = open_challenge(self.server)
        self.user = make_user(self.server)
        self.submitter = Submitter(self.server, self.user)

    def use(self, label, challenge=None):
        self.cli.ok("challenges:set", str(challenge or self.challenge), "evaluator", str(self.evaluators[label]))

    def submit(self, score=0.5, model="m", challenge=None):
        """Uploads a small archive; returns the submission id once the upload completed."""
        challenge = challenge or self.challenge
        data, _ = good_zip({"score.txt": str(score).encode(), "model.txt": model.encode()})
        sid = self.submitter.create(challenge, data)
        r = self.submitter.upload(challenge, sid, "archive.zip", data)
        assert r.status_code == 200, r.text
        return sid

    def status(self, sid):
        return self.submitter.status(sid)

    def wait_status(self, sid, wanted, timeout=30):
        deadline = time.monotonic() + timeout
        status = None
        while time.monotonic() < deadline:
            status = self.status(sid)
            if status in wanted:
                return status
            time.sleep(0.05)
        pytest.fail(f"submission {sid} still {status!r} after {timeout}s (wanted {wanted}):\n"
                    + "\n".join(self.log(sid)))

    def log(self, sid):
        return self.submitter.log(sid)

    def wait_log(self, sid, text, timeout=15):
        """Waits for a line containing text in the submission's log. An evaluator's pid file comes
        before its first line of output: a test that kills the run waits for that line too, else
        the run may die before the line was forwarded."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.log(sid)
            if any(text in line for line in lines):
                return lines
            time.sleep(0.05)
        pytest.fail(f"no {text!r} in the log of {sid} after {timeout}s:\n" + "\n".join(self.log(sid)))

    def folder(self, sid):
        return submission_dir(self.server, sid)

    def job(self, sid):
        rows = self.server.query("SELECT * FROM evaluation_jobs WHERE submission_id = ? "
                                 "ORDER BY created_at DESC, rowid DESC", (sid,))
        return rows[0] if rows else None

    def wait_file(self, path, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if path.exists() and path.stat().st_size > 0:
                return path
            time.sleep(0.05)
        pytest.fail(f"{path} did not appear within {timeout}s")


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purpose.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pid, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    return False
