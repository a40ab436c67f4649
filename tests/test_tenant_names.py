"""Tenant names through the real command line (a subprocess, a real database):
`api-keys create` takes only a small character set, and `api-keys list`
prints one line per key whatever an older release let into the table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from .conftest import backend_settings
from .invariants import connect

CLI = str(Path(sys.executable).parent / "session-authority")
FORGED = "evil\nkey_000000000000\tacme\t*\tactive"


def api_keys(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {f"SESSION_AUTHORITY_{k.upper()}": v for k, v in backend_settings(url).items()}
    return subprocess.run(
        [CLI, "api-keys", "--database-url", url, *args],
        capture_output=True,
        text=True,
        timeout=20,
        env={**os.environ, **env},
    )


@pytest.mark.parametrize(
    "tenant", ["default", "acme", "tenant-a", "conformance-other", "eu.team_7", "a", "x" * 64]
)
def test_plain_names_are_taken(database_url, tenant):
    created = api_keys(database_url, "create", "--tenant", tenant)
    assert created.returncode == 0, created.stderr
    listed = api_keys(database_url, "list").stdout.splitlines()
    assert [line.split("\t")[1] for line in listed] == [tenant]


@pytest.mark.parametrize(
    "tenant",
    [FORGED, "acme\n", "Acme", "", "-acme", ".acme", "a b", "a:b", "acme/x", "ácme", "x" * 65],
)
# The proof that the refusal came before the database was opened is that
# SQLite's file was never created; a PostgreSQL database exists beforehand.
@pytest.mark.sqlite_only
def test_other_names_are_refused_and_nothing_is_made(tmp_path, tenant):
    refused = api_keys(
        f"sqlite:///{tmp_path / 'k.db'}", "create", f"--tenant={tenant}"
    )  # "=": "-acme" too
    assert refused.returncode == 2
    assert "is not allowed" in refused.stderr and "a-z" in refused.stderr
    assert refused.stdout == ""
    # Refused before the database opened: no file, so certainly no key.
    assert not (tmp_path / "k.db").exists()


def test_list_escapes_rows_written_before_names_were_checked(database_url):
    db = database_url
    assert api_keys(db, "create", "--tenant", "acme").returncode == 0
    odd = {
        FORGED: r"evil\nkey_000000000000\tacme\t*\tactive",
        "red\x1b[31m\r": r"red\x1b[31m\r",
        "rtl\u202eline\u2028sep": r"rtl\u202eline\u2028sep",
        "back\\slash": r"back\\slash",
        "café": "café",  # printable stays as it is
    }
    with connect(db) as conn:
        conn.execute(
            sa.text(
                "INSERT INTO api_keys (key_id, key_hash, tenant, scopes, create_us)"
                " VALUES (:key_id, :key_hash, :tenant, :scopes, :create_us)"
            ),
            [
                {
                    "key_id": f"key_old{i}",
                    "key_hash": f"h{i}",
                    "tenant": t,
                    "scopes": "*\t?",
                    "create_us": 10**18 + i,
                }
                for i, t in enumerate(odd)
            ],
        )
        conn.commit()
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
