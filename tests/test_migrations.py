"""Alembic migrations on both databases: the models and the migrations
agree; a database at the first migration, with sessions in it, upgrades to
head with nothing lost; replicas starting at once migrate once; a schema
newer than the code, or an unmigrated one with MIGRATE_ON_START off, is
refused with a clear message."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sessionauthority.v1 import session_pb2 as spb
from sessionauthority.v1 import session_service_pb2 as pb
from sessionauthority.v1 import session_service_pb2_grpc as pb_grpc
from sessionauthority_server.app import ConfigError, create_server
from sessionauthority_server.cli import main
from sessionauthority_server.config import Settings
from sessionauthority_server.store import schema
from sessionauthority_server.store.database import parse_url
from sqlmodel import SQLModel

from .conftest import TEST_ENCRYPTION_KEY
from .helpers import Watch

BACKENDS = ["sqlite", "postgresql"]
# Every table the first migration and head share (rate_windows went in 0002).
SHARED = [
    "subjects",
    "sessions",
    "refresh_tokens",
    "events",
    "counters",
    "signing_keys",
    "idempotency",
    "api_keys",
]


async def new_url(request: pytest.FixtureRequest, tmp_path: Path, backend: str, name: str) -> str:
    if backend == "postgresql":
        return await request.getfixturevalue("postgres").new_database()
    return f"sqlite:///{tmp_path / name}"


def engine(url: str) -> sa.Engine:
    dialect, target = parse_url(url)
    return sa.create_engine(schema._engine_url(dialect, target))


def settings(url: str, **overrides: Any) -> Settings:
    return Settings(
        database_url=url,
        encryption_key=TEST_ENCRYPTION_KEY,
        port=0,
        create_rate_per_minute=0,
        create_rate_per_day=0,
        **overrides,
    )


async def start(url: str, **overrides: Any):  # type: ignore[no-untyped-def]
    return await create_server(settings(url, **overrides), address="127.0.0.1:0")


def upgrade_to(url: str, revision: str) -> None:
    with engine(url).begin() as conn:
        command.upgrade(schema._config(conn), revision)


def copy_rows(source: str, dest: str) -> None:
    """Every row of the shared tables, as an older release would have left it."""
    src, dst = engine(source), engine(dest)
    meta = sa.MetaData()
    meta.reflect(src, only=SHARED)
    with src.connect() as read, dst.begin() as write:
        write.execute(sa.text("DELETE FROM counters"))
        for name in SHARED:
            rows = [dict(r._mapping) for r in read.execute(sa.select(meta.tables[name]))]
            if rows:
                write.execute(sa.table(name, *(sa.column(c) for c in rows[0])).insert(), rows)
        write.execute(
            sa.text(
                'INSERT INTO rate_windows (tenant, subject_id, "window", start_us, count) '
                "VALUES ('default', 'u1', 'minute', 1, 3)"
            )
        )
    src.dispose()
    dst.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_models_and_migrations_agree(request, tmp_path, backend):
    url = await new_url(request, tmp_path, backend, "agree.db")
    dialect, target = parse_url(url)
    state = await asyncio.to_thread(schema.migrate, dialect, target)
    assert (state.before, state.after) == (None, schema.head())
    with engine(url).connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata
        )
    assert diff == []


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_database_at_the_first_migration_upgrades_with_nothing_lost(
    request, tmp_path, backend
):
    # Prepare: sessions made by a server, then the same rows in a database
    # that only the first migration has touched.
    made = await new_url(request, tmp_path, backend, "made.db")
    app = await start(made)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
        stub = pb_grpc.SessionServiceStub(channel)
        kept = await stub.CreateSession(pb.CreateSessionRequest(subject_id="u1"))
        ended = await stub.CreateSession(pb.CreateSessionRequest(subject_id="u1"))
        await stub.RevokeSession(pb.RevokeSessionRequest(session_id=ended.session.session_id))
    await app.stop(0)
    old = await new_url(request, tmp_path, backend, "old.db")
    await asyncio.to_thread(upgrade_to, old, "0001")
    await asyncio.to_thread(copy_rows, made, old)

    # Execute: a server of this release starts on it.
    app = await start(old)
    try:
        assert app.store.db.schema is not None
        assert (app.store.db.schema.before, app.store.db.schema.after) == ("0001", schema.head())
        async with grpc.aio.insecure_channel(f"127.0.0.1:{app.port}") as channel:
            stub = pb_grpc.SessionServiceStub(channel)
            # Assert: every session, event and token is still there and works.
            got = await stub.GetSession(pb.GetSessionRequest(session_id=kept.session.session_id))
            assert got.session.state == spb.SESSION_STATE_ACTIVE
            got = await stub.GetSession(pb.GetSessionRequest(session_id=ended.session.session_id))
            assert got.session.state == spb.SESSION_STATE_REVOKED
            renewed = await stub.RenewSession(
                pb.RenewSessionRequest(refresh_token=kept.tokens.refresh_token)
            )
            valid = await stub.ValidateSession(
                pb.ValidateSessionRequest(access_token=renewed.tokens.access_token)
            )
            assert valid.valid
            w = Watch(stub, subject_id="u1", start_revision=1)
            types = [(await w.event()).type for _ in range(4)]
            assert types == [
                pb.SESSION_EVENT_TYPE_CREATED,
                pb.SESSION_EVENT_TYPE_CREATED,
                pb.SESSION_EVENT_TYPE_REVOKED,
                pb.SESSION_EVENT_TYPE_RENEWED,
            ]
            w.cancel()
            await stub.CreateSession(pb.CreateSessionRequest(subject_id="u1"))
    finally:
        await app.stop(0)
    tables = sa.inspect(engine(old)).get_table_names()
    assert "rate_buckets" in tables and "rate_windows" not in tables


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_newer_schema_is_refused(request, tmp_path, backend, capsys):
    url = await new_url(request, tmp_path, backend, "newer.db")
    app = await start(url)
    await app.stop(0)
    with engine(url).begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(ConfigError, match="newer than this release"):
        await start(url)
    code = await asyncio.to_thread(main, ["migrate", "--database-url", url])
    assert code == 2
    assert "newer than this release" in capsys.readouterr().err


@pytest.mark.parametrize("backend", BACKENDS)
async def test_with_migrate_on_start_off_the_server_waits_for_migrate(
    request, tmp_path, backend, capsys
):
    url = await new_url(request, tmp_path, backend, "manual.db")
    with pytest.raises(ConfigError, match="session-authority migrate"):
        await start(url, migrate_on_start=False)
    assert await asyncio.to_thread(main, ["migrate", "--database-url", url]) == 0
    assert f"migrated from empty to {schema.head()}" in capsys.readouterr().out
    app = await start(url, migrate_on_start=False)
    await app.stop(0)


async def test_replicas_starting_at_once_migrate_once(postgres):
    url = await postgres.new_database()
    apps = await asyncio.gather(*(start(url) for _ in range(3)))
    try:
        states = [a.store.db.schema for a in apps]
        migrated = [s for s in states if s is not None and s.before is None]
        assert len(migrated) == 1
        assert all(s is not None and s.after == schema.head() for s in states)
    finally:
        for a in apps:
            await a.stop(0)
