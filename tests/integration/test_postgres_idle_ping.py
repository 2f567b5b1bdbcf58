"""Pooled PostgreSQL connections are pinged before use only after sitting idle (the restart of
the database under load is tested in tests/reliability)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from psycopg_pool import ConnectionPool

from eventstore.postgres_idle_ping import IDLE_BEFORE_PING_S
from eventstore.sql import SqlStore
from service.innoledger import Innoledger
from service.settings import Settings


@pytest.fixture
def app(postgres_settings: Settings) -> Iterator[Innoledger]:
    application = Innoledger(postgres_settings)
    yield application
    application.close()


def _backend_pid(store: SqlStore) -> int:
    with store.reading() as cursor:
        row = cursor.execute("SELECT pg_backend_pid() AS pid").fetchone()
    assert row is not None
    return int(row["pid"])


def test_busy_connections_are_not_pinged(app: Innoledger, monkeypatch: pytest.MonkeyPatch):
    store = SqlStore(app.recorder)
    pings: list[object] = []
    ping = ConnectionPool.check_connection
    monkeypatch.setattr(
        ConnectionPool,
        "check_connection",
        staticmethod(lambda conn: (pings.append(conn), ping(conn))[1]),
    )
    pool_size = app.settings.postgres.pool_size
    for _ in range(pool_size * 5):
        _backend_pid(store)
    # Each connection at most once: when first handed out, never again while busy.
    assert 0 < len(pings) <= pool_size


def test_a_connection_idle_for_a_while_is_pinged_again(
    app: Innoledger, monkeypatch: pytest.MonkeyPatch
):
    store = SqlStore(app.recorder)
    pool_size = app.settings.postgres.pool_size
    for _ in range(pool_size * 2):
        _backend_pid(store)
    pings: list[object] = []
    ping = ConnectionPool.check_connection
    monkeypatch.setattr(
        ConnectionPool,
        "check_connection",
        staticmethod(lambda conn: (pings.append(conn), ping(conn))[1]),
    )
    _backend_pid(store)
    assert pings == []
    time.sleep(IDLE_BEFORE_PING_S + 0.1)
    # A connection cut meanwhile (a database restart) is found here, before any query.
    _backend_pid(store)
    assert len(pings) == 1
