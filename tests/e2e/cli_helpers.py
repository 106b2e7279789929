"""Helpers for the admin command line tests (test_cli.py): run `zr <command>` with a chosen data
folder and environment, read its tables, and look at the SQLite file directly."""
import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from conftest import LEGACY_DATA, zr_binary

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


class Cli:
    """`zr` against one data folder. `env` holds the ZR_* variables; nothing of the caller's ZR_*
    environment leaks in."""

    def __init__(self, data_dir, extra_env=None):
        self.data_dir = Path(data_dir)
        self.env = {k: v for k, v in os.environ.items() if not k.upper().startswith("ZR_")}
        self.env["ZR_DATA_FOLDER"] = str(self.data_dir)
        self.env.update(extra_env or {})
        self.env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")

    def run(self, *args, input=None, env=None, timeout=60):
        full_env = dict(self.env, **(env or {}))
        binary = zr_binary().resolve()
        assert binary.exists(), f"zr binary not found at {binary} (set ZR_BIN)"
        result = subprocess.run([str(binary), *args], env=full_env, cwd=self.data_dir.parent,
                                input=input, capture_output=True, text=True, timeout=timeout)
        for marker in SANITIZER_MARKERS:
            assert marker not in result.stderr, result.stderr
        return result

    def ok(self, *args, **kw):
        """Runs and asserts exit 0 with nothing on stderr; returns stdout."""
        result = self.run(*args, **kw)
        assert result.returncode == 0, f"zr {' '.join(args)} -> {result.returncode}\n{result.stderr}"
        assert result.stderr == "", result.stderr
        return result.stdout

    def fails(self, *args, **kw):
        """Runs and asserts a non-zero exit with exactly one line "zr: ..." on stderr; returns it."""
        result = self.run(*args, **kw)
        assert result.returncode != 0, f"zr {' '.join(args)} succeeded:\n{result.stdout}"
        lines = result.stderr.splitlines()
        assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
        assert lines[0].startswith("zr: "), lines[0]
        for marker in ("Traceback", "terminate called", ".cpp", "std::", "what():"):
            assert marker not in result.stderr
        return lines[0]

    # -- database ------------------------------------------------------------------------------
    @property
    def db_path(self):
        return self.data_dir / "zerospeech.db"

    def query(self, sql, params=()):
        with closing(sqlite3.connect(str(self.db_path), timeout=10)) as con:
            con.row_factory = sqlite3.Row
            return [dict(r) for r in con.execute(sql, params).fetchall()]

    def execute(self, sql, params=()):
        with closing(sqlite3.connect(str(self.db_path), timeout=10)) as con:
            with con:
                con.execute(sql, params)

    def tables(self):
        """Every table's rows, to prove a command changed nothing."""
        with closing(sqlite3.connect(str(self.db_path), timeout=10)) as con:
            names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            return {n: sorted(repr(tuple(r)) for r in con.execute(f'SELECT * FROM "{n}"')) for n in names}


def legacy_copy(tmp_path):
    """A copy of the first implementation's data folder, and the settings it needs."""
    target = tmp_path / "legacy-data"
    shutil.copytree(LEGACY_DATA, target)
    return target, {"ZR_SUBMISSION_DIR": str(target / "user_data" / "submissions")}


def parse_table(text):
    """An aligned table -> list of dicts, checking the alignment on the way: a header line, a line
    of dashes under each header, then rows whose cells start exactly under their header."""
    lines = text.rstrip("\n").split("\n")
    assert len(lines) >= 2, text
    header, rule = lines[0], lines[1]
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    names = header.split()
    assert [m.start() for m in re.finditer(r"-+", rule)] == starts, f"rule misaligned:\n{text}"
    rows = []
    for line in lines[2:]:
        assert line == line.rstrip(), f"trailing blanks: {line!r}"
        cells = []
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else len(line)
            if start >= len(line):  # empty cells at the end of the line
                cells.append("")
                continue
            if start > 0:
                assert line[start - 1] == " ", f"cell not aligned under {names[i]!r}: {line!r}"
            assert line[start] != " ", f"cell not aligned under {names[i]!r}: {line!r}"
            cells.append(line[start:end].rstrip())
        rows.append(dict(zip(names, cells)))
    return rows
