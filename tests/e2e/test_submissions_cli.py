"""The submission admin commands: submissions:list, submissions:set, submissions:create."""
import json
import re

import pytest

from cli_helpers import Cli, legacy_copy, parse_table
from zips import files_under, good_zip, md5, zip_slip

COLUMNS = ["id", "user_id", "username", "track_id", "track", "submit_date", "status", "failure", "reason"]
LEGACY_ID = "202611-2605-4949-1c2f57b6-ac9a-4442-a6f9-35da55b364fc"


@pytest.fixture
def cli(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    cli = Cli(data)
    cli.ok("users:list")  # creates the database
    for i, name in enumerate(["ann", "ben"], start=1):
        cli.execute("INSERT INTO users_credentials (id, username, email, active, verified, hashed_pswd, salt) "
                    "VALUES (?, ?, ?, 1, 'True', ?, ?)", (i, name, f"{name}@x.org", b"\0" * 32, b"\1" * 32))
    for i, (label, active) in enumerate([("track-a", 1), ("track-b", 0)], start=1):
        cli.execute("INSERT INTO challenges (id, label, start_date, end_date, active, url, evaluator) "
                    "VALUES (?, ?, '2020-01-01', NULL, ?, 'https://x.org', NULL)", (i, label, active))
    return cli


@pytest.fixture
def archive(tmp_path):
    data, files = good_zip()
    path = tmp_path / "sub.zip"
    path.write_bytes(data)
    return path, data, files


def create(cli, challenge, user, path):
    rows = json.loads(cli.ok("submissions:create", str(challenge), str(user), str(path), "--json"))
    assert len(rows) == 1 and list(rows[0]) == COLUMNS, rows
    return rows[0]


def test_create_from_a_local_archive(cli, archive):
    path, data, files = archive
    row = create(cli, 2, 1, path)  # an inactive challenge is fine for an admin
    assert (row["user_id"], row["username"], row["track_id"], row["track"], row["status"]) == (
        1, "ann", 2, "track-b", "uploaded")
    sid = row["id"]
    assert re.match(r"^\d{6}-\d{4}-\d{4}-[0-9a-f-]{36}$", sid)
    folder = cli.data_dir / "submissions" / sid
    assert files_under(folder / "input") == files
    assert md5((folder / "input.zip").read_bytes()) == md5(data)
    assert (folder / "archive.hash").read_text() == md5(data)
    assert json.loads((folder / "info.json").read_text()) == {"user": "ann", "track": "track-b", "submission_id": sid}
    assert not (folder / "upload.lock").exists()
    assert cli.query("SELECT status FROM challenge_submissions WHERE id = ?", (sid,)) == [{"status": "uploaded"}]
    assert path.read_bytes() == data  # the admin's file is copied, not moved
    table = parse_table(cli.ok("submissions:create", "1", "2", str(path)))
    assert [(r["username"], r["track"], r["status"]) for r in table] == [("ben", "track-a", "uploaded")]


def test_create_with_a_hostile_archive_ends_invalid(cli, tmp_path):
    path = tmp_path / "slip.zip"
    path.write_bytes(zip_slip())
    result = cli.run("submissions:create", "1", "1", str(path), "--json")
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)[0]
    assert row["status"] == "invalid"
    log = (cli.data_dir / "submissions" / row["id"] / "out.log").read_text()
    assert ".." in log
    assert not (cli.data_dir / "submissions" / "zr_slip_x").exists()


def test_create_errors(cli, archive, tmp_path):
    path, _, _ = archive
    before = cli.tables()
    assert "no user with id 9" in cli.fails("submissions:create", "1", "9", str(path))
    assert "9" in cli.fails("submissions:create", "9", "1", str(path))
    missing = tmp_path / "missing.zip"
    assert str(missing) in cli.fails("submissions:create", "1", "1", str(missing))
    assert cli.tables() == before
    usage = cli.run("submissions:create", "1")
    assert usage.returncode == 2 and "USER_ID is required" in usage.stderr, usage.stderr


