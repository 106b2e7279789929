"""Evaluator registration through the admin command line (issue 4): evaluator:discover (this host
from a temporary bin folder, a remote host through a fake `ssh`), evaluator:list, evaluator:hosts,
and attaching an evaluator to a challenge with challenges:set."""
import json
import os
from pathlib import Path

import pytest

from cli_helpers import Cli, parse_table

HOST = "e2ehost"


def write(path, text, executable=False):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if executable:
        path.chmod(0o755)


class Evaluators:
    """A data folder, a bin folder for HOST with scripts, and a folder of fake programs first on
    PATH."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.data = tmp_path / "data"
        self.data.mkdir()
        self.bin = tmp_path / "bin"
        write(self.bin / "score.sh", "#!/bin/bash\necho scoring \"$1\"\n", executable=True)
        write(self.bin / "abx" / "eval.py", "print('abx')\n")
        self.fake = tmp_path / "fakebin"
        self.fake.mkdir()
        self.env = {
            "ZR_HOSTNAME": HOST,
            "ZR_REMOTE_BIN": json.dumps({HOST: str(self.bin), "gpu1": "/srv/zr/bin"}),
            "ZR_HOSTS": json.dumps(["gpu1", "gpu2"]),
            "ZR_REMOTE_STORAGE": json.dumps({"gpu1": "/srv/zr/storage"}),
            "PATH": f"{self.fake}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        }
        self.cli = Cli(self.data, self.env)

    def index(self, text):
        write(self.bin / "index.yml", text)

    def fake_program(self, name, body):
        write(self.fake / name, "#!/bin/sh\n" + body + "\n", executable=True)

    def rows(self):
        return self.cli.query("SELECT id, label, host, executor, script_path, base_arguments "
                              "FROM evaluators ORDER BY id")


INDEX = """
evaluators:
  zr-score:
    executor: bash
    script_path: score.sh
    base_arguments: ["-e", "-u"]
  zr-abx:
    executor: python
    script_path: abx/eval.py
"""


@pytest.fixture
def ev(tmp_path):
    return Evaluators(tmp_path)


def discover(ev, *args):
    """Runs evaluator:discover; returns the table's rows and the summary line."""
    out = ev.cli.ok("evaluator:discover", *args)
    table, summary = out.rstrip("\n").rsplit("\n", 1)
    return parse_table(table), summary


def test_discover_local_then_list(ev):
    ev.index(INDEX)
    rows, summary = discover(ev, "--local")
    assert summary == "2 added, 0 updated, 0 unchanged"
    assert [(r["result"], r["id"], r["label"], r["host"]) for r in rows] == [
        ("added", "1", "zr-score", "(this host)"), ("added", "2", "zr-abx", "(this host)")]
    assert ev.rows() == [
        {"id": 1, "label": "zr-score", "host": None, "executor": "bash",
         "script_path": str(ev.bin / "score.sh"), "base_arguments": "-e;-u"},
        {"id": 2, "label": "zr-abx", "host": None, "executor": "python",
         "script_path": str(ev.bin / "abx" / "eval.py"), "base_arguments": ""},
    ]

    table = parse_table(ev.cli.ok("evaluator:list"))
    assert table == [
        {"id": "1", "label": "zr-score", "host": "(this host)", "executor": "bash",
         "script_path": str(ev.bin / "score.sh"), "base_arguments": "-e -u"},
        {"id": "2", "label": "zr-abx", "host": "(this host)", "executor": "python",
         "script_path": str(ev.bin / "abx" / "eval.py"), "base_arguments": ""},
    ]
    listed = json.loads(ev.cli.ok("evaluator:list", "--json"))
    assert listed[0] == {"id": 1, "label": "zr-score", "host": None, "executor": "bash",
                         "script_path": str(ev.bin / "score.sh"), "base_arguments": ["-e", "-u"]}
    assert listed[1]["base_arguments"] == []


