"""The soak's uploaders (bench/soak.py): one archive per uploader, varied cheaply from submission
to submission, and the uploader loop (create, upload the parts with faults on purpose, then wait
for the previous submission's final status, check its archive on disk and delete its input).

The archive is a stored zip (random, incompressible bytes, sliced from one random pool) whose
32-byte zip comment, the last bytes of the file, is rewritten for every submission: the archive
stays a valid zip with the same entries, but its md5 (and the last part's) change. The md5 states
of everything before the comment are computed once, so a new variant costs nothing.
"""
import datetime
import hashlib
import json
import os
import random
import shutil
import threading
import time
import traceback
import zipfile
from pathlib import Path

from soak_clients import ClientError, Http

COMMENT_BYTES = 32
ENTRY_BYTES = 16 * 1000 * 1000  # largest data entry of an archive
MIN_LAST_PART = 1 << 20         # a smaller remainder is merged into the previous part
FINAL = ("completed", "failed", "invalid", "canceled")
# Faults per part upload, on purpose: a corrupted copy first (must be refused with 400), a copy
# broken off half-way (must not count as received), a duplicate after the part was accepted.
CORRUPT_SHARE, ABORT_SHARE, DUPLICATE_SHARE = 0.08, 0.04, 0.08
SINGLE_PART_SHARE = 0.2         # share of single-part submissions (the rest are multipart)
PART_ATTEMPTS = 3               # sends of a part that fails unexpectedly (5xx, no answer) before giving up


def random_pool(size):
    """`size` random bytes (the kernel's generator)."""
    chunks, left = [], size
    while left:
        n = min(left, 16 << 20)
        chunks.append(os.urandom(n))
        left -= n
    return b"".join(chunks)


class Archive:
    """A stored zip of about `size` bytes at `path`: meta.txt (the label) and data/blobN.bin
    entries sliced from `pool` at a random place. Thread-safe for reading; variant() rewrites the
    file's comment and is called by its one uploader only."""

    def __init__(self, path, label, size, part_bytes, pool, rng):
        self.path, self.label = Path(path), label
        start = rng.randrange(len(pool))
        self.entries = {"meta.txt": len(label.encode())}
        with zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr("meta.txt", label)
            left, index = size, 0
            while left > 0:
                n = min(ENTRY_BYTES, left)
                with archive.open(f"data/blob{index}.bin", "w") as out:
                    written = 0
                    while written < n:
                        at = (start + written) % len(pool)
                        piece = min(n - written, len(pool) - at)
                        out.write(memoryview(pool)[at:at + piece])
                        written += piece
                self.entries[f"data/blob{index}.bin"] = n
                start, left, index = (start + n) % len(pool), left - n, index + 1
            archive.comment = b" " * COMMENT_BYTES
        self.size = self.path.stat().st_size
        self.parts = self._layout(part_bytes)
        self._hash_prefixes()
        self.file = open(self.path, "rb")

    def _layout(self, part_bytes):
        offsets = list(range(0, self.size, part_bytes))
        if len(offsets) > 1 and self.size - offsets[-1] < MIN_LAST_PART:
            offsets.pop()
        bounds = offsets[1:] + [self.size]
        return [(f"archive.zip.part{i}", o, e - o) for i, (o, e) in enumerate(zip(offsets, bounds))]

    def _hash_prefixes(self):
        """md5 of every part but the last, and md5 states of the whole file and of the last part
        up to the comment."""
        body_end = self.size - COMMENT_BYTES
        self.whole_prefix, self.part_md5s = hashlib.md5(), []
        with open(self.path, "rb") as f:
            f.seek(body_end)
            if f.read() != b" " * COMMENT_BYTES:
                raise RuntimeError(f"{self.path}: the zip comment is not at the end of the file")
            for index, (_, offset, count) in enumerate(self.parts):
                last = index == len(self.parts) - 1
                f.seek(offset)
                state = hashlib.md5()
                left = (body_end - offset) if last else count
                while left:
                    chunk = f.read(min(left, 4 << 20))
                    state.update(chunk)
                    self.whole_prefix.update(chunk)
                    left -= len(chunk)
                if last:
                    self.last_prefix = state
                else:
                    self.part_md5s.append(state.hexdigest())

    def variant(self, tag):
        """Writes `tag` as the zip comment; returns (archive md5, md5 of each part)."""
        comment = tag.encode()[:COMMENT_BYTES].ljust(COMMENT_BYTES)
        fd = os.open(self.path, os.O_WRONLY)
        try:
            os.pwrite(fd, comment, self.size - COMMENT_BYTES)
        finally:
            os.close(fd)
        whole, last = self.whole_prefix.copy(), self.last_prefix.copy()
        whole.update(comment)
        last.update(comment)
        return whole.hexdigest(), self.part_md5s + [last.hexdigest()]