def test_list_and_filters(cli, archive):
    path, _, _ = archive
    a = create(cli, 1, 1, path)["id"]
    b = create(cli, 2, 1, path)["id"]
    c = create(cli, 1, 2, path)["id"]
    cli.ok("submissions:set", c, "completed")

    table = parse_table(cli.ok("submissions:list"))
    assert [r["id"] for r in table] == [a, b, c]
    assert list(table[0]) == COLUMNS
    listed = json.loads(cli.ok("submissions:list", "--json"))
    assert [r["id"] for r in listed] == [a, b, c]
    assert listed[2]["status"] == "completed" and listed[2]["username"] == "ben"

    def ids(*args):
        return [r["id"] for r in json.loads(cli.ok("submissions:list", "--json", *args))]

    assert ids("-u", "1") == ids("--user", "ann") == [a, b]
    assert ids("-t", "1") == ids("--track", "track-a") == [a, c]
    assert ids("-s", "completed") == [c]
    assert ids("-u", "ann", "-t", "track-b", "-s", "uploaded") == [b]
    assert ids("-s", "failed") == []
    assert cli.ok("submissions:list", "-s", "failed").splitlines()[0].split() == COLUMNS


def test_list_errors(cli):
    assert "nobody" in cli.fails("submissions:list", "-u", "nobody")
    assert "no user with id 42" in cli.fails("submissions:list", "-u", "42")
    assert "no-such-track" in cli.fails("submissions:list", "-t", "no-such-track")
    assert "42" in cli.fails("submissions:list", "-t", "42")
    assert "sleeping" in cli.fails("submissions:list", "-s", "sleeping")


def test_set_forces_any_status(cli, archive):
    path, _, _ = archive
    sid = create(cli, 1, 1, path)["id"]
    for status in ("completed", "uploading", "on_queue", "failed", "uploaded"):
        row = json.loads(cli.ok("submissions:set", sid, status, "--json"))[0]
        assert (row["id"], row["status"]) == (sid, status)
        assert cli.query("SELECT status FROM challenge_submissions WHERE id = ?", (sid,)) == [{"status": status}]
    log = (cli.data_dir / "submissions" / sid / "out.log").read_text()
    for status in ("completed", "on_queue", "failed"):
        assert status in log
    # A failure set by hand over no evaluation: listed as the platform's (nothing of the user's ran).
    row = json.loads(cli.ok("submissions:set", sid, "failed", "--json"))[0]
    assert row["failure"] == "platform" and "no evaluation job" in row["reason"]
    table = parse_table(cli.ok("submissions:set", sid, "invalid"))
    assert table[0]["status"] == "invalid"


def test_set_errors(cli, archive):
    path, _, _ = archive
    sid = create(cli, 1, 1, path)["id"]
    before = cli.tables()
    assert "sleeping" in cli.fails("submissions:set", sid, "sleeping")
    cli.fails("submissions:set", "202101-0101-0101-00000000-0000-4000-8000-000000000000", "failed")
    cli.fails("submissions:set", "../../etc", "failed")
    assert cli.tables() == before


def test_help_lists_the_commands(cli):
    out = cli.ok("--help")
    section = out.split("\nsubmissions:\n", 1)[1].split("\n\n", 1)[0]
    assert [line.split()[0] for line in section.splitlines()] == [
        "submissions:list", "submissions:set", "submissions:create", "submissions:evaluate",
        "submissions:cancel", "submissions:scores", "submissions:publish", "submissions:exclude",
        "submissions:include"]


def test_legacy_submission_is_listed(tmp_path):
    data, env = legacy_copy(tmp_path)
    cli = Cli(data, env)
    rows = json.loads(cli.ok("submissions:list", "--json"))
    assert rows == [{"id": LEGACY_ID, "user_id": 1, "username": "alice", "track_id": 3, "track": "open-track",
                     "submit_date": "2026-11-26 05:49:49.698944", "status": "uploaded", "failure": None,
                     "reason": None}]
    assert json.loads(cli.ok("submissions:list", "--json", "-u", "alice", "-t", "open-track")) == rows