def test_rediscover_reports_updated_and_unchanged(ev):
    ev.index(INDEX)
    discover(ev, "--local")
    rows, summary = discover(ev, "--local")
    assert summary == "0 added, 0 updated, 2 unchanged"
    assert [r["result"] for r in rows] == ["unchanged", "unchanged"]

    ev.index(INDEX.replace('["-e", "-u"]', '["-x"]') +
             "  zr-new:\n    executor: bash\n    script_path: score.sh\n")
    out = json.loads(ev.cli.ok("evaluator:discover", "--local", "--json"))
    assert [(r["result"], r["id"], r["label"]) for r in out] == [
        ("added", 3, "zr-new"), ("updated", 1, "zr-score"), ("unchanged", 2, "zr-abx")]
    assert out[1]["base_arguments"] == ["-x"]
    assert ev.rows()[0]["base_arguments"] == "-x"
    # This host named explicitly is the same as --local.
    _, summary = discover(ev, HOST)
    assert summary == "0 added, 0 updated, 3 unchanged"


def test_discover_local_with_this_hosts_name(ev):
    """`--local HOST`, the first implementation's syntax (HOST always given), works when HOST is
    this host (ZR_HOSTNAME) and reads the same bin folder as `--local`; any other host is refused."""
    ev.index(INDEX)
    rows, summary = discover(ev, "--local", HOST)
    assert summary == "2 added, 0 updated, 0 unchanged"
    assert [(r["result"], r["label"], r["host"]) for r in rows] == [
        ("added", "zr-score", "(this host)"), ("added", "zr-abx", "(this host)")]
    registered = ev.rows()
    assert [r["host"] for r in registered] == [None, None]
    _, summary = discover(ev, "--local")
    assert summary == "0 added, 0 updated, 2 unchanged"
    assert json.loads(ev.cli.ok("evaluator:discover", HOST, "--local", "--json")) == \
        json.loads(ev.cli.ok("evaluator:discover", "--local", "--json"))
    assert ev.rows() == registered

    for other in ("gpu1", "other-host"):
        result = ev.cli.run("evaluator:discover", "--local", other)
        assert result.returncode == 1, result
        assert result.stderr == (f"zr: --local reads this host ({HOST}), not '{other}': "
                                 f"drop --local to read {other} over ssh\n")
        assert result.stdout == ""
    assert ev.rows() == registered

    help_text = ev.cli.ok("evaluator:discover", "--help")
    assert "'--local HOST' is accepted when HOST is this host" in help_text, help_text


def test_hosts(ev):
    hosts = json.loads(ev.cli.ok("evaluator:hosts", "--json"))
    assert hosts == [
        {"host": "gpu1", "bin_dir": "/srv/zr/bin", "storage_dir": "/srv/zr/storage", "local": False,
         "machines": None},
        {"host": "gpu2", "bin_dir": None, "storage_dir": None, "local": False, "machines": None},
        {"host": HOST, "bin_dir": str(ev.bin), "storage_dir": None, "local": True, "machines": None},
    ]
    pools = {"ZR_POOLS": json.dumps({"gpus": ["gpu1", "gpu2"]})}
    hosts = json.loads(ev.cli.ok("evaluator:hosts", "--json", env=pools))
    assert hosts[-1] == {"host": "gpus", "bin_dir": None, "storage_dir": None, "local": False,
                         "machines": ["gpu1", "gpu2"]}
    table = parse_table(ev.cli.ok("evaluator:hosts"))
    assert [(r["host"], r["local"]) for r in table] == [("gpu1", "no"), ("gpu2", "no"), (HOST, "yes")]


