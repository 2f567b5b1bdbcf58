"""A PostgreSQL lease notices that its connection died — asked at most once an interval, and at
once when the runner waits for events on it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from projections import lease as lease_module
from projections.lease import LeaseLost, PostgresLease
from service.innoledger import Innoledger
from service.settings import Settings


def terminate(settings: Settings, backend: int) -> None:
    pg = settings.postgres
    with psycopg.connect(
        host=pg.host, port=pg.port, user=pg.user, password=pg.password, dbname=pg.dbname,
        autocommit=True,
    ) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (backend,))


@contextmanager
def lease_whose_connection_died(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, check_interval_s: float
) -> Iterator[PostgresLease]:
    """A held lease, confirmed alive once, whose connection the server has then ended."""
    monkeypatch.setattr(lease_module, "LEASE_CHECK_INTERVAL_S", check_interval_s)
    app = Innoledger(settings)
    try:
        lease = PostgresLease(app.recorder, ("public", "lease-check-probe"))
        assert lease.try_acquire()
        row = lease._conn.execute("SELECT pg_backend_pid() AS pid").fetchone()
        lease.check()
        terminate(settings, int(row["pid"] if isinstance(row, dict) else row[0]))
        yield lease
    finally:
        app.close()


def test_a_dead_lease_connection_is_noticed_within_the_check_interval(
    postgres_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with lease_whose_connection_died(postgres_settings, monkeypatch, 0.2) as lease:
        time.sleep(0.25)
        with pytest.raises(LeaseLost):
            lease.check()
        assert lease.try_acquire()  # on a new connection: the dead one's lock went with it
        lease.release()


def test_a_dead_lease_connection_fails_the_wait_for_events_at_once(
    postgres_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Within the interval the lease does not ask again: the wait for events must notice.
    with lease_whose_connection_died(postgres_settings, monkeypatch, 3600.0) as lease:
        started = time.monotonic()
        with pytest.raises(LeaseLost):
            lease.wait_for_events(5.0)
        assert time.monotonic() - started < 4.0
