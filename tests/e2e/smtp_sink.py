#!/usr/bin/python3
"""A loopback SMTP server for tests: stores every message it accepts as <n>.eml in --dir.

Prints "READY <port>" on stdout once it accepts connections (with --port 0 a free port is chosen),
then runs until SIGTERM/SIGINT. The .eml files hold the message exactly as received (bytes after
DATA, dot-unstuffed, CRLF line ends). <n>.json next to it holds the envelope and the message as
Python's e-mail parser understands it (decoded headers, decoded text of each part, defects), an
independent check of the MIME we produce. Each file is written under a temporary name and renamed
(.json first), so a reader that sees <n>.eml sees both files complete.
"""
import argparse
import email
import email.policy
import json
import os
import signal
import socket
import sys
import threading

from aiosmtpd.controller import Controller


class FolderHandler:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0
        self.lock = threading.Lock()

    def _write(self, name, data):
        tmp = os.path.join(self.folder, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(self.folder, name))

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}
        try:
            meta.update(describe(content))
        except Exception as e:  # a message Python cannot parse is a test failure, not a crash
            meta["parse_error"] = repr(e)
        self._write(f"{n}.json", json.dumps(meta).encode("utf-8"))
        self._write(f"{n}.eml", content)
        return "250 Message accepted for delivery"


def describe(content):
    msg = email.message_from_bytes(content, policy=email.policy.default)
    parts = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        parts.append({
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "content": part.get_content(),
            "defects": [type(d).__name__ for d in part.defects],
        })
    return {
        "headers": {k.lower(): str(v) for k, v in msg.items()},
        "content_type": msg.get_content_type(),
        "parts": parts,
        "defects": [type(d).__name__ for d in msg.defects],
    }


def free_port(host):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    port = args.port or free_port(args.host)
    controller = Controller(FolderHandler(args.dir), hostname=args.host, port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"READY {port}", flush=True)
    # Whoever started us may stop reading our output: from now on log to a file, so a full pipe
    # can never block the server.
    log = os.open(os.path.join(args.dir, "sink.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
