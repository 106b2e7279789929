"""The HTML pages in headless Chromium (tests/browser/signup_flow.mjs, playwright-core from npm)."""
import hashlib
import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from conftest import REPO, login

BROWSER_DIR = REPO / "tests" / "browser"
CHROMIUM = Path("/usr/bin/chromium")


def browser_prerequisites():
    """node, Chromium and playwright-core; a missing tool fails the test, as the RabbitMQ and
    Slurm fixtures do (scripts/setup.sh --test installs them all)."""
    node = shutil.which("node")
    if not node:
        pytest.fail("node is not installed (scripts/setup.sh --test installs the nodejs package)")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is not installed (scripts/setup.sh --test installs the chromium package)")
    if not (BROWSER_DIR / "node_modules" / "playwright-core").exists():
        npm = shutil.which("npm")
        if not npm:
            pytest.fail("npm is not installed, needed for playwright-core "
                        "(scripts/setup.sh --test installs the npm package)")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=BROWSER_DIR, check=True,
                       capture_output=True, timeout=300)
    return node


def test_signup_verify_and_reset_in_chromium(server, smtp, tmp_path):
    node = browser_prerequisites()
    out_dir = Path(tmp_path / "screenshots")
    keep = REPO / "build-e2e-screenshots"
    proc = subprocess.Popen([node, str(BROWSER_DIR / "signup_flow.mjs"), server.base_url,
                             str(out_dir)], cwd=BROWSER_DIR, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    result, transcript = None, []
    try:
        for line in proc.stdout:
            transcript.append(line.rstrip())
            if line.startswith("MAIL "):
                link = smtp.wait_for(line.split(" ", 1)[1].strip()).first_url
                proc.stdin.write(link + "\n")
                proc.stdin.flush()
            elif line.startswith("RESULT "):
                result = json.loads(line[len("RESULT "):])
        code = proc.wait(30)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
    stderr = proc.stderr.read()
    if out_dir.exists():  # keep the pictures where a person can look at them
        shutil.rmtree(keep, ignore_errors=True)
        shutil.copytree(out_dir, keep)
    assert result is not None, f"no result from the browser script:\n{transcript}\n{stderr}"
    assert code == 0, f"browser flow failed: {result.get('error')}\n{stderr[-2000:]}"
    assert result["steps"] == ["signup", "verified", "reset-requested", "password-updated"]
    assert result["signupTitle"], "the sign-up page has no title"
    assert result["signupStylesheetLoaded"], "the sign-up page's stylesheet did not load"
    assert len(result["screenshots"]) >= 6
    # The pages and /docs work under their Content-Security-Policy: Chromium reports each thing
    # the policy refused as a console error ("Refused to ... Content Security Policy ...").
    refused = [e for e in result["consoleErrors"] if "Content Security Policy" in e]
    assert not refused, refused

    user = result["user"]
    row = server.user_row(user["username"])
    assert row["verified"] == "True"
    assert row["email"] == user["email"]
    assert row["hashed_pswd"] == hashlib.pbkdf2_hmac(
        "sha256", user["new_password"].encode(), row["salt"], 100_000, 32)
    assert not server.query("SELECT * FROM password_reset_users WHERE user_id = ?", (row["id"],))
    token = login(server, user["username"], user["new_password"])
    profile = server.get("/users/profile", headers={"Authorization": f"Bearer {token}"}).json()
    assert profile["affiliation"] == user["affiliation"]
    assert profile["first_name"] == user["first_name"]
