"""No follower of the log skips or reorders an event whose save was still open when a later save
committed, on SQLite and PostgreSQL, with or without POSTGRES_ENABLE_DB_FUNCTIONS=y (the
library's lock-free insert) in the process environment.

PostgreSQL: the held save and the later one insert the way the library's insert function does,
without the table lock, so the later one really commits first with the higher position.
SQLite: the held save keeps the single write lock; the later save (through the application)
waits for it, and the followers must see neither until the held one commits.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent

from eventstore.log_head import LogHead, log_head
from eventstore.sql import Cursor
from projections.base import ProjectedEvent
from projections.runner import ProjectionRunner
from service.innoledger import Innoledger
from service.ledger.ledger import Ledger
from service.ledger.projection import LedgerProjection
from service.ledger.verify import verify
from service.settings import Settings
from tests.builders import identify_need, setup_tenant


class OrderRecorder:
    """A projection that remembers the positions it was fed, in the order it was fed them."""

    name = "test_order"

    def __init__(self) -> None:
        self.applied: list[int] = []

    def table_names(self) -> Sequence[str]:
        return ()

    def create_tables(self, cursor: Cursor, suffix: str = "") -> None:
        pass

    def apply(self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = "") -> None:
        self.applied.extend(event.position for event in events)


def unsaved_events(app: Innoledger, command: Callable[[], Any]) -> list[StoredEvent]:
    """The stored form of the events `command` would save, without saving them."""
    captured: list[Any] = []

    def keep(*objs: Any, **_: Any) -> list[Any]:
        for obj in objs:
            captured.extend(obj.collect_events())
        return []

    app.save = keep  # type: ignore[method-assign]
    try:
        command()
    finally:
        del app.save
    return [app.mapper.to_stored_event(event) for event in captured]


def all_positions(app: Innoledger) -> list[int]:
    return [n.id for n in app.recorder.select_notifications(start=1, limit=10_000)]


@contextmanager
def held_postgres_insert(
    settings: Settings, app: Innoledger, events: list[StoredEvent]
) -> Iterator[tuple[list[int], Callable[[], None], Callable[[], None]]]:
    """Inserts `events` in a transaction left open until `commit()` or `rollback()`."""
    import psycopg

    pg = settings.postgres
    table = f'"{pg.schema}"."{app.recorder.events_table_name}"'  # type: ignore[attr-defined]
    conn = psycopg.connect(host=pg.host, port=pg.port, user=pg.user, password=pg.password,
                           dbname=pg.dbname)
    positions = [
        conn.execute(
            f"INSERT INTO {table} (originator_id, originator_version, topic, state)"
            " VALUES (%s, %s, %s, %s) RETURNING notification_id",
            (e.originator_id, e.originator_version, e.topic, e.state),
        ).fetchone()[0]  # type: ignore[index]
        for e in events
    ]
    try:
        yield positions, conn.commit, conn.rollback
    finally:
        conn.close()


def commit_postgres_insert(settings: Settings, app: Innoledger, events: list[StoredEvent]) -> None:
    with held_postgres_insert(settings, app, events) as (_, commit, _rollback):
        commit()


@pytest.mark.parametrize("outcome", ["commit", "rollback"])
@pytest.mark.parametrize("db_functions_in_environment", [False, True])
def test_postgres_followers_wait_for_a_save_held_open_below_a_committed_one(
    postgres_settings: Settings, monkeypatch: pytest.MonkeyPatch,
    db_functions_in_environment: bool, outcome: str,
) -> None:
    if db_functions_in_environment:
        monkeypatch.setenv("POSTGRES_ENABLE_DB_FUNCTIONS", "y")
    app = Innoledger(postgres_settings)
    try:
        # The environment does not reach the library's configuration.
        assert app.recorder.datastore.enable_db_functions is False  # type: ignore[attr-defined]
        tenant = setup_tenant(app)
        first = unsaved_events(app, lambda: identify_need(app, tenant, title="Hållen"))
        later = unsaved_events(app, lambda: identify_need(app, tenant, title="Senare"))
        order = OrderRecorder()
        ledger_runner = ProjectionRunner(app, LedgerProjection.for_app(app))
        runners = [ProjectionRunner(app, order), ledger_runner]
        for runner in runners:
            runner.catch_up()

        with held_postgres_insert(postgres_settings, app, first) as (held, commit, rollback):
            commit_postgres_insert(postgres_settings, app, later)
            committed = max(all_positions(app))
            assert committed > held[0], "the later save commits with the higher position"
            for runner in runners:
                assert runner.catch_up() < held[0]
            assert LogHead(runners[0].store, "innoledger_events").safe() < held[0]
            assert Ledger.of(app).check_consistency().consistent
            # A rolled-back save leaves its positions as a gap for good.
            (commit if outcome == "commit" else rollback)()

        for runner in runners:
            assert runner.catch_up() == committed
        assert (held[0] in all_positions(app)) is (outcome == "commit")
        assert order.applied == all_positions(app)
        ledger = Ledger.of(app)
        assert ledger.tree_size() == len(all_positions(app))
        assert ledger.check_consistency().consistent
        assert verify(ledger).ok
    finally:
        app.close()


class AnswerHeldBack:
    """A cursor whose answers reach the caller only when `release` is set: the statement runs
    (its snapshot is taken) at once, as on a connection whose answer is slow to come back."""

    def __init__(self, cursor: Cursor, release: threading.Event, sent: threading.Event):
        self._cursor, self._release, self._sent = cursor, release, sent

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Cursor:
        result = self._cursor.execute(statement, params)
        self._sent.set()
        assert self._release.wait(20)
        return result


def test_an_observation_answered_late_does_not_settle_a_later_one_s_writers(
    postgres_settings: Settings,
) -> None:
    """Threads share the log's head; an observation taken before a save began, answered after
    a later observation saw that save in flight, must not count it as ended."""
    app = Innoledger(postgres_settings)
    try:
        tenant = setup_tenant(app)
        first = unsaved_events(app, lambda: identify_need(app, tenant, title="Hållen"))
        later = unsaved_events(app, lambda: identify_need(app, tenant, title="Senare"))
        head = log_head(app.recorder)
        head.safe()
        sent, release = threading.Event(), threading.Event()
        answered: list[int] = []

        def observe_early() -> None:
            with head.store.reading() as cursor:
                answered.append(head.safe(AnswerHeldBack(cursor, release, sent)))  # type: ignore[arg-type]

        early = threading.Thread(target=observe_early)
        early.start()
        assert sent.wait(20)  # its snapshot is taken: no save in flight
        try:
            with held_postgres_insert(postgres_settings, app, first) as (held, commit, _):
                commit_postgres_insert(postgres_settings, app, later)
                assert head.safe() < held[0]  # sees the held save in flight
                release.set()
                early.join(20)
                assert answered and answered[0] < held[0]
                assert head.safe() < held[0]
                commit()
        finally:
            release.set()
            early.join(20)
        assert head.safe() == max(all_positions(app))
    finally:
        app.close()


@pytest.mark.parametrize("db_functions_in_environment", [False, True])
def test_sqlite_followers_see_neither_save_until_the_held_one_commits(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch, db_functions_in_environment: bool
) -> None:
    if db_functions_in_environment:
        monkeypatch.setenv("POSTGRES_ENABLE_DB_FUNCTIONS", "y")
    app = Innoledger(sqlite_settings)
    try:
        tenant = setup_tenant(app)
        first = unsaved_events(app, lambda: identify_need(app, tenant, title="Hållen"))
        order = OrderRecorder()
        ledger_runner = ProjectionRunner(app, LedgerProjection.for_app(app))
        runners = [ProjectionRunner(app, order), ledger_runner]
        before = max(runner.catch_up() for runner in runners)

        held = sqlite3.connect(sqlite_settings.sqlite_file, isolation_level=None)
        held.execute("BEGIN IMMEDIATE")
        for e in first:
            held.execute(
                "INSERT INTO stored_events (originator_id, originator_version, topic, state)"
                " VALUES (?, ?, ?, ?)",
                (e.originator_id.hex, e.originator_version, e.topic, e.state),  # type: ignore[union-attr]
            )
        later_saved = threading.Event()
        writer = threading.Thread(
            target=lambda: (identify_need(app, tenant, title="Senare"), later_saved.set())
        )
        writer.start()
        try:
            assert not later_saved.wait(0.5), "SQLite's single writer makes the later save wait"
            for runner in runners:
                assert runner.catch_up() == before
        finally:
            held.commit()
            held.close()
            writer.join(20)
        assert later_saved.is_set()

        head = max(all_positions(app))
        for runner in runners:
            assert runner.catch_up() == head
        assert order.applied == all_positions(app)
        ledger = Ledger.of(app)
        assert ledger.tree_size() == len(all_positions(app))
        assert ledger.check_consistency().consistent
        assert verify(ledger).ok
    finally:
        app.close()