def test_challenge_evaluator_known_unknown_and_null(ev, tmp_path):
    ev.index(INDEX)
    discover(ev, "--local")
    challenges = tmp_path / "challenges.json"
    challenges.write_text(json.dumps([{"label": "zr-test", "start_date": "2024-01-01", "end_date": None,
                                       "url": "https://zerospeech.com/t", "active": True,
                                       "evaluator": None}]))
    ev.cli.ok("challenges:new", "-f", str(challenges))
    (challenge_id,) = [r["id"] for r in ev.cli.query("SELECT id FROM challenges WHERE label = 'zr-test'")]

    ev.cli.ok("challenges:set", str(challenge_id), "evaluator", "2")
    assert ev.cli.query("SELECT evaluator FROM challenges WHERE id = ?", (challenge_id,)) == [{"evaluator": 2}]

    line = ev.cli.fails("challenges:set", str(challenge_id), "evaluator", "99")
    assert line == "zr: There is no evaluator with the following id: 99"
    assert ev.cli.query("SELECT evaluator FROM challenges WHERE id = ?", (challenge_id,)) == [{"evaluator": 2}]

    ev.cli.ok("challenges:set", str(challenge_id), "evaluator", "null")
    assert ev.cli.query("SELECT evaluator FROM challenges WHERE id = ?", (challenge_id,)) == [{"evaluator": None}]


def test_bad_index_names_the_entries_and_registers_nothing(ev):
    ev.index(INDEX + "  broken:\n    executor: perl\n  no-exec:\n    script_path: score.sh\n")
    result = ev.cli.run("evaluator:discover", "--local")
    assert result.returncode == 1, result
    line = ev.cli.fails("evaluator:discover", "--local")
    assert line.startswith(f"zr: {ev.bin / 'index.yml'}: "), line
    assert "evaluator 'broken': unknown executor 'perl'" in line
    assert "evaluator 'broken': missing script_path" in line
    assert "evaluator 'no-exec': missing executor" in line
    assert ev.rows() == []

    ev.index("evaluators: [not, a, mapping]\n")
    assert "expected a mapping 'evaluators:" in ev.cli.fails("evaluator:discover", "--local")


def test_script_outside_the_bin_folder_is_refused(ev):
    write(ev.tmp / "elsewhere" / "evil.sh", "#!/bin/sh\n", executable=True)
    (ev.bin / "link.sh").symlink_to(ev.tmp / "elsewhere" / "evil.sh")
    ev.index("evaluators:\n  sneaky:\n    executor: bash\n    script_path: link.sh\n")
    line = ev.cli.fails("evaluator:discover", "--local")
    assert "evaluator 'sneaky': script_path" in line and "is outside the bin folder" in line, line
    assert ev.rows() == []


def test_docker_and_sbatch_refused_when_missing(ev):
    ev.index("evaluators:\n  dk:\n    executor: docker\n    script_path: score.sh\n"
             "    base_arguments: [python:3.11]\n")
    ev.fake_program("docker", "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
                              "Is the docker daemon running?' >&2; exit 1")
    line = ev.cli.fails("evaluator:discover", "--local")
    assert ("evaluator 'dk': executor docker refused: no Docker engine answers on this host "
            "('docker info' failed: Cannot connect to the Docker daemon") in line, line

    ev.index("evaluators:\n  slurm:\n    executor: sbatch\n    script_path: score.sh\n")
    ev.fake_program("sbatch", "exit 0")
    discover(ev, "--local")  # found on PATH
    (ev.fake / "sbatch").unlink()
    line = ev.cli.fails("evaluator:discover", "--local", env={"PATH": f"{ev.fake}:/nonexistent"})
    assert "evaluator 'slurm': executor sbatch refused: sbatch is not on PATH" in line, line


def test_remote_discovery_over_ssh(ev):
    calls = ev.tmp / "ssh_calls"
    remote_index = ev.tmp / "remote_index.yml"
    write(remote_index, "evaluators:\n  gpu-abx:\n    executor: python\n    script_path: abx.py\n"
                        "    base_arguments: [-OO]\n")
    ev.fake_program("ssh", f'for a in "$@"; do printf "%s|" "$a"; done >> {calls}; echo >> {calls}\n'
                           f'cat {remote_index}')
    rows, summary = discover(ev, "gpu1")
    assert summary == "1 added, 0 updated, 0 unchanged"
    assert calls.read_text() == "-o|BatchMode=yes|-o|ConnectTimeout=10|gpu1|cat|/srv/zr/bin/index.yml|\n"
    assert ev.rows() == [{"id": 1, "label": "gpu-abx", "host": "gpu1", "executor": "python",
                          "script_path": "/srv/zr/bin/abx.py", "base_arguments": "-OO"}]
    assert parse_table(ev.cli.ok("evaluator:list"))[0]["host"] == "gpu1"

    ev.fake_program("ssh", "echo 'ssh: Could not resolve hostname gpu1' >&2; exit 255")
    line = ev.cli.fails("evaluator:discover", "gpu1")
    assert line == "zr: cannot read gpu1:/srv/zr/bin/index.yml over ssh: ssh: Could not resolve hostname gpu1"


