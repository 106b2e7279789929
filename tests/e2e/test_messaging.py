"""`zr messaging:send QUEUE MESSAGE` on both queue back-ends (cli.md), and its errors."""
import json
import time

import pytest

from cli_helpers import Cli
from conftest import free_port
from rabbitmq import AmqpError


def make_cli(tmp_path, extra_env=None):
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    return Cli(data, extra_env)


def test_embedded_send_stores_a_message_row(tmp_path):
    cli = make_cli(tmp_path)
    out = cli.ok("messaging:send", "update_queue", "hello there")
    assert out == "sent to update_queue (embedded); 1 ready\n"
    out = cli.ok("messaging:send", "update_queue", '{"type": "ping", "n": 2}')
    assert out == "sent to update_queue (embedded); 2 ready\n"
    rows = cli.query("SELECT queue, body, deliveries, lease_owner, lease_until FROM queue_messages ORDER BY id")
    assert [r["queue"] for r in rows] == ["update_queue", "update_queue"]
    assert json.loads(rows[0]["body"]) == {"type": "message", "version": 1, "text": "hello there"}
    assert json.loads(rows[1]["body"]) == {"type": "ping", "n": 2}  # a JSON object is sent as is
    assert all(r["deliveries"] == 0 and r["lease_owner"] is None and r["lease_until"] is None for r in rows)


def test_text_that_is_json_but_not_an_object_is_wrapped(tmp_path):
    cli = make_cli(tmp_path)
    cli.ok("messaging:send", "eval_queue", "[1, 2]")
    (row,) = cli.query("SELECT queue, body FROM queue_messages")
    assert row["queue"] == "eval_queue"
    assert json.loads(row["body"]) == {"type": "message", "version": 1, "text": "[1, 2]"}


def test_unknown_queue_is_refused(tmp_path):
    cli = make_cli(tmp_path)
    line = cli.fails("messaging:send", "jobs", "hello")
    assert line == "zr: unknown queue 'jobs' (eval_queue or update_queue)"
    assert cli.run("messaging:send", "jobs", "hello").returncode == 1


def test_missing_message_is_a_usage_error(tmp_path):
    cli = make_cli(tmp_path)
    result = cli.run("messaging:send", "eval_queue")
    assert result.returncode == 2
    assert "MESSAGE" in result.stderr


def test_unknown_backend_is_refused(tmp_path):
    cli = make_cli(tmp_path, {"ZR_QUEUE_BACKEND": "kafka"})
    result = cli.run("messaging:send", "eval_queue", "x")
    assert result.returncode == 1
    assert result.stderr.startswith("zr: ") and "QUEUE_BACKEND" in result.stderr.upper()


def test_rabbitmq_send_puts_a_persistent_message_on_the_queue(tmp_path, rabbitmq):
    cli = make_cli(tmp_path, rabbitmq.env())
    out = cli.ok("messaging:send", "eval_queue", '{"type": "ping", "version": 1}')
    assert out == "sent to eval_queue (rabbitmq); 1 ready\n"
    out = cli.ok("messaging:send", "eval_queue", "second")
    assert out == "sent to eval_queue (rabbitmq); 2 ready\n"
    assert rabbitmq.count("eval_queue") == 2
    assert rabbitmq.count("update_queue") == 0
    # (rabbitmqctl's message counts lag behind: its statistics are collected every few seconds)
    listed = rabbitmq.ctl("list_queues", "name", "durable", "type")
    assert listed.returncode == 0, listed.stderr
    rows = {line.split()[0]: line.split()[1:] for line in listed.stdout.splitlines() if line.strip()}
    assert rows["eval_queue"] == ["true", "quorum"], listed.stdout
    assert rows["update_queue"] == ["true", "quorum"], listed.stdout
    assert json.loads(rabbitmq.get("eval_queue")) == {"type": "ping", "version": 1}
    assert json.loads(rabbitmq.get("eval_queue")) == {"type": "message", "version": 1, "text": "second"}
    assert rabbitmq.get("eval_queue") is None
    # The embedded table was not used: no database needed for the RabbitMQ back-end.
    assert not cli.db_path.exists()


def test_rabbitmq_message_survives_a_broker_restart(tmp_path, rabbitmq):
    cli = make_cli(tmp_path, rabbitmq.env())
    cli.ok("messaging:send", "update_queue", "keep me")
    rabbitmq.restart()
    assert json.loads(rabbitmq.get("update_queue")) == {"type": "message", "version": 1, "text": "keep me"}


def test_unreachable_broker_is_a_clear_error(tmp_path, rabbitmq):
    port = free_port()  # nothing listens there
    cli = make_cli(tmp_path, dict(rabbitmq.env(), ZR_RPC_PORT=str(port)))
    start = time.monotonic()
    line = cli.fails("messaging:send", "eval_queue", "hello")
    assert time.monotonic() - start < 20
    assert line.startswith(f"zr: RabbitMQ at 127.0.0.1:{port} unreachable"), line
    assert cli.run("messaging:send", "eval_queue", "hello").returncode == 1


def test_wrong_credentials_are_a_clear_error(tmp_path, rabbitmq):
    cli = make_cli(tmp_path, dict(rabbitmq.env(), ZR_RPC_PASSWORD="wrong"))
    line = cli.fails("messaging:send", "eval_queue", "hello")
    assert "ACCESS_REFUSED" in line, line
    with pytest.raises(AmqpError, match="404"):  # never logged in, so never even declared
        rabbitmq.count("eval_queue")
