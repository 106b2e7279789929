"""A private RabbitMQ broker for the e2e tests, and a tiny AMQP 0-9-1 client to look into its
queues.

Debian's /usr/lib/rabbitmq/bin/rabbitmq-server runs directly: /usr/sbin/rabbitmq-server and
rabbitmqctl switch to the rabbitmq user when run as root (and then fail on the Erlang cookie). It
gets its own HOME, RABBITMQ_MNESIA_BASE, RABBITMQ_LOG_BASE and RABBITMQ_NODENAME, listens on
127.0.0.1 only, on free ports (RABBITMQ_NODE_PORT, and ERL_EPMD_PORT for its own epmd).
It accepts logins after ~6-20 s (readiness = a real AMQP login). Login guest/guest (loopback only).

Fixtures:
- `rabbitmq_broker` (session): the running Broker, stopped at the end of the session.
- `rabbitmq` (per test): the same broker, started again if a test stopped it, with eval_queue and
  update_queue deleted so that every test starts with empty queues (zr declares them again).

    def test_x(rabbitmq, servers):
        server = servers.start(extra_env=rabbitmq.env())
        ...
        assert rabbitmq.count("eval_queue") == 0
        rabbitmq.restart()   # data (durable queues, persistent messages) kept
"""
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
from contextlib import closing
from pathlib import Path

import pytest

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
CTL = "/usr/lib/rabbitmq/bin/rabbitmqctl"
QUEUES = ("eval_queue", "update_queue")


def _free_port():
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------------------------
# A minimal AMQP 0-9-1 client: login, queue.declare (passive), queue.delete, basic.get.
# --------------------------------------------------------------------------------------------
class AmqpError(Exception):
    pass


def _shortstr(text):
    data = text.encode()
    return struct.pack("B", len(data)) + data


def _longstr(data):
    return struct.pack(">I", len(data)) + data


