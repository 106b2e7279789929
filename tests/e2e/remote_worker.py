"""`zr worker` as on another machine, for the e2e tests: its own data folder, the service reached
over HTTP only (ZR_WORKER_TRANSFER=http), the queue given by `queue_env`.

    worker = RemoteWorker(tmp_path, api_url, queue_env, token, host="gpu1",
                          remote_bin={"gpu1": str(bin_dir)}).start()
    ...
    assert worker.stop() == 0, worker.log()   # SIGTERM; None when it had to be killed

Also the service side of such tests: `write_bin(...)`, `zr_env(server)` and `evaluated_challenge(...)`.
"""
import json
import os
import signal
import subprocess

from conftest import zr_binary
from stall_proxy import copies
from zips import open_challenge


def write_bin(folder, label, evaluator):
    """A bin folder with the bash script `evaluator` (eval.sh) registered as `label` in index.yml."""
    folder.mkdir()
    script = folder / "eval.sh"
    script.write_text(evaluator)
    script.chmod(0o755)
    (folder / "index.yml").write_text(
        f"evaluators:\n  {label}:\n    executor: bash\n    script_path: {script}\n    base_arguments: []\n")
    return folder


def zr_env(server):
    """The server's ZR_* settings, for `zr` commands on its data folder."""
    return {k: v for k, v in server.env.items() if k.startswith("ZR_")}


def evaluated_challenge(server, cli, evaluator_id, label, board):
    """An open challenge `label` evaluated by `evaluator_id`, with the leaderboard `board` reading
    each submission's scores/entry.json; its id."""
    challenge = open_challenge(server, label=label)
    cli.ok("challenges:set", str(challenge), "evaluator", str(evaluator_id))
    boards = server.data_dir.parent / f"{board}.boards.json"
    boards.write_text(json.dumps([{
        "label": board, "challenge_id": challenge, "path_to": f"{board}.json", "entry_file": "scores/entry.json",
        "external_entries": None, "archived": False, "static_files": False, "sorting_key": None}]))
    cli.ok("leaderboards:create", "-f", str(boards))
    return challenge


class RemoteWorker:
    def __init__(self, tmp_path, api_url, queue_env, token, host, remote_bin, name="worker", extra_env=None):
        self.host = host
        self.data = tmp_path / f"{name}-data"
        self.data.mkdir(exist_ok=True)
        self.log_path = tmp_path / f"{name}.log"
        self.env = {k: v for k, v in os.environ.items() if not k.upper().startswith("ZR_")}
        self.env.update(queue_env)
        self.env.update({
            "ZR_DATA_FOLDER": str(self.data),
            "ZR_WORKER_TRANSFER": "http",
            "ZR_WORKER_API_URL": api_url,
            "ZR_WORKER_TOKEN": token,
            "ZR_REMOTE_BIN": json.dumps(remote_bin),
            "ZR_HOSTNAME": host,
            "UBSAN_OPTIONS": "print_stacktrace=1",
        })
        self.env.update(extra_env or {})
        self.proc = None
        self._log = None

    def start(self):
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(zr_binary()), "worker", "-n", "1"], env=self.env, cwd=self.data,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        return self

    def stop(self, timeout=30):
        """SIGTERM; the exit status, or None when it did not stop within `timeout` (then killed)."""
        if self.proc is None:
            return None
        code = self.proc.poll()
        if code is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return code

    def copies(self):
        """The submission copies it keeps (ZR_WORKER_DIR, by default DATA_FOLDER/worker)."""
        return copies(self.data / "worker")

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
