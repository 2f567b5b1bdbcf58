"""Browser sessions kept in the store: every worker reads the same record, so a session ended
through one is refused by all at once, on SQLite and on PostgreSQL; idle and too old sessions
end too, and only the member's own sessions end with them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from service.api import create_app
from service.auth.sessions import BrowserSessions, SessionLimits
from service.settings import Settings

LIMITS = SessionLimits(idle=timedelta(minutes=30), lifetime=timedelta(hours=10))
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _sessions(app: Flask) -> BrowserSessions:
    sessions: BrowserSessions = app.extensions["innoledger"].sessions
    return sessions


@pytest.fixture(params=["sqlite", "postgres"])
def two_workers(request: pytest.FixtureRequest) -> Iterator[tuple[Flask, Flask]]:
    settings: Settings = request.getfixturevalue(f"{request.param}_settings")
    apps = (create_app(settings), create_app(settings))
    yield apps
    for app in apps:
        app.extensions["innoledger"].close()


def test_a_session_ended_through_one_worker_is_refused_by_another(
    two_workers: tuple[Flask, Flask],
) -> None:
    first, second = (_sessions(app) for app in two_workers)
    laptop = first.start(user_id="anna", municipality="ystad", via="oidc", now=T0)
    phone = first.start(user_id="anna", municipality="ystad", via="oidc", now=T0)
    colleague = first.start(user_id="bo", municipality="ystad", via="oidc", now=T0)
    neighbour = first.start(user_id="anna", municipality="skurup", via="oidc", now=T0)
    at = T0 + timedelta(minutes=5)
    assert second.check(laptop, LIMITS, now=at)[0] is not None
    assert first.end(laptop, "signed_out", now=at)
    assert second.check(laptop, LIMITS, now=at) == (None, "signed_out")
    assert second.check(phone, LIMITS, now=at)[0] is not None
    assert second.end_all_of(user_id="anna", municipality="ystad", reason="revoked", now=at) == 1
    assert first.check(phone, LIMITS, now=at) == (None, "revoked")
    assert first.check(colleague, LIMITS, now=at)[0] is not None
    assert first.check(neighbour, LIMITS, now=at)[0] is not None
    assert second.check("made-up", LIMITS, now=at) == (None, "unknown")


def test_idle_and_too_old_sessions_end(two_workers: tuple[Flask, Flask]) -> None:
    first, second = (_sessions(app) for app in two_workers)
    idle = first.start(user_id="anna", municipality="ystad", via="demo", now=T0)
    busy = first.start(user_id="bo", municipality="ystad", via="demo", now=T0)
    moment = T0
    while moment < T0 + timedelta(hours=9, minutes=50):
        moment += timedelta(minutes=20)
        assert second.check(busy, LIMITS, now=moment)[0] is not None, moment
    assert first.check(busy, LIMITS, now=T0 + timedelta(hours=10, minutes=1)) == (None, "expired")
    assert second.check(busy, LIMITS, now=T0 + timedelta(hours=10, minutes=2)) == (
        None,
        "expired",
    )
    assert second.check(idle, LIMITS, now=T0 + timedelta(minutes=31)) == (None, "idle")
    assert first.check(idle, LIMITS, now=T0 + timedelta(minutes=32)) == (None, "idle")


def test_the_store_keeps_no_usable_session_id(two_workers: tuple[Flask, Flask]) -> None:
    first, _ = (_sessions(app) for app in two_workers)
    session_id = first.start(user_id="anna", municipality="ystad", via="oidc", now=T0)
    store = two_workers[0].extensions["innoledger"].sql
    with store.reading() as cursor:
        rows = cursor.execute("SELECT * FROM web_sessions").fetchall()
    assert rows and all(session_id not in str(row.values()) for row in rows)
