"""SQLite writers of this service take the write lock as their transaction begins and, while
another writer holds it, ask again in short steps (eventstore.sqlite_write_lock) instead of the
busy handler's sleeps of up to 100 ms: they get in once it is released, give up with the
library's error after the lock timeout, and leave the connection's busy timeout as it was."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import OperationalError

from eventstore.sql import SqlStore
from eventstore.sqlite_write_lock import begin_immediate

FACTORY = "eventstore.sqlite_statements:StatementCachingSQLiteFactory"


def _database(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE IF NOT EXISTS probe (n INTEGER)")
    return connection


def _release_soon(holder: sqlite3.Connection) -> threading.Timer:
    timer = threading.Timer(0.05, holder.execute, ("COMMIT",))
    timer.start()
    return timer


def test_a_writer_gets_the_lock_once_the_holder_releases_it(tmp_path: Path) -> None:
    holder = _database(tmp_path / "db.sqlite3")
    writer = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None, timeout=7)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO probe VALUES (1)")
    timer = _release_soon(holder)

    cursor = writer.cursor()
    begin_immediate(cursor, lock_timeout_s=30)

    assert writer.in_transaction
    cursor.execute("INSERT INTO probe VALUES (2)")
    writer.commit()
    assert [r[0] for r in writer.execute("SELECT n FROM probe ORDER BY n")] == [1, 2]
    assert writer.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
    timer.join()


def test_a_lock_held_past_the_timeout_raises_the_librarys_error(tmp_path: Path) -> None:
    holder = _database(tmp_path / "db.sqlite3")
    writer = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None, timeout=7)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"):
            begin_immediate(writer.cursor(), lock_timeout_s=0.05)
        assert not writer.in_transaction
        assert writer.execute("PRAGMA busy_timeout").fetchone()[0] == 50
    finally:
        holder.execute("ROLLBACK")


def _application(path: Path) -> Application[Any]:
    return Application[Any](
        env={"PERSISTENCE_MODULE": FACTORY, "SQLITE_DBNAME": str(path), "SQLITE_LOCK_TIMEOUT": "30"}
    )


def test_events_and_our_own_tables_are_written_once_another_writer_lets_go(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.sqlite3"
    app = _application(path)
    try:
        holder = _database(path)
        store = SqlStore(app.recorder)
        store.execute_script(["CREATE TABLE IF NOT EXISTS own (n INTEGER)"])

        holder.execute("BEGIN IMMEDIATE")
        timer = _release_soon(holder)
        aggregate = Aggregate()
        app.save(aggregate)  # the library's insert, through our connections
        timer.join()
        assert app.repository.get(aggregate.id).version == 1

        holder.execute("BEGIN IMMEDIATE")
        timer = _release_soon(holder)
        with store.transaction() as cursor:  # our own tables' writers (views, ledger, people)
            cursor.execute("INSERT INTO own VALUES (?)", (7,))
        timer.join()
        assert store.select("SELECT n FROM own") == [{"n": 7}]
    finally:
        app.close()