class Amqp:
    def __init__(self, port, user="guest", password="guest", vhost="/", timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        try:
            self._handshake(user, password, vhost)
        except Exception:
            self.sock.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise AmqpError("connection closed by the broker")
            data += chunk
        return data

    def _frame(self):
        """The next (type, channel, payload), skipping heartbeats."""
        while True:
            kind, channel, size = struct.unpack(">BHI", self._recv_exact(7))
            payload = self._recv_exact(size)
            if self._recv_exact(1) != b"\xce":
                raise AmqpError("bad frame end")
            if kind != 8:
                return kind, channel, payload

    def _send_method(self, channel, class_id, method_id, args=b""):
        payload = struct.pack(">HH", class_id, method_id) + args
        self.sock.sendall(struct.pack(">BHI", 1, channel, len(payload)) + payload + b"\xce")

    def _method(self, *expected):
        """Waits for one of the expected (class, method); returns (class, method, args)."""
        kind, _, payload = self._frame()
        if kind != 1:
            raise AmqpError(f"expected a method frame, got type {kind}")
        class_id, method_id = struct.unpack(">HH", payload[:4])
        if (class_id, method_id) in ((10, 50), (20, 40)):  # connection.close / channel.close
            code = struct.unpack(">H", payload[4:6])[0]
            text = payload[7:7 + payload[6]].decode(errors="replace")
            raise AmqpError(f"{code} {text}")
        if (class_id, method_id) not in expected:
            raise AmqpError(f"unexpected method {class_id}.{method_id}")
        return class_id, method_id, payload[4:]

    def _handshake(self, user, password, vhost):
        self.sock.sendall(b"AMQP\x00\x00\x09\x01")
        self._method((10, 10))  # connection.start
        response = b"\x00" + user.encode() + b"\x00" + password.encode()
        self._send_method(0, 10, 11, struct.pack(">I", 0) + _shortstr("PLAIN") + _longstr(response)
                          + _shortstr("en_US"))
        _, _, tune = self._method((10, 30))
        channel_max, frame_max, _ = struct.unpack(">HIH", tune[:8])
        self._send_method(0, 10, 31, struct.pack(">HIH", channel_max, frame_max, 0))  # no heartbeats
        self._send_method(0, 10, 40, _shortstr(vhost) + _shortstr("") + b"\x00")
        self._method((10, 41))
        self._send_method(1, 20, 10, _shortstr(""))
        self._method((20, 11))

    def count(self, queue):
        """Ready messages of `queue` (AmqpError 404 if it does not exist)."""
        self._send_method(1, 50, 10, struct.pack(">H", 0) + _shortstr(queue) + b"\x01" + struct.pack(">I", 0))
        _, _, args = self._method((50, 11))
        name_len = args[0]
        return struct.unpack(">I", args[1 + name_len:5 + name_len])[0]

    def delete(self, queue):
        self._send_method(1, 50, 40, struct.pack(">H", 0) + _shortstr(queue) + b"\x00")
        self._method((50, 41))

    def get(self, queue):
        """Takes one message (auto-ack); its body as bytes, or None when the queue is empty."""
        self._send_method(1, 60, 70, struct.pack(">H", 0) + _shortstr(queue) + b"\x01")
        _, method_id, _ = self._method((60, 71), (60, 72))
        if method_id == 72:
            return None
        kind, _, header = self._frame()
        if kind != 2:
            raise AmqpError("expected a content header")
        size = struct.unpack(">Q", header[4:12])[0]
        body = b""
        while len(body) < size:
            kind, _, chunk = self._frame()
            if kind != 3:
                raise AmqpError("expected a content body")
            body += chunk
        return body

    def close(self):
        try:
            self._send_method(0, 10, 50, struct.pack(">H", 200) + _shortstr("bye") + struct.pack(">HH", 0, 0))
            self._method((10, 51))
        except (OSError, AmqpError):
            pass
        finally:
            self.sock.close()


# --------------------------------------------------------------------------------------------
# The broker
# --------------------------------------------------------------------------------------------
class Broker:
    def __init__(self):
        if not os.path.exists(SERVER):
            pytest.fail("rabbitmq-server is not installed (scripts/setup.sh --test installs it)")
        self.dir = Path(tempfile.mkdtemp(prefix="zr_rabbitmq_"))
        for sub in ("home", "mnesia", "log"):
            (self.dir / sub).mkdir()
        (self.dir / "enabled_plugins").write_text("[].\n")
        (self.dir / "rabbitmq-env.conf").write_text("")
        # consumer_timeout: RabbitMQ closes a channel holding a delivery unacknowledged longer than
        # this (default 30 min); a deployment must set it above ZR_EVAL_TIME_LIMIT, and so do we.
        (self.dir / "rabbitmq.conf").write_text("loopback_users.guest = true\nconsumer_timeout = 86400000\n")
        self.port = _free_port()
        self.epmd_port = _free_port()
        self.dist_port = _free_port()
        self.nodename = f"zrtest{self.port}@localhost"
        self.proc = None

    def server_env(self):
        """The environment of the broker and of rabbitmqctl/epmd talking to it."""
        d = str(self.dir)
        return {
            "PATH": "/usr/bin:/bin:/usr/sbin:/sbin",
            "HOME": f"{d}/home",
            "RABBITMQ_MNESIA_BASE": f"{d}/mnesia",
            "RABBITMQ_LOG_BASE": f"{d}/log",
            "RABBITMQ_NODENAME": self.nodename,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_EPMD_PORT": str(self.epmd_port),
            "RABBITMQ_ENABLED_PLUGINS_FILE": f"{d}/enabled_plugins",
            "RABBITMQ_CONF_ENV_FILE": f"{d}/rabbitmq-env.conf",
            "RABBITMQ_CONFIG_FILE": f"{d}/rabbitmq.conf",
            "RABBITMQ_ADVANCED_CONFIG_FILE": f"{d}/advanced.config",
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    def env(self):
        """The ZR_* settings that point zr at this broker."""
        return {
            "ZR_QUEUE_BACKEND": "rabbitmq",
            "ZR_RPC_HOST": "127.0.0.1",
            "ZR_RPC_PORT": str(self.port),
            "ZR_RPC_USERNAME": "guest",
            "ZR_RPC_PASSWORD": "guest",
            "ZR_RPC_VHOST": "/",
        }

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=90):
        if self.running:
            return self
        log = open(self.dir / "server.out", "ab")
        self.proc = subprocess.Popen([SERVER], env=self.server_env(), stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"rabbitmq-server exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            try:
                Amqp(self.port, timeout=2).close()
                return self
            except (OSError, AmqpError):
                time.sleep(0.2)
        self.stop()
        pytest.fail(f"rabbitmq-server did not accept a login within {timeout}s:\n{self.log()[-3000:]}")

    def stop(self):
        """SIGTERM; waits until the node is gone (its data stays for a restart)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def restart(self):
        self.stop()
        return self.start()

    def destroy(self):
        """Stops the node and its epmd and removes its folder."""
        self.stop()
        subprocess.run(["/usr/bin/epmd", "-kill"], env=self.server_env(), capture_output=True, timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)

    def log(self):
        try:
            return (self.dir / "server.out").read_text(errors="replace")
        except OSError:
            return ""

    def ctl(self, *args, timeout=60):
        """Runs rabbitmqctl against this node (e.g. ctl("list_queues", "name", "messages"))."""
        return subprocess.run([CTL, "-n", self.nodename, *args], env=self.server_env(), capture_output=True,
                              text=True, timeout=timeout)

    # -- queues ---------------------------------------------------------------------------------
    def client(self):
        return Amqp(self.port)

    def count(self, queue):
        """Messages of `queue` waiting for a consumer (not the unacknowledged ones)."""
        with self.client() as amqp:
            return amqp.count(queue)

    def get(self, queue):
        """Takes one message off `queue`: its body (bytes) or None."""
        with self.client() as amqp:
            return amqp.get(queue)

    def reset_queues(self):
        with self.client() as amqp:
            for queue in QUEUES:
                amqp.delete(queue)


@pytest.fixture(scope="session")
def rabbitmq_broker():
    broker = Broker().start()
    yield broker
    broker.destroy()


@pytest.fixture
def rabbitmq(rabbitmq_broker):
    rabbitmq_broker.start()  # a previous test may have stopped it
    rabbitmq_broker.reset_queues()
    return rabbitmq_broker
