"""The sbatch executor for real (issue 4): a private single-node Slurm cluster (slurm.py), the
server's local worker submits `sbatch --wait` jobs; the Slurm log lands in the submission folder,
the job's exit status decides completed / failed."""
import pytest

from evaluation_env import EvalServer
from slurm import slurm  # noqa: F401  (fixture)


@pytest.fixture
def slurm_eval(slurm, servers, tmp_path, make_user):  # noqa: F811
    es = EvalServer(servers, tmp_path, make_user, extra_env=slurm.env())
    with open(es.bin_dir / "index.yml", "a") as index:
        index.write("  slurm-good:\n    executor: sbatch\n    script_path: good.sh\n"
                    "  slurm-fail:\n    executor: sbatch\n    script_path: fail.sh\n")
    es.cli.ok("evaluator:discover", "--local", env=slurm.env())
    es.evaluators = {r["label"]: r["id"] for r in es.cli.query("SELECT id, label FROM evaluators")}
    return es


def test_sbatch_job_completes_with_its_slurm_log(slurm_eval):
    es = slurm_eval
    es.use("slurm-good")
    sid = es.submit(score=0.25, model="slurm")
    assert es.wait_status(sid, ("completed", "failed"), timeout=120) == "completed", "\n".join(es.log(sid))
    folder = es.folder(sid)
    logs = list(folder.glob("slurm-*.log"))
    assert len(logs) == 1, list(folder.iterdir())
    assert "score 0.25 written" in logs[0].read_text()
    assert "Submitted batch job" in "\n".join(es.log(sid))
    assert es.submitter.get(f"/users/submissions/{sid}/scores").status_code == 200
    assert (folder / "scores" / "entry.json").read_text().strip() == '{"model": "slurm", "score": 0.25}'


def test_failing_sbatch_job_fails_the_submission(slurm_eval):
    es = slurm_eval
    es.use("slurm-fail")
    sid = es.submit()
    assert es.wait_status(sid, ("completed", "failed"), timeout=120) == "failed"
    job = es.job(sid)
    assert job["state"] == "failed" and job["exit_code"] == 1, job
    [log] = es.folder(sid).glob("slurm-*.log")
    assert "bad input" in log.read_text()
