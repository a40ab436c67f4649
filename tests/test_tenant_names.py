"""Tenant names through the real command line (a subprocess, a SQLite file):
`api-keys create` takes only a small character set, and `api-keys list`
prints one line per key whatever an older release let into the table."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

CLI = str(Path(sys.executable).parent / "session-authority")
FORGED = "evil\nkey_000000000000\tacme\t*\tactive"


def api_keys(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, "api-keys", "--database-url", f"sqlite:///{db}", *args],
        capture_output=True,
        text=True,
        timeout=20,
    )


@pytest.mark.parametrize(
    "tenant", ["default", "acme", "tenant-a", "conformance-other", "eu.team_7", "a", "x" * 64]
)
def test_plain_names_are_taken(tmp_path, tenant):
    created = api_keys(tmp_path / "k.db", "create", "--tenant", tenant)
    assert created.returncode == 0, created.stderr
    listed = api_keys(tmp_path / "k.db", "list").stdout.splitlines()
    assert [line.split("\t")[1] for line in listed] == [tenant]


@pytest.mark.parametrize(
    "tenant",
    [FORGED, "acme\n", "Acme", "", "-acme", ".acme", "a b", "a:b", "acme/x", "ácme", "x" * 65],
)
def test_other_names_are_refused_and_nothing_is_made(tmp_path, tenant):
    refused = api_keys(tmp_path / "k.db", "create", f"--tenant={tenant}")  # "=": "-acme" too
    assert refused.returncode == 2
    assert "is not allowed" in refused.stderr and "a-z" in refused.stderr
    assert refused.stdout == ""
    # Refused before the database opened: no file, so certainly no key.
    assert not (tmp_path / "k.db").exists()


def test_list_escapes_rows_written_before_names_were_checked(tmp_path):
    db = tmp_path / "k.db"
    assert api_keys(db, "create", "--tenant", "acme").returncode == 0
    odd = {
        FORGED: r"evil\nkey_000000000000\tacme\t*\tactive",
        "red\x1b[31m\r": r"red\x1b[31m\r",
        "rtl\u202eline\u2028sep": r"rtl\u202eline\u2028sep",
        "back\\slash": r"back\\slash",
        "café": "café",  # printable stays as it is
    }
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO api_keys (key_id, key_hash, tenant, scopes, create_us)"
            " VALUES (?, ?, ?, ?, ?)",
            [(f"key_old{i}", f"h{i}", t, "*\t?", 10**18 + i) for i, t in enumerate(odd)],
        )
    listed = api_keys(db, "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.split("\n")
    assert lines.pop() == ""  # ends with a newline, and holds no other kind
    assert "\r" not in listed.stdout and "\x1b" not in listed.stdout
    rows = [line.split("\t") for line in lines]
    assert all(len(row) == 4 for row in rows), rows
    assert [row[0] for row in rows][1:] == [f"key_old{i}" for i in range(len(odd))]
    assert [row[1] for row in rows][1:] == list(odd.values())
    assert {row[2] for row in rows[1:]} == {r"*\t?"}
