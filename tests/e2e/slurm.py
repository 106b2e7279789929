"""A private single-node Slurm cluster for the sbatch executor tests.

Debian's slurm-wlm runs here with auth/none and cred/none: slurmctld and slurmd in the foreground
(-D) with their own configuration, state, spool and log folders under a temporary folder, and
ports picked free on 127.0.0.1. `env()` gives SLURM_CONF for the processes that call sbatch.
"""
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SlurmCluster:
    def __init__(self, root):
        self.root = Path(root)
        self.conf = self.root / "slurm.conf"
        self.processes = []

    def env(self):
        return {"SLURM_CONF": str(self.conf)}

    def _write_conf(self):
        node = socket.gethostname()
        for sub in ("state", "spool", "log"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.conf.write_text(f"""ClusterName=zrtest
SlurmctldHost={node}(127.0.0.1)
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
AuthType=auth/none
CredType=cred/none
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation={self.root}/state
SlurmdSpoolDir={self.root}/spool
SlurmctldPidFile={self.root}/slurmctld.pid
SlurmdPidFile={self.root}/slurmd.pid
SlurmctldLogFile={self.root}/log/slurmctld.log
SlurmdLogFile={self.root}/log/slurmd.log
SlurmUser=root
SlurmdUser=root
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName={node} NodeAddr=127.0.0.1 CPUs={os.cpu_count() or 1} State=UNKNOWN
PartitionName=debug Nodes={node} Default=YES MaxTime=INFINITE State=UP
""")

    def start(self, timeout=60):
        self._write_conf()
        env = dict(os.environ, **self.env())
        for daemon in ("/usr/sbin/slurmctld", "/usr/sbin/slurmd"):
            args = [daemon, "-D", "-f", str(self.conf)] + (["-i"] if daemon.endswith("ctld") else [])
            self.processes.append(subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                                                   stderr=subprocess.DEVNULL, start_new_session=True))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = subprocess.run(["sinfo", "-h", "-o", "%t"], env=env, capture_output=True, text=True)
            if state.returncode == 0 and state.stdout.strip() == "idle":
                return self
            time.sleep(0.5)
        self.stop()
        raise RuntimeError("the private Slurm cluster did not become idle:\n" + self.logs())

    def logs(self):
        return "\n".join(p.read_text(errors="replace")[-2000:] for p in (self.root / "log").glob("*.log"))

    def stop(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        self.processes = []


@pytest.fixture(scope="session")
def slurm(tmp_path_factory):
    if not shutil.which("sbatch"):
        pytest.fail("slurm-wlm is not installed (scripts/setup.sh --test installs it)")
    cluster = SlurmCluster(tmp_path_factory.mktemp("slurm")).start()
    yield cluster
    cluster.stop()
