"""The HTTP fuzz target's seed and regression inputs (fuzz/corpus/http_request,
fuzz/regressions/http_request: raw bytes as one connection carries them) sent to the real server.

Each input goes on a fresh connection, then our side is half-closed. Whatever the bytes, the
server answers with well-formed HTTP responses (status line, headers, Content-Length bodies),
never a 5xx, and closes the connection (or closes without answering); it keeps serving; the
fixture's teardown checks the log for sanitizer reports and that the server stops cleanly."""
import re
import socket
from pathlib import Path

import pytest

FUZZ = Path(__file__).resolve().parent.parent.parent / "fuzz"
FOLDERS = [FUZZ / "corpus" / "http_request", FUZZ / "regressions" / "http_request"]
STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3}) [^\r\n]*")


def inputs():
    files = [p for folder in FOLDERS if folder.is_dir() for p in sorted(folder.iterdir()) if p.is_file()]
    assert files, f"no HTTP fuzz input under {FOLDERS[0]}"
    return files


def exchange(port, data, timeout=10):
    """Sends `data`, half-closes, and returns everything received until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early (413, 400) and closed: read what it sent
        received = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            except socket.timeout:
                pytest.fail(f"the server kept the connection open {timeout}s after the request ended")
            if not chunk:
                return received
            received += chunk
    return received


def responses(stream):
    """[(status, headers)] of a stream of HTTP/1.x responses. A response with a Content-Length
    whose body is absent (an answer to HEAD) is accepted when the next response or the end
    follows its header directly."""
    out = []
    while stream:
        head, found, rest = stream.partition(b"\r\n\r\n")
        assert found, f"incomplete response header: {stream[:200]!r}"
        lines = head.split(b"\r\n")
        match = STATUS_LINE.fullmatch(lines[0])
        assert match, f"bad status line: {lines[0][:200]!r}"
        headers = {}
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            assert colon and name and name.strip() == name, f"bad header line: {line[:200]!r}"
            headers[name.decode("latin-1").lower()] = value.strip().decode("latin-1")
        status = int(match.group(1))
        length = int(headers.get("content-length", "0"))
        if status >= 200 and status not in (204, 304) and len(rest) >= length and \
                (len(rest) == length or rest[length:].startswith(b"HTTP/1.")):
            rest = rest[length:]
        else:
            assert rest == b"" or rest.startswith(b"HTTP/1."), f"body does not match: {stream[:300]!r}"
        out.append((status, headers))
        stream = rest
    return out


def test_http_fuzz_inputs_get_well_formed_answers(server):
    failures = []
    for path in inputs():
        try:
            answers = responses(exchange(server.port, path.read_bytes()))
        except AssertionError as e:
            failures.append(f"{path.name}: {e}")
            continue
        failures += [f"{path.name}: {status}" for status, _ in answers if status >= 500]
    assert not failures, "\n".join(failures)
    r = server.get("/")
    assert r.status_code == 200 and r.json()["app"], r.text
