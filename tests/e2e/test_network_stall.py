"""Evaluation hosts that survive the network (issue 21): two `zr worker` processes on two simulated
machines of one evaluation pool, over RabbitMQ and the HTTP transfer, one of them behind
StallProxy (to the broker and to the API) so that its network can stall without closing.

- a 30 s stall in the middle of an evaluation: the job is handed to the other machine within the
  documented time, the stalled worker kills its run and removes its copy, takes jobs again once
  traffic flows, and the submission completes exactly once;
- SIGTERM during a stall (idle, or holding a job) ends the worker within seconds;
- a worker killed with SIGKILL leaves its copy, which the next worker to start removes.

The service and both workers use ZR_RPC_HEARTBEAT=2s. Timings are printed (run with -s) for the
closing note; the assertions only bound them loosely (liveness, not speed).
"""
import json
import os
import time

import pytest

from cli_helpers import Cli
from remote_worker import RemoteWorker, evaluated_challenge, write_bin, zr_env
from stall_proxy import StallProxy
from zips import Submitter, good_zip

TOKEN = "stall-worker-token"
POOL = "evalpool"
BOARD = "pool-board"
# Seconds, ZR_RPC_HEARTBEAT of everyone here; ZR_STALL_HEARTBEAT=15 measures the defaults' timings.
HEARTBEAT = int(os.environ.get("ZR_STALL_HEARTBEAT", "2"))
# Documented handover: 2-3 heartbeats for the broker to drop the silent worker, plus up to 5 s for
# the next worker to wait for a result of a run heard from moments before. Asserted with a margin.
HANDOVER_BOUND = 3 * HEARTBEAT + 5 + 15

EVALUATOR = """#!/bin/bash
# $1: the submission folder (input/, scores/). input/slow.txt holds how long to take.
folder="$1"
echo $$ > "$folder/evaluator.pid"
echo "evaluating $(head -n 1 "$folder/input/meta.yaml")"
if [ -f "$folder/input/slow.txt" ]; then sleep "$(cat "$folder/input/slow.txt")"; fi
printf '{"model": "pool", "scores": {"accuracy": 0.5}}\\n' > "$folder/scores/entry.json"
echo "evaluation done"
"""


@pytest.fixture
def pool(rabbitmq, servers, make_user, tmp_path):
    """A service on RabbitMQ with an evaluator registered for POOL (discovered on both machines
    through a fake ssh), a challenge and its leaderboard; `make_worker(host, stalled)` starts a
    worker, behind fresh proxies when `stalled`."""
    bin_dir = write_bin(tmp_path / "bin", "pool-eval", EVALUATOR)
    fake = tmp_path / "fakebin"
    fake.mkdir()
    (fake / "ssh").write_text(f"#!/bin/sh\ncat {bin_dir}/index.yml\n")
    (fake / "ssh").chmod(0o755)

    server = servers.start(extra_env={
        **rabbitmq.env(), "ZR_LOCAL_WORKERS": "0", "ZR_WORKER_TOKEN": TOKEN, "ZR_HOSTNAME": "service",
        "ZR_RPC_HEARTBEAT": f"{HEARTBEAT}s", "ZR_REMOTE_BIN": json.dumps({POOL: str(bin_dir)}),
        "ZR_POOLS": json.dumps({POOL: ["machine-a", "machine-b"]})})
    cli = Cli(server.data_dir, zr_env(server))
    cli.ok("evaluator:discover", POOL, env={"PATH": f"{fake}:{os.environ.get('PATH', '/usr/bin:/bin')}"})
    [evaluator] = json.loads(cli.ok("evaluator:list", "--json"))
    assert evaluator["host"] == POOL
    challenge = evaluated_challenge(server, cli, evaluator["id"], "pool-track", BOARD)

    started = []
    proxies = []

    def make_worker(host, stalled=False):
        queue_env = rabbitmq.env()
        api_url = server.base_url
        if stalled:
            amqp = StallProxy(rabbitmq.port).start()
            api = StallProxy(server.port).start()
            proxies.extend([amqp, api])
            queue_env["ZR_RPC_PORT"] = str(amqp.port)
            api_url = f"http://127.0.0.1:{api.port}"
        worker = RemoteWorker(tmp_path, api_url, queue_env, TOKEN, host, {POOL: str(bin_dir)}, name=host,
                              extra_env={"ZR_EVAL_POOL": POOL, "ZR_RPC_HEARTBEAT": f"{HEARTBEAT}s"}).start()
        worker.proxies = proxies[-2:] if stalled else []
        started.append(worker)
        return worker

    class Pool:
        pass

    p = Pool()
    p.server, p.cli, p.challenge, p.make_worker = server, cli, challenge, make_worker
    p.alice = Submitter(server, make_user(server))
    yield p
    for proxy in proxies:
        proxy.resume()
    for worker in started:
        worker.stop()
    for proxy in proxies:
        proxy.close()
    for worker in started:
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            assert marker not in worker.log(), worker.log()


