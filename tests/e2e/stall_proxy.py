"""A TCP proxy for the e2e tests that cuts the network without closing it (issue 21).

StallProxy(upstream_port) listens on 127.0.0.1 (a free port) and forwards every connection to
127.0.0.1:upstream_port. stall() stops forwarding in both directions while both sockets stay open,
as a dropped link looks from either end (nothing arrives, nothing is refused); connections made
during a stall are accepted and stalled too. resume() forwards again, buffered data first; a side
that closed meanwhile closes the other. One thread accepts, one thread per connection pumps.

    proxy = StallProxy(broker.port).start()
    env["ZR_RPC_PORT"] = str(proxy.port)
    proxy.stall(); ...; proxy.resume()
    proxy.close()

Also here: `copies(folder)`, the submission copies a worker keeps in its ZR_WORKER_DIR.
"""
import select
import socket
import threading
import time
from pathlib import Path


class StallProxy:
    def __init__(self, upstream_port, upstream_host="127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.stalled = threading.Event()
        self.closing = threading.Event()
        self.accepted = 0
        self.threads = []

    def start(self):
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self.threads.append(thread)
        return self

    def stall(self):
        self.stalled.set()

    def resume(self):
        self.stalled.clear()

    def close(self):
        self.closing.set()
        self.listener.close()
        for thread in self.threads:
            thread.join(timeout=5)

    def _accept(self):
        while not self.closing.is_set():
            try:
                ready, _, _ = select.select([self.listener], [], [], 0.1)
                if not ready:
                    continue
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            self.accepted += 1
            thread = threading.Thread(target=self._pump, args=(client, server), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _pump(self, client, server):
        peers = {client: server, server: client}
        try:
            while not self.closing.is_set():
                if self.stalled.is_set():
                    time.sleep(0.02)
                    continue
                ready, _, _ = select.select(list(peers), [], [], 0.05)
                for sock in ready:
                    if self.stalled.is_set():
                        break
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except OSError:
            return
        finally:
            client.close()
            server.close()


def copies(worker_dir):
    """The submission copies under a worker's ZR_WORKER_DIR: <pid>/<area>/<submission> folders (and
    the earlier layout's <submission> folders, which have no lock file beside them)."""
    root = Path(worker_dir)
    if not root.exists():
        return []
    found = []
    for entry in root.iterdir():
        if not entry.is_dir():
            continue
        if not (root / (entry.name + ".lock")).exists():
            found.append(entry)  # earlier layout, or a process's folder that lost its lock
            continue
        for area in entry.iterdir():
            if area.is_dir():
                found.extend(area.iterdir())
            else:
                found.append(area)
    return found
