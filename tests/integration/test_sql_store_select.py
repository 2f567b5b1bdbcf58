"""One read statement through SqlStore.select: the rows as dictionaries (or, through
select_tuples, as tuples with the column names), writes committed by
others seen at once, and a failing statement raised as the library's error (which the web tier
turns into 503 when the database is away), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import OperationalError, PersistenceError, ProgrammingError

from eventstore.sql import SqlStore
from service.innoledger import Innoledger
from service.settings import Settings


def test_select_reads_rows_committed_before_it(store_settings: Settings) -> None:
    app, writer = Innoledger(store_settings), Innoledger(store_settings)
    try:
        store = SqlStore(app.recorder)
        store.execute_script(["CREATE TABLE select_probe (name TEXT PRIMARY KEY, n INTEGER)"])
        assert store.select("SELECT name, n FROM select_probe") == []
        with store.transaction() as cursor:
            cursor.execute("INSERT INTO select_probe VALUES (?, ?)", ("a", 1))
        with SqlStore(writer.recorder).transaction() as cursor:
            cursor.execute("INSERT INTO select_probe VALUES (?, ?)", ("b", 2))
        rows = store.select("SELECT name, n FROM select_probe WHERE n >= ? ORDER BY n", (1,))
        assert rows == [{"name": "a", "n": 1}, {"name": "b", "n": 2}]
        assert store.select_tuples(
            "SELECT name, n FROM select_probe WHERE n >= ? ORDER BY n", (1,)
        ) == (["name", "n"], [("a", 1), ("b", 2)])
    finally:
        app.close()
        writer.close()


def test_select_of_a_missing_table_raises_the_librarys_error(store_settings: Settings) -> None:
    app = Innoledger(store_settings)
    try:
        with pytest.raises(PersistenceError) as raised:
            SqlStore(app.recorder).select("SELECT * FROM no_such_table")
        # SQLite calls it an operational error, PostgreSQL a programming error.
        assert isinstance(raised.value, (OperationalError, ProgrammingError))
        with pytest.raises((OperationalError, ProgrammingError)):
            SqlStore(app.recorder).select_tuples("SELECT * FROM no_such_table")
        # The pool still serves reads afterwards.
        assert SqlStore(app.recorder).select("SELECT 1 AS one") == [{"one": 1}]
        assert SqlStore(app.recorder).select_tuples("SELECT 1 AS one") == (["one"], [(1,)])
    finally:
        app.close()