def submit(p, seconds=0):
    files = {"meta.yaml": b"author: pool\n"}
    if seconds:
        files["slow.txt"] = str(seconds).encode()
    data, _ = good_zip(files)
    sid = p.alice.create(p.challenge, data)
    assert p.alice.upload(p.challenge, sid, "archive.zip", data).status_code == 200
    return sid


def job(p, sid):
    rows = p.server.query("SELECT * FROM evaluation_jobs WHERE submission_id = ? ORDER BY created_at DESC, "
                          "rowid DESC", (sid,))
    return rows[0] if rows else None


def wait_until(what, predicate, timeout, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"{what}: not within {timeout}s")


def wait_status(p, sid, wanted, timeout=90):
    status = wait_until(f"submission {sid} {wanted}", lambda: p.alice.status(sid) in wanted and p.alice.status(sid),
                        timeout)
    return status


def completed_once(p, sid):
    log = p.alice.log(sid)
    assert sum(line.endswith("evaluation completed") for line in log) == 1, "\n".join(log)
    board = p.server.get(f"/challenges/{p.challenge}/leaderboard")
    assert board.status_code == 200, board.text


def board_size(p):
    [row] = p.server.query("SELECT id FROM leaderboards WHERE label = ?", (BOARD,))
    return len(p.server.get(f"/leaderboards/{row['id']}/json").json()["data"])


def running_on(p, sid, host):
    row = job(p, sid)
    return row is not None and row["state"] == "running" and (row["worker"] or "").startswith(host + ":")


def test_a_stall_mid_evaluation_hands_the_job_over_and_the_stalled_worker_comes_back(pool):
    p = pool
    a = p.make_worker("machine-a", stalled=True)
    sid = submit(p, seconds=12)
    wait_until("machine-a runs the job", lambda: running_on(p, sid, "machine-a"), 60)
    wait_until("machine-a's evaluator started", lambda: any((c / "evaluator.pid").exists() for c in a.copies()), 30)
    b = p.make_worker("machine-b")

    for proxy in a.proxies:
        proxy.stall()
    stalled_at = time.monotonic()
    wait_until("the job handed to machine-b", lambda: running_on(p, sid, "machine-b"), HANDOVER_BOUND)
    handover = time.monotonic() - stalled_at
    # The stalled worker notices on its own (no broker heartbeats), kills its run, drops its copy.
    wait_until("machine-a's copy removed during the stall", lambda: a.copies() == [], 3 * HEARTBEAT + 30)
    noticed = time.monotonic() - stalled_at
    assert a.proc.poll() is None, a.log()
    time.sleep(max(0.0, 30 - (time.monotonic() - stalled_at)))  # a 30 s stall in all (longer with ZR_STALL_HEARTBEAT)
    for proxy in a.proxies:
        proxy.resume()
    resumed_at = time.monotonic()
    wait_until("machine-a connected again", lambda: "reconnected to RabbitMQ" in a.log(), 30)
    recovered = time.monotonic() - resumed_at

    assert wait_status(p, sid, ("completed", "failed")) == "completed", "\n".join(p.alice.log(sid))
    completed_once(p, sid)
    assert job(p, sid)["worker"].startswith("machine-b:"), job(p, sid)
    assert "evaluation started on machine-b" in "\n".join(p.alice.log(sid))

    # Once traffic flows, machine-a takes jobs again (machine-b is stopped so that it must).
    assert b.stop() == 0, b.log()
    second = submit(p)
    assert wait_status(p, second, ("completed", "failed")) == "completed", a.log()
    assert job(p, second)["worker"].startswith("machine-a:"), job(p, second)
    completed_once(p, second)
    assert board_size(p) == 2
    assert p.server.query("SELECT COUNT(*) AS n FROM evaluation_jobs")[0]["n"] == 2
    assert a.copies() == [] and b.copies() == []
    assert "lost its delivery" in a.log(), a.log()
    print(f"\n[stall] handover {handover:.1f}s, stalled worker gave the job up after {noticed:.1f}s, "
          f"connected to the broker again {recovered:.1f}s after the stall ended")
    assert a.stop() == 0, a.log()