def pipeline_seconds(out_log):
    """From a submission's out.log (1-s resolution): seconds from "all parts received" (multipart
    only) to "status changed to uploaded" (merge, md5, unzip, with the wait for the completion
    thread), and from there to "evaluation completed" (queue wait and evaluation); None if absent."""
    stamps = {}
    for line in out_log.splitlines():
        for key, text in (("received", "all parts received"), ("uploaded", "status changed to uploaded"),
                          ("completed", "evaluation completed")):
            if line.startswith("[") and line.endswith(text):
                stamps[key] = datetime.datetime.strptime(line[1:20], "%Y-%m-%d %H:%M:%S")

    def between(a, b):
        return (stamps[b] - stamps[a]).total_seconds() if a in stamps and b in stamps else None
    return between("received", "uploaded"), between("uploaded", "completed")


def md5_of_file(path):
    state = hashlib.md5()
    with open(path, "rb") as f:
        while chunk := f.read(4 << 20):
            state.update(chunk)
    return state.hexdigest()


class Uploader(threading.Thread):
    """Loops until the deadline: uploads a new submission, then finishes the previous one (final
    status, md5 and content of what is on disk, deletion of its input). At the deadline the
    submission being uploaded is completed, then the last one is finished (bounded wait)."""

    def __init__(self, index, ctx, archive, token, seed):
        super().__init__(name=f"uploader-{index}", daemon=True)
        self.index, self.ctx, self.archive = index, ctx, archive
        self.rng = random.Random(seed)
        self.http = Http(ctx.host, ctx.port, ctx.stats, token)
        self.count = 0

    def run(self):
        pending = None
        try:
            while not self.ctx.stop.is_set() and time.monotonic() < self.ctx.deadline:
                submission = self.upload_one()
                if pending:
                    self.finish(pending)
                pending = submission
                if submission is None:
                    time.sleep(1)  # create failed (recorded); do not spin
            if pending:
                self.finish(pending)
        except Exception:  # a bug of the soak itself, or no answer at all: recorded, the run fails
            self.ctx.problem("uploader crashed", None, traceback.format_exc())
        finally:
            self.http.close()

    # --- upload ----------------------------------------------------------------------------------
    def upload_one(self):
        self.count += 1
        archive_md5, part_md5s = self.archive.variant(f"{self.archive.label}-{self.count:06d}")
        multipart = self.rng.random() >= SINGLE_PART_SHARE
        if multipart:
            parts = [(name, offset, count, md5) for (name, offset, count), md5 in zip(self.archive.parts, part_md5s)]
            manifest = {"filename": "archive.zip", "hash": archive_md5, "multipart": True,
                        "index": [{"file_name": n, "file_size": c, "file_hash": m} for n, _, c, m in parts]}
        else:
            parts = [("archive.zip", 0, self.archive.size, archive_md5)]
            manifest = {"filename": "archive.zip", "hash": archive_md5, "multipart": False}
        challenge = self.rng.choice(self.ctx.challenges)
        try:
            status, body = self.http.post_json("POST create", f"/challenges/{challenge}/submission/create", manifest)
        except ClientError as e:
            self.ctx.problem("create: no answer", None, str(e))
            return None
        if status != 200:
            self.ctx.problem("create refused", None, f"{status} {body[:300]!r}")
            return None
        sid = json.loads(body)
        record = self.ctx.add_submission({
            "id": sid, "uploader": self.archive.label, "challenge": challenge, "md5": archive_md5,
            "size": self.archive.size, "parts": len(parts), "multipart": multipart, "created": time.monotonic(),
            "uploaded": None, "final": None, "final_at": None, "verified": None, "abandoned": False,
            "corrupt_sent": 0, "aborted_sent": 0, "duplicates_sent": 0})
        order = list(parts)
        if multipart and self.rng.random() < 0.3:
            self.rng.shuffle(order)  # the server merges in manifest order whatever the upload order
        remaining = {name for name, _, _, _ in parts}
        for name, offset, count, _ in order:
            if not self.send_part(record, challenge, name, offset, count, remaining):
                record["abandoned"] = True
                self.ctx.problem("upload abandoned", sid, f"part {name} could not be sent")
                return record
        record["uploaded"] = time.monotonic()
        return record

    def send_part(self, record, challenge, name, offset, count, remaining):
        """Sends one part (with this part's faults on purpose); checks the answer's remaining list."""
        sid = record["id"]
        path = f"/challenges/{challenge}/submission/upload?submission_id={sid}&part_name={name}"
        roll = self.rng.random()
        try:
            if roll < CORRUPT_SHARE:
                record["corrupt_sent"] += 1
                status, body = self.http.put_part("PUT part (wrong md5)", path, name, self.archive.file, offset,
                                                  count, mode="corrupt")
                if status != 400:
                    self.ctx.problem("wrong-md5 part not refused with 400", sid, f"{name}: {status} {body[:300]!r}")
            elif roll < CORRUPT_SHARE + ABORT_SHARE:
                record["aborted_sent"] += 1
                self.http.put_part("PUT part (aborted)", path, name, self.archive.file, offset, count, mode="abort")
                self.check_state(record, challenge, remaining)
        except ClientError as e:
            self.ctx.problem("faulty part: no answer", sid, str(e))
        for attempt in range(1, PART_ATTEMPTS + 1):
            try:
                status, body = self.http.put_part("PUT part", path, name, self.archive.file, offset, count)
            except ClientError as e:
                self.ctx.problem("part: no answer", sid, f"{name} attempt {attempt}: {e}")
                continue
            if status == 200:
                remaining.discard(name)
                self.check_answer(record, name, body, remaining)
                break
            self.ctx.problem("part refused", sid, f"{name} attempt {attempt}: {status} {body[:300]!r}")
            time.sleep(1)
        else:
            return False
        if remaining and self.rng.random() < DUPLICATE_SHARE:
            record["duplicates_sent"] += 1
            try:
                status, body = self.http.put_part("PUT part (duplicate)", path, name, self.archive.file, offset, count)
            except ClientError as e:
                self.ctx.problem("duplicate part: no answer", sid, str(e))
                return True
            if status != 200:
                self.ctx.problem("duplicate part refused", sid, f"{name}: {status} {body[:300]!r}")
            else:
                self.check_answer(record, name, body, remaining)
        return True

    def check_answer(self, record, name, body, remaining):
        answer = json.loads(body)
        expected = {"completed": not remaining, "remaining": sorted(remaining)}
        got = {"completed": answer.get("completed"), "remaining": sorted(answer.get("remaining", []))}
        if got != expected:
            self.ctx.problem("wrong upload answer", record["id"], f"after {name}: {got}, expected {expected}")

    def check_state(self, record, challenge, remaining):
        """After a broken-off part: the server must still list it (and every other missing part)."""
        status, body = self.http.get("GET upload state", f"/challenges/{challenge}/submission/upload"
                                                        f"?submission_id={record['id']}")
        if status != 200:
            self.ctx.problem("upload state refused", record["id"], f"{status} {body[:300]!r}")
            return
        answer = json.loads(body)
        got = sorted(answer.get("remaining", []))
        # A single-part submission's missing archive is listed under the server's name (input.zip),
        # whatever part_name the client uses: only the count is compared then.
        counted = got != sorted(remaining) if record["multipart"] else len(got) != 1
        if counted or answer.get("completed") is not False:
            self.ctx.problem("broken-off part counted", record["id"], f"answer {answer}, expected {sorted(remaining)}")

    # --- finish ----------------------------------------------------------------------------------
    def finish(self, record):
        """Waits (bounded) for the final status, then checks what is on disk and deletes the input."""
        if record["abandoned"]:
            return
        sid, status = record["id"], None
        while True:
            try:
                code, body = self.http.get("GET status", f"/users/submissions/{sid}/status")
                status = json.loads(body) if code == 200 else None
            except ClientError as e:
                self.ctx.problem("status: no answer", sid, str(e))
            if status in FINAL or time.monotonic() > self.ctx.final_deadline or self.ctx.server_gone.is_set():
                break
            time.sleep(self.ctx.poll_seconds)
        record["final"], record["final_at"] = status, time.monotonic()
        if status != "completed":
            try:
                code, body = self.http.get("GET log", f"/users/submissions/{sid}/log")
                tail = json.loads(body)[-5:] if code == 200 else body[:300]
            except ClientError as e:
                tail = str(e)
            self.ctx.problem("not completed", sid, f"status {status!r}; out.log ends with {tail}")
            return
        self.verify_and_free(record)

    def verify_and_free(self, record):
        folder = self.ctx.submissions_dir / record["id"]
        problems = []
        try:
            record["completion_s"], record["evaluation_s"] = pipeline_seconds((folder / "out.log").read_text())
        except OSError as e:
            problems.append(f"out.log: {e}")
        try:
            md5 = md5_of_file(folder / "input.zip")
            if md5 != record["md5"]:
                problems.append(f"input.zip md5 {md5}, sent {record['md5']}")
        except OSError as e:
            problems.append(f"input.zip: {e}")
        for name, size in self.archive.entries.items():
            path = folder / "input" / name
            if not path.is_file() or path.stat().st_size != size:
                problems.append(f"input/{name} missing or not {size} bytes")
        try:
            entry = json.loads((folder / "scores" / "entry.json").read_text())
            if entry.get("model") != self.archive.label:
                problems.append(f"scores/entry.json names {entry.get('model')!r}")
        except (OSError, ValueError) as e:
            problems.append(f"scores/entry.json: {e}")
        record["verified"] = not problems
        if problems:
            self.ctx.problem("on-disk check failed", record["id"], "; ".join(problems))
            return  # kept for diagnosis
        (folder / "input.zip").unlink()
        shutil.rmtree(folder / "input")
        shutil.rmtree(folder / "tmp", ignore_errors=True)