def test_pool_discovery_reads_every_machine_and_registers_the_pool(ev):
    """An evaluator served by a pool (issue 21): `evaluator:discover POOL` reads index.yml on each of
    the pool's machines (over ssh; this host's locally), refuses machines that disagree, and
    registers the evaluators for the pool, whose workers (ZR_EVAL_POOL) take its jobs."""
    calls = ev.tmp / "ssh_calls"
    indexes = ev.tmp / "indexes"
    same = "evaluators:\n  pool-abx:\n    executor: bash\n    script_path: abx.sh\n    version: '2'\n"
    write(indexes / "gpu1", same)
    write(indexes / "gpu2", same)
    # The fake ssh answers with the index of the machine it is asked to reach (argument 5).
    ev.fake_program("ssh", f'printf "%s\\n" "$5" >> {calls}; cat {indexes}/"$5"')
    env = {"ZR_POOLS": json.dumps({"gpus": ["gpu1", "gpu2"]}),
           "ZR_REMOTE_BIN": json.dumps({HOST: str(ev.bin), "gpus": "/srv/pool/bin"})}
    out = ev.cli.ok("evaluator:discover", "gpus", env=env)
    assert out.rstrip("\n").rsplit("\n", 1)[1] == "1 added, 0 updated, 0 unchanged", out
    assert calls.read_text() == "gpu1\ngpu2\n"
    assert ev.rows() == [{"id": 1, "label": "pool-abx", "host": "gpus", "executor": "bash",
                          "script_path": "/srv/pool/bin/abx.sh", "base_arguments": ""}]

    # One machine lacks the evaluator, or runs another version: refused, nothing changed.
    write(indexes / "gpu2", "evaluators:\n  other:\n    executor: bash\n    script_path: o.sh\n")
    line = ev.cli.fails("evaluator:discover", "gpus", env=env)
    assert line == ("zr: pool gpus: gpu2:/srv/pool/bin/index.yml differs from gpu1:/srv/pool/bin/index.yml: "
                    "evaluator 'pool-abx' is missing"), line
    write(indexes / "gpu2", same.replace("'2'", "'3'"))
    line = ev.cli.fails("evaluator:discover", "gpus", env=env)
    assert "evaluator 'pool-abx' has another executor, script_path, base_arguments or version" in line, line
    assert len(ev.rows()) == 1

    # A pool without a bin folder.
    line = ev.cli.fails("evaluator:discover", "gpus", env={**env, "ZR_REMOTE_BIN": "{}"})
    assert line.startswith("zr: no bin folder for pool gpus: set ZR_REMOTE_BIN"), line
    # A malformed ZR_POOLS is a settings error naming the variable.
    line = ev.cli.fails("evaluator:list", env={"ZR_POOLS": '{"gpus": []}'})
    assert "ZR_POOLS" in line, line


def test_host_errors(ev):
    assert ev.cli.fails("evaluator:discover", "gpu2") == "zr: no bin folder for host gpu2: set ZR_REMOTE_BIN"
    assert ev.cli.fails("evaluator:discover", "nowhere") == \
        "zr: unknown host 'nowhere': not in ZR_HOSTS or ZR_REMOTE_BIN"
    line = ev.cli.fails("evaluator:discover", "--local", env={"ZR_REMOTE_BIN": "{}"})
    assert line == f"zr: no bin folder for host {HOST}: set ZR_REMOTE_BIN"
    assert ev.cli.fails("evaluator:discover") == "zr: give HOST or --local"
    # No index.yml in the bin folder.
    assert f"cannot read {ev.bin / 'index.yml'}" in ev.cli.fails("evaluator:discover", "--local")
