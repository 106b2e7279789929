"""Black-box tests of the admin command line (`zr <group>:<command>`, spec cli.md), against a fresh
data folder and against a copy of the first implementation's data folder."""
import json
import os
import pty
import re
import select
import subprocess
import time
from datetime import datetime, timedelta

import pytest

from cli_helpers import Cli, legacy_copy, parse_table
from conftest import zr_binary

LEGACY_USERS = [
    {"id": 1, "username": "alice", "email": "alice@example.org", "active": True, "verified": True},
    {"id": 2, "username": "bob", "email": "bob@example.org", "active": True, "verified": False},
    {"id": 3, "username": "carol", "email": "carol@example.org", "active": False, "verified": True},
]


@pytest.fixture
def fresh(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    return Cli(data)


@pytest.fixture
def legacy_raw(tmp_path):
    """A copy of the legacy folder, as the first implementation left it."""
    data, env = legacy_copy(tmp_path)
    return Cli(data, env)


@pytest.fixture
def legacy(legacy_raw):
    """The same, once opened (and so migrated) by zr, so that table snapshots compare like with like."""
    legacy_raw.ok("users:list")
    return legacy_raw


def write_json(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(json.dumps(content))
    return str(path)


def future(delta=timedelta(days=2)):
    return (datetime.now() + delta).strftime("%Y-%m-%d %H:%M:%S.%f")


# ------------------------------------------------------------------------------------------------
# The program
# ------------------------------------------------------------------------------------------------
def test_help_lists_commands_by_group(fresh):
    out = fresh.ok("--help")
    for group, commands in {
        "users": ["users:list", "users:logged", "users:create", "users:verify", "users:status",
                  "users:password"],
        "challenges": ["challenges:list", "challenges:new", "challenges:set"],
        "check": ["check:settings"],
        "serve": ["serve"],
    }.items():
        section = out.split(f"\n{group}:\n", 1)
        assert len(section) == 2, f"no '{group}:' section in:\n{out}"
        body = section[1].split("\n\n", 1)[0]
        assert [line.split()[0] for line in body.splitlines()] == commands


def test_command_help_describes_one_command(fresh):
    out = fresh.ok("challenges:set", "--help")
    assert "Usage: zr challenges:set" in out
    for word in ("ID", "FIELD", "VALUE", "dd/mm/yyyy"):
        assert word in out
    assert "--close-all" in fresh.ok("users:logged", "--help")


def test_version(fresh):
    assert re.fullmatch(r"zr \d+\.\d+\.\d+\n", fresh.ok("--version"))


@pytest.mark.parametrize("args, reason", [
    (["nonsense"], "unknown command 'nonsense'"),
    (["users:list", "--bogus"], "--bogus"),
    (["users:verify"], "--verify"),
    (["users:status", "-a", "1", "-d", "2"], "users:status"),
    (["challenges:set", "3", "label"], "VALUE"),
    (["users:status", "-a", "abc"], "abc"),
])
def test_usage_errors_are_one_line_with_status_2(fresh, args, reason):
    line = fresh.fails(*args)
    assert reason in line
    assert fresh.run(*args).returncode == 2


# ------------------------------------------------------------------------------------------------
# users:list
# ------------------------------------------------------------------------------------------------
def test_users_list_on_a_fresh_folder_creates_the_database(fresh):
    assert parse_table(fresh.ok("users:list")) == []
    assert json.loads(fresh.ok("users:list", "--json")) == []
    assert fresh.query("SELECT COUNT(*) AS n FROM users_credentials") == [{"n": 0}]


def test_users_list_legacy_table_is_aligned(legacy_raw):
    out = legacy_raw.ok("users:list")
    assert out.splitlines()[0].split() == ["id", "username", "email", "active", "verified"]
    rows = parse_table(out)
    assert rows == [
        {"id": "1", "username": "alice", "email": "alice@example.org", "active": "yes", "verified": "yes"},
        {"id": "2", "username": "bob", "email": "bob@example.org", "active": "yes", "verified": "no"},
        {"id": "3", "username": "carol", "email": "carol@example.org", "active": "no", "verified": "yes"},
    ]


def test_users_list_legacy_json(legacy_raw):
    assert json.loads(legacy_raw.ok("users:list", "--json")) == LEGACY_USERS


def test_users_list_mail_list_is_active_and_verified_only(legacy):
    assert legacy.ok("users:list", "-m") == "alice alice@example.org\n"
    assert legacy.ok("users:list", "--mail-list") == "alice alice@example.org\n"
    assert json.loads(legacy.ok("users:list", "-m", "--json")) == [
        {"username": "alice", "email": "alice@example.org"}]


# ------------------------------------------------------------------------------------------------
# users:create
# ------------------------------------------------------------------------------------------------
# Passwords the password policy accepts (its own tests: test_password_policy.py).
STRONG = "Copper-8-Lantern"
NEW_USERS = [
    {"username": "dave", "email": "dave@example.org", "password": "Ledger-7-Quill",
     "first_name": "Dave", "last_name": "Doe", "affiliation": "ENS"},
    {"username": "erin", "email": "erin@example.org", "password": "Harbor-9-Kite",
     "first_name": "Erin", "last_name": "Roe", "affiliation": "INRIA"},
]


def test_users_create_from_file(fresh, tmp_path):
    out = fresh.ok("users:create", "-f", write_json(tmp_path, "users.json", NEW_USERS))
    assert "dave" in out and "erin" in out
    listed = json.loads(fresh.ok("users:list", "--json"))
    assert [(u["username"], u["email"], u["active"], u["verified"]) for u in listed] == [
        ("dave", "dave@example.org", True, False), ("erin", "erin@example.org", True, False)]
    rows = fresh.query("SELECT username, active, verified, length(hashed_pswd) AS h, length(salt) AS s "
                       "FROM users_credentials ORDER BY id")
    assert [(r["username"], r["active"], r["h"], r["s"]) for r in rows] == [("dave", 1, 32, 32), ("erin", 1, 32, 32)]
    assert all(r["verified"] not in ("True", "", None) for r in rows)  # a pending code
    profile = json.loads((fresh.data_dir / "user_data" / "dave.json").read_text())
    assert profile["first_name"] == "Dave" and profile["affiliation"] == "ENS"


def test_users_create_verified_flag(fresh, tmp_path):
    fresh.ok("users:create", "--verified", "-f", write_json(tmp_path, "u.json", NEW_USERS[:1]))
    assert fresh.query("SELECT verified FROM users_credentials") == [{"verified": "True"}]


def test_users_create_new_user_can_log_in(legacy, tmp_path, servers):
    legacy.ok("users:create", "--verified", "-f", write_json(tmp_path, "u.json", NEW_USERS[:1]))
    server = servers.start(data_dir=legacy.data_dir, extra_env=legacy.env)
    r = server.post("/auth/login", data={"username": "dave", "password": "Ledger-7-Quill"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("entries, reason", [
    ([{"username": "alice", "email": "new@example.org", "password": STRONG}], "alice"),
    ([{"username": "zed", "email": "bob@example.org", "password": STRONG}], "bob@example.org"),
    ([{"username": "zed", "email": "z1@example.org", "password": STRONG},
      {"username": "zed", "email": "z2@example.org", "password": STRONG}], "zed"),
    ([{"username": "zed", "email": "z1@example.org"}], "password"),
    ([{"username": "../zed", "email": "z1@example.org", "password": STRONG}], "username"),
    ([{"username": "zed", "email": "not-an-address", "password": STRONG}], "not-an-address"),
    ({"username": "zed"}, "list"),
])
def test_users_create_refuses_bad_files_and_creates_nobody(legacy, tmp_path, entries, reason):
    before = legacy.tables()
    line = legacy.fails("users:create", "-f", write_json(tmp_path, "bad.json", entries))
    assert reason in line
    assert legacy.tables() == before
    assert not (legacy.data_dir / "user_data" / "zed.json").exists()


def test_users_create_unreadable_file(fresh, tmp_path):
    assert "missing.json" in fresh.fails("users:create", "-f", str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("[{")
    assert "not valid JSON" in fresh.fails("users:create", "-f", str(bad))


def test_users_create_from_prompts(fresh):
    answers = "gina\ngina@example.org\nGina\nGee\nCoML\nMarble-4-Fjord\nMarble-4-Fjord\n"
    out = fresh.ok("users:create", "--verified", input=answers)
    assert "gina" in out
    assert "Marble-4-Fjord" not in out
    assert [u["username"] for u in json.loads(fresh.ok("users:list", "--json"))] == ["gina"]


def test_users_create_from_prompts_passwords_must_match(fresh):
    line = fresh.fails("users:create", input="gina\ngina@example.org\n\n\n\npass-one\npass-two\n")
    assert "differ" in line
    assert fresh.query("SELECT COUNT(*) AS n FROM users_credentials") == [{"n": 0}]


# ------------------------------------------------------------------------------------------------
# users:status, users:verify, users:logged
# ------------------------------------------------------------------------------------------------
def test_users_status_deactivate_and_activate(legacy):
    legacy.ok("users:status", "-d", "1")
    legacy.ok("users:status", "--activate", "3")
    assert legacy.query("SELECT id, active FROM users_credentials ORDER BY id") == [
        {"id": 1, "active": 0}, {"id": 2, "active": 1}, {"id": 3, "active": 1}]
    legacy.ok("users:status", "--deactivate-all")
    assert {r["active"] for r in legacy.query("SELECT active FROM users_credentials")} == {0}
    legacy.ok("users:status", "--activate-all")
    assert {r["active"] for r in legacy.query("SELECT active FROM users_credentials")} == {1}


def test_users_verify(legacy):
    legacy.ok("users:verify", "-v", "2")
    assert legacy.query("SELECT verified FROM users_credentials WHERE id = 2") == [{"verified": "True"}]
    assert [u["verified"] for u in json.loads(legacy.ok("users:list", "--json"))] == [True, True, True]


def test_users_verify_all(fresh, tmp_path):
    fresh.ok("users:create", "-f", write_json(tmp_path, "u.json", NEW_USERS))
    fresh.ok("users:verify", "--verify-all")
    assert {r["verified"] for r in fresh.query("SELECT verified FROM users_credentials")} == {"True"}


@pytest.mark.parametrize("args", [
    ["users:status", "-d", "42"], ["users:status", "-a", "42"], ["users:verify", "-v", "42"],
    ["users:verify", "-s", "42"], ["users:logged", "--close", "42"], ["users:password", "-r", "42"],
])
def test_unknown_user_id_is_a_one_line_error(legacy, args):
    before = legacy.tables()
    assert legacy.fails(*args) == "zr: no user with id 42"
    assert legacy.run(*args).returncode == 1
    assert legacy.tables() == before


def test_users_logged_lists_and_closes_sessions(legacy):
    legacy.execute("DELETE FROM logged_users")
    legacy.execute("INSERT INTO logged_users VALUES ('tok-bob', 2, ?)", (future(),))
    legacy.execute("INSERT INTO logged_users VALUES ('tok-carol', 3, ?)", (future(),))
    rows = parse_table(legacy.ok("users:logged"))
    assert [r["username"] for r in rows] == ["bob", "carol"]
    listed = json.loads(legacy.ok("users:logged", "--json"))
    assert [(s["id"], s["username"]) for s in listed] == [(2, "bob"), (3, "carol")]

    assert "1" in legacy.ok("users:logged", "--close", "2")
    assert legacy.query("SELECT user_id FROM logged_users") == [{"user_id": 3}]
    legacy.ok("users:logged", "--close-all")
    assert legacy.query("SELECT user_id FROM logged_users") == []
    assert parse_table(legacy.ok("users:logged")) == []


def test_users_logged_does_not_list_expired_sessions(legacy):
    legacy.execute("DELETE FROM logged_users")
    legacy.execute("INSERT INTO logged_users VALUES ('old', 2, ?)", (future(-timedelta(days=1)),))
    assert json.loads(legacy.ok("users:logged", "--json")) == []


# ------------------------------------------------------------------------------------------------
# Mail-sending commands (a real SMTP server on loopback)
# ------------------------------------------------------------------------------------------------
def mail_env(smtp):
    return {"ZR_MAIL_SERVER": "127.0.0.1", "ZR_MAIL_PORT": str(smtp.port),
            "ZR_API_BASE_URL": "http://zr.test"}


def test_users_verify_send_mails_a_verification_link(legacy, smtp):
    legacy.env.update(mail_env(smtp))
    smtp.mails_to("bob@example.org")  # earlier tests' mails to bob (the sink is shared)
    legacy.ok("users:verify", "-s", "2")
    mail = smtp.wait_for("bob@example.org")
    code = legacy.query("SELECT verified FROM users_credentials WHERE id = 2")[0]["verified"]
    assert code != "True"
    assert any(u.startswith("http://zr.test/page/email-verify?") and code in u for u in mail.urls), mail.text


def test_users_verify_send_all_mails_every_unverified_user(legacy, smtp, tmp_path):
    legacy.env.update(mail_env(smtp))
    users = [dict(u, email=u["username"] + "-all@example.org") for u in NEW_USERS]
    legacy.ok("users:create", "-f", write_json(tmp_path, "u.json", users))
    for user in users:  # consume the sign-up mails
        smtp.wait_for(user["email"])
    smtp.mails_to("bob@example.org")  # and any earlier test's mail to bob (the sink is shared)
    assert "3" in legacy.ok("users:verify", "--send-all")
    for address in ["bob@example.org"] + [u["email"] for u in users]:
        assert smtp.wait_for(address).urls
    smtp.assert_none_to("alice@example.org", wait=0.5)


def test_users_verify_send_to_a_verified_user_fails(legacy, smtp):
    legacy.env.update(mail_env(smtp))
    smtp.mails_to("alice@example.org")  # earlier tests' mails to alice (the sink is shared)
    assert "already verified" in legacy.fails("users:verify", "-s", "1")
    smtp.assert_none_to("alice@example.org", wait=0.5)


def test_users_password_reset_mails_the_link(legacy, smtp):
    legacy.env.update(mail_env(smtp))
    smtp.mails_to("alice@example.org")  # earlier tests' mails to alice (the sink is shared)
    out = legacy.ok("users:password", "-r", "1")
    link = out.strip().split()[-1]
    assert link.startswith("http://zr.test/"), out
    mail = smtp.wait_for("alice@example.org")
    assert link in mail.urls, mail.text
    tokens = [r["token"] for r in legacy.query("SELECT token FROM password_reset_users WHERE user_id = 1")]
    assert len(tokens) == 1 and tokens[0] in link


# ------------------------------------------------------------------------------------------------
# challenges
# ------------------------------------------------------------------------------------------------
LEGACY_FORMAT = [
    {"label": "zr2025", "start_date": "2025-01-01", "end_date": None,
     "url": "https://zerospeech.com/track/2025", "active": True, "evaluator": None},
    {"label": "zr2026", "start_date": "2026-01-01", "end_date": "2026-12-31",
     "url": "https://zerospeech.com/track/2026", "active": False, "evaluator": None},
]


def test_challenges_list_open_and_all(legacy):
    assert [c["label"] for c in parse_table(legacy.ok("challenges:list"))] == ["open-track"]
    rows = parse_table(legacy.ok("challenges:list", "-a"))
    assert [(c["id"], c["label"], c["end_date"]) for c in rows] == [
        ("1", "zr2015", "2015-04-30"), ("2", "zr2021", "2021-03-31"), ("3", "open-track", "-")]
    listed = json.loads(legacy.ok("challenges:list", "--include-all", "--json"))
    # auto_eval (schema version 7): existing challenges queue completed uploads by themselves
    assert listed[0] == {"id": 1, "label": "zr2015", "start_date": "2015-01-20", "end_date": "2015-04-30",
                         "active": False, "url": "https://zerospeech.com/track/2015", "evaluator": None,
                         "auto_eval": True}
    assert listed[2]["end_date"] is None and listed[2]["active"] is True


def test_challenges_new_dry_run_writes_nothing(legacy, tmp_path):
    before = legacy.tables()
    path = write_json(tmp_path, "ch.json", LEGACY_FORMAT)
    result = legacy.run("challenges:new", "-f", path, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert [c["label"] for c in parse_table(result.stdout)] == ["zr2025", "zr2026"]
    dry = json.loads(legacy.run("challenges:new", "-f", path, "--dry-run", "--json").stdout)
    assert dry[1] == {k: LEGACY_FORMAT[1][k] for k in dry[1]}
    assert legacy.tables() == before


def test_challenges_new_from_file(legacy, tmp_path):
    legacy.ok("challenges:new", "-f", write_json(tmp_path, "ch.json", LEGACY_FORMAT))
    rows = legacy.query("SELECT id, label, start_date, end_date, active, url, evaluator FROM challenges "
                        "WHERE id > 3 ORDER BY id")
    assert rows == [
        {"id": 4, "label": "zr2025", "start_date": "2025-01-01", "end_date": None, "active": 1,
         "url": "https://zerospeech.com/track/2025", "evaluator": None},
        {"id": 5, "label": "zr2026", "start_date": "2026-01-01", "end_date": "2026-12-31", "active": 0,
         "url": "https://zerospeech.com/track/2026", "evaluator": None},
    ]
    # the same file again: every label exists, nothing is written
    before = legacy.tables()
    assert "zr2025" in legacy.fails("challenges:new", "-f", write_json(tmp_path, "ch.json", LEGACY_FORMAT))
    assert legacy.tables() == before


@pytest.mark.parametrize("entries", [
    [{"label": "x", "start_date": 5, "end_date": None, "url": "https://a.org", "active": True, "evaluator": None}],
    [{"label": "x", "start_date": "2025-13-01", "end_date": None, "url": "https://a.org", "active": True,
      "evaluator": None}],
    {"label": "x"},
])
def test_challenges_new_bad_file(legacy, tmp_path, entries):
    before = legacy.tables()
    assert "bad.json" in legacy.fails("challenges:new", "-f", write_json(tmp_path, "bad.json", entries))
    assert legacy.tables() == before


def test_challenges_new_from_prompts(fresh):
    answers = "track-x\nhttps://example.org/x\n01/02/2025\n28/02/2025\ny\n\n"
    fresh.ok("challenges:new", input=answers)
    assert json.loads(fresh.ok("challenges:list", "-a", "--json")) == [
        {"id": 1, "label": "track-x", "start_date": "2025-02-01", "end_date": "2025-02-28", "active": True,
         "url": "https://example.org/x", "evaluator": None, "auto_eval": True}]


def test_challenges_set_end_date(legacy):
    legacy.ok("challenges:set", "3", "end_date", "31/12/2030")
    listed = json.loads(legacy.ok("challenges:list", "-a", "--json"))
    assert listed[2]["id"] == 3 and listed[2]["end_date"] == "2030-12-31"
    assert legacy.query("SELECT end_date FROM challenges WHERE id = 3") == [{"end_date": "2030-12-31"}]
    legacy.ok("challenges:set", "3", "end_date", "null")
    assert legacy.query("SELECT end_date FROM challenges WHERE id = 3") == [{"end_date": None}]


def test_challenges_set_other_fields(legacy):
    out = legacy.ok("challenges:set", "1", "active", "true", "--json")
    assert json.loads(out)[0]["active"] is True
    legacy.ok("challenges:set", "1", "label", "zr2015-renamed")
    legacy.ok("challenges:set", "1", "start_date", "2015-01-21")
    assert legacy.query("SELECT label, start_date, active FROM challenges WHERE id = 1") == [
        {"label": "zr2015-renamed", "start_date": "2015-01-21", "active": 1}]


@pytest.mark.parametrize("args, reason", [
    (["3", "colour", "blue"], "colour"),
    (["3", "end_date", "31/13/2030"], "31/13/2030"),
    (["3", "label", "zr2015"], ""),
    (["42", "label", "x"], "42"),
])
def test_challenges_set_refused(legacy, args, reason):
    before = legacy.tables()
    assert reason in legacy.fails("challenges:set", *args)
    assert legacy.tables() == before


# ------------------------------------------------------------------------------------------------
# check:settings
# ------------------------------------------------------------------------------------------------
def test_check_settings_keys(fresh):
    rows = parse_table(fresh.ok("check:settings", "--keys"))
    names = [r["key"].upper() for r in rows]
    for key in ("DATA_FOLDER", "API_BASE_URL", "MAIL_SERVER", "SESSION_EXPIRY_DELAY", "HOST", "PORT"):
        assert key in names
    listed = json.loads(fresh.ok("check:settings", "--keys", "--json"))
    assert set(listed[0]) == {"key", "description", "default"}


def test_check_settings_get(tmp_path):
    missing = tmp_path / "not-created"
    cli = Cli(missing)
    assert cli.ok("check:settings", "--get", "DATA_FOLDER") == f"{missing}\n"
    assert cli.ok("check:settings", "--get", "zr_data_folder") == f"{missing}\n"
    assert cli.ok("check:settings", "--get", "PORT", env={"ZR_PORT": "9123"}) == "9123\n"
    assert not missing.exists()  # check:settings needs no data folder
    assert "NO_SUCH_KEY" in cli.fails("check:settings", "--get", "NO_SUCH_KEY")


def test_check_settings_table_masks_secrets(fresh):
    env = {"ZR_MAIL_PASSWORD": "hunter2-secret", "ZR_RPC_PASSWORD": "rabbit-secret"}
    out = fresh.ok("check:settings", env=env)
    assert "hunter2-secret" not in out and "rabbit-secret" not in out
    values = {r["key"].upper(): r["value"] for r in json.loads(fresh.ok("check:settings", "--json", env=env))}
    assert values["DATA_FOLDER"] == str(fresh.data_dir)
    assert values["MAIL_PASSWORD"] != "hunter2-secret"
    assert "hunter2-secret" not in fresh.ok("check:settings", "--get", "MAIL_PASSWORD", env=env)
    assert "ZR_ENV_FILE" in fresh.ok("check:settings", "--info")


def test_bad_setting_names_the_key(fresh):
    line = fresh.fails("check:settings", env={"ZR_PORT": "x"})
    assert "ZR_PORT" in line
    assert fresh.run("users:list", env={"ZR_PORT": "x"}).returncode != 0


def test_missing_data_folder_names_the_key(tmp_path):
    cli = Cli(tmp_path / "absent")
    assert "ZR_DATA_FOLDER" in cli.fails("users:list")


def test_unknown_setting_is_a_warning(fresh):
    result = fresh.run("users:list", "--json", env={"ZR_NO_SUCH_SETTING": "1"})
    assert result.returncode == 0
    assert json.loads(result.stdout) == []
    assert "ZR_NO_SUCH_SETTING" in result.stderr


# ------------------------------------------------------------------------------------------------
# Alongside a running server
# ------------------------------------------------------------------------------------------------
def test_commands_work_while_the_server_runs(legacy, servers):
    server = servers.start(data_dir=legacy.data_dir, extra_env=legacy.env)
    legacy.ok("challenges:set", "3", "end_date", "31/12/2030")
    r = server.get("/challenges/3")
    assert r.status_code == 200 and r.json()["end_date"] == "2030-12-31", r.text
    assert server.post("/auth/login", data={"username": "alice", "password": "alice-legacy-pass"}).status_code == 200
    legacy.ok("users:status", "-d", "1")
    r = server.post("/auth/login", data={"username": "alice", "password": "alice-legacy-pass"})
    assert r.status_code == 401, r.text
    assert [u["active"] for u in json.loads(legacy.ok("users:list", "--json"))] == [False, True, False]


def test_users_create_on_a_terminal_hides_the_password(fresh):
    """Run under a pseudo-terminal: questions are shown, the password is not echoed."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([str(zr_binary().resolve()), "users:create", "--verified"], env=fresh.env,
                            stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    transcript = b""

    def read_until(text, timeout=20):
        nonlocal transcript
        deadline = time.monotonic() + timeout
        while text.encode() not in transcript and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    transcript += os.read(master, 4096)
                except OSError:
                    break
        assert text.encode() in transcript, transcript.decode(errors="replace")

    for question, answer in [("username:", "tty-user"), ("e-mail:", "tty@example.org"),
                             ("first name:", "T"), ("last name:", "Ty"), ("affiliation:", "Lab"),
                             ("password:", "hidden-pass-9"), ("password again:", "hidden-pass-9")]:
        read_until(question)
        os.write(master, (answer + "\n").encode())
    read_until("created user")
    assert proc.wait(20) == 0
    os.close(master)
    assert b"tty-user" in transcript  # ordinary answers are echoed
    assert b"hidden-pass-9" not in transcript
    assert [u["username"] for u in json.loads(fresh.ok("users:list", "--json"))] == ["tty-user"]
