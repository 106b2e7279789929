"""`zr worker` as its own process (issue 4) on the embedded queue with the shared transfer: the
server runs no local worker, the worker processes take the jobs. Stopping (one signal lets the
running job finish, a second cancels it and hands the job back), a worker killed with -9 (its
evaluator dies with it, the job runs again once the lease expires), --once, and the refusal to
start on a host without a bin folder."""
import json
import signal
import subprocess
import time

import pytest

from conftest import zr_binary
from evaluation_env import EvalServer, wait_gone

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


class WorkerProcess:
    """`zr worker ARGS` with the server's ZR_* settings; output kept in a file."""

    def __init__(self, es, *args, env=None):
        self.log_path = es.root / f"worker-{time.monotonic_ns()}.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([str(zr_binary()), "worker", *args], env=dict(es.cli.env, **(env or {})),
                                     cwd=es.root, stdout=self._log, stderr=subprocess.STDOUT)

    def log(self):
        return self.log_path.read_text(errors="replace")

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=20):
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"zr worker still running after {timeout}s:\n{self.log()}")
        self._log.close()
        for marker in SANITIZER_MARKERS:
            assert marker not in self.log(), self.log()
        return code

    def stop(self):
        if self.proc.poll() is None:
            self.signal(signal.SIGTERM)
        return self.wait()


@pytest.fixture
def worker_env(servers, tmp_path, make_user):
    es = EvalServer(servers, tmp_path, make_user, {"ZR_LOCAL_WORKERS": "0", "ZR_EVAL_LEASE": "3s"})
    workers = []

    def start(*args, env=None):
        w = WorkerProcess(es, *args, env=env)
        workers.append(w)
        return w

    yield es, start
    for w in workers:
        if w.proc.poll() is None:
            w.proc.kill()
            w.proc.wait()


def test_worker_process_evaluates_and_stops(worker_env):
    es, start = worker_env
    es.use("good")
    w = start("-n", "2")
    first, second = es.submit(score=0.5), es.submit(score=0.7)
    for sid in (first, second):
        assert es.wait_status(sid, ("completed", "failed")) == "completed", es.log(sid)
        assert es.job(sid)["worker"].startswith(f"evalhost:{w.proc.pid}:")
        assert any("score" in line and "written" in line for line in es.log(sid))
    assert w.stop() == 0
    log = w.log()
    for sid in (first, second):
        assert f"submission {sid} started" in log and f"submission {sid} evaluation_complete (exit 0)" in log, log


def test_first_signal_lets_the_running_job_finish(worker_env):
    es, start = worker_env
    es.use("slow")
    w = start()
    sid = es.submit()
    es.wait_file(es.folder(sid) / "evaluator.pid")
    w.signal(signal.SIGTERM)
    time.sleep(0.5)
    assert w.proc.poll() is None, "the worker left before its job was done"
    assert w.wait() == 0
    assert es.wait_status(sid, ("completed", "failed")) == "completed", es.log(sid)
    assert sum("slow run done" in line for line in es.log(sid)) == 1


def test_second_signal_cancels_and_hands_the_job_back(worker_env):
    es, start = worker_env
    es.use("sleeper")
    w = start()
    sid = es.submit()
    pid_file = es.folder(sid) / "evaluator.pid"
    pid = int(es.wait_file(pid_file).read_text())
    pid_file.unlink()
    w.signal(signal.SIGTERM)
    time.sleep(0.3)
    w.signal(signal.SIGTERM)
    assert w.wait(timeout=15) == 0
    assert wait_gone(pid), "the evaluator outlived the canceled run"
    assert es.status(sid) == "evaluating"

    # Released at once (no lease to wait for): another worker takes it.
    other = start()
    second_pid = int(es.wait_file(pid_file, timeout=15).read_text())
    assert second_pid != pid
    # The service records the second start (it polls the other process's updates) before the cancel.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and es.job(sid)["attempts"] < 2:
        time.sleep(0.1)
    es.cli.ok("submissions:cancel", sid)
    assert es.wait_status(sid, ("canceled",)) == "canceled"
    assert wait_gone(second_pid), "the evaluator survived the cancel"
    assert other.stop() == 0
    assert es.job(sid)["attempts"] >= 2


def test_killed_worker_takes_its_evaluator_and_the_job_runs_again(worker_env):
    es, start = worker_env
    es.use("slow")
    w = start()
    sid = es.submit()
    pid = int(es.wait_file(es.folder(sid) / "evaluator.pid").read_text())
    es.wait_log(sid, "slow run starts")
    w.proc.kill()
    w.wait()
    assert wait_gone(pid), "the evaluator outlived its worker"

    start()  # takes the job once the dead worker's lease expired
    assert es.wait_status(sid, ("completed", "failed"), timeout=40) == "completed", es.log(sid)
    lines = es.log(sid)
    assert sum("slow run starts" in line for line in lines) == 2
    assert sum("slow run done" in line for line in lines) == 1
    assert es.job(sid)["attempts"] >= 2


def test_once_handles_one_job_and_exits(worker_env):
    es, start = worker_env
    es.use("good")
    sid = es.submit()
    w = start("--once")
    assert w.wait(timeout=30) == 0
    assert es.wait_status(sid, ("completed", "failed")) == "completed"


def test_a_host_without_bin_folder_runs_no_worker(worker_env):
    es, start = worker_env
    result = subprocess.run([str(zr_binary()), "worker"], env=dict(es.cli.env, ZR_REMOTE_BIN=json.dumps({})),
                            cwd=es.root, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stderr.strip() == "zr: no bin folder for host 'evalhost' in ZR_REMOTE_BIN: this host runs no evaluator"