def test_sigterm_during_a_stall_ends_the_worker_promptly(pool):
    p = pool
    idle = p.make_worker("machine-a", stalled=True)
    time.sleep(2)  # connected, consuming
    for proxy in idle.proxies:
        proxy.stall()
    time.sleep(6)  # past its connection's deadlines: it tries to reconnect through the stall
    start = time.monotonic()
    assert idle.stop(timeout=20) == 0, idle.log()
    idle_exit = time.monotonic() - start

    holder = p.make_worker("machine-c", stalled=True)
    sid = submit(p, seconds=60)
    wait_until("machine-c runs the job", lambda: running_on(p, sid, "machine-c"), 60)
    wait_until("machine-c's evaluator started",
               lambda: any((c / "evaluator.pid").exists() for c in holder.copies()), 30)
    pid = int(next(c / "evaluator.pid" for c in holder.copies()).read_text())
    for proxy in holder.proxies:
        proxy.stall()
    start = time.monotonic()
    # The first signal lets a run finish, but this run lost its job with the network: it is killed
    # and the worker leaves.
    assert holder.stop(timeout=30) == 0, holder.log()
    holding_exit = time.monotonic() - start
    assert holder.copies() == []
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    print(f"\n[stall] SIGTERM during a stall: idle worker gone in {idle_exit:.1f}s, "
          f"worker holding a job gone in {holding_exit:.1f}s")

    # Nothing lost: another machine takes the job over and completes it once.
    for proxy in holder.proxies:
        proxy.resume()
    p.cli.ok("submissions:cancel", sid)
    assert wait_status(p, sid, ("canceled",), timeout=30) == "canceled"


def test_a_killed_workers_copy_is_removed_by_the_next_worker_to_start(pool):
    p = pool
    first = p.make_worker("machine-a")
    sid = submit(p, seconds=60)
    wait_until("machine-a runs the job", lambda: running_on(p, sid, "machine-a"), 60)
    wait_until("a copy on machine-a", lambda: first.copies(), 30)
    first.proc.kill()
    first.proc.wait()
    assert first.copies() != []  # kill -9: nothing could clean up

    second = p.make_worker("machine-a")  # same machine, same ZR_WORKER_DIR
    wait_until("the leftover copy removed", lambda: all(c.parent.parent.name != str(first.proc.pid)
                                                        for c in second.copies()), 30)
    assert "removed 1 copies left by ended workers" in second.log(), second.log()
    # The job, handed over, runs again on the new worker; cancel ends it and its copy.
    wait_until("machine-a runs the job again", lambda: running_on(p, sid, "machine-a") and
               job(p, sid)["worker"].split(":")[1] == str(second.proc.pid), 60)
    p.cli.ok("submissions:cancel", sid)
    assert wait_status(p, sid, ("canceled",), timeout=30) == "canceled"
    wait_until("no copy after the cancel", lambda: second.copies() == [], 30)


def test_evaluation_resumes_within_seconds_of_a_broker_restart(pool, rabbitmq):
    p = pool
    worker = p.make_worker("machine-b")
    first = submit(p)
    assert wait_status(p, first, ("completed", "failed")) == "completed", worker.log()
    rabbitmq.restart()  # returns once the broker accepts logins again
    back_at = time.monotonic()
    second = submit(p)
    assert wait_status(p, second, ("completed", "failed"), timeout=60) == "completed", worker.log()
    resumed = time.monotonic() - back_at
    completed_once(p, second)
    assert worker.proc.poll() is None, worker.log()
    print(f"\n[restart] a job queued once the broker accepts logins again completed {resumed:.1f}s later")
    assert resumed < 30, f"{resumed:.1f}s"
