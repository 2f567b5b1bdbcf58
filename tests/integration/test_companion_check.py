"""A check sent with a request's next read (eventstore.companion), on SQLite and PostgreSQL: it
rides on the next one-statement read of its store, its caller sees exactly the rows it would
see without it, its values are those a read of their own gives, and a refusal stops the read
and every later write; a read that cannot carry it leaves it waiting for `settle`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from eventstore.companion import CompanionCheck, send_with_next_read, withdraw, withdraw_any
from eventstore.sql import SqlStore
from service.innoledger import Innoledger
from service.settings import Settings


class Refused(Exception):
    pass


@pytest.fixture
def store(store_settings: Settings) -> Iterator[SqlStore]:
    app = Innoledger(store_settings)
    try:
        store = SqlStore(app.recorder)
        store.execute_script(
            [
                "CREATE TABLE companion_rows (name TEXT PRIMARY KEY, n INTEGER)",
                "CREATE TABLE companion_counter (id INTEGER PRIMARY KEY, value INTEGER)",
                "INSERT INTO companion_counter VALUES (1, 7)",
            ]
        )
        with store.transaction() as cursor:
            for name, n in (("a", 1), ("b", 2), ("c", 3)):
                cursor.execute("INSERT INTO companion_rows VALUES (?, ?)", (name, n))
        yield store
    finally:
        app.close()


def _check(
    store: SqlStore, received: list[dict[str, Any]], *, accept: bool = True
) -> CompanionCheck:
    def receive(values: dict[str, Any]) -> None:
        received.append(values)
        if not accept:
            raise Refused()

    check = CompanionCheck(
        store,
        (
            ("counter", "(SELECT value FROM companion_counter WHERE id = 1)"),
            ("largest", "(SELECT MAX(n) FROM companion_rows WHERE n < ?)"),
        ),
        (3,),
        receive,
    )
    send_with_next_read(check)
    return check


READ = "SELECT name, n FROM companion_rows WHERE n >= ? ORDER BY n DESC LIMIT ?"


def test_a_check_rides_on_the_next_read_and_its_caller_sees_only_its_own_rows(
    store: SqlStore,
) -> None:
    alone = store.select(READ, (2, 5))
    received: list[dict[str, Any]] = []
    check = _check(store, received)
    assert store.select(READ, (2, 5)) == alone == [{"name": "c", "n": 3}, {"name": "b", "n": 2}]
    assert received == [{"counter": 7, "largest": 2}]
    # Delivered once: the next read is the caller's alone, and settling asks nothing more.
    assert store.select(READ, (1, 1)) == [{"name": "c", "n": 3}]
    store.settle(check)
    assert received == [{"counter": 7, "largest": 2}]


def test_a_check_rides_on_a_read_of_tuples_and_its_caller_sees_only_its_own_columns(
    store: SqlStore,
) -> None:
    alone = store.select_tuples(READ, (2, 5))
    received: list[dict[str, Any]] = []
    _check(store, received)
    assert store.select_tuples(READ, (2, 5)) == alone == (["name", "n"], [("c", 3), ("b", 2)])
    assert received == [{"counter": 7, "largest": 2}]


def test_a_read_of_tuples_without_rows_leaves_the_check_to_settle(store: SqlStore) -> None:
    received: list[dict[str, Any]] = []
    check = _check(store, received)
    assert store.select_tuples(READ, (99, 5)) == (["name", "n"], [])
    assert received == []
    store.settle(check)
    assert received == [{"counter": 7, "largest": 2}]


def test_a_refused_check_stops_its_read_and_says_so_again_when_settled(store: SqlStore) -> None:
    check = _check(store, [], accept=False)
    with pytest.raises(Refused):
        store.select(READ, (1, 5))
    with pytest.raises(Refused):
        store.settle(check)


@pytest.mark.parametrize(
    "statement, params",
    [
        ("SELECT name FROM companion_rows WHERE n = ? UNION SELECT 'z' AS name", (1,)),
        ("SELECT DISTINCT n FROM companion_rows WHERE n > ?", (0,)),
        ("WITH r AS (SELECT name FROM companion_rows) SELECT name FROM r WHERE name = ?", ("a",)),
        ("SELECT name FROM companion_rows WHERE n > ?", (99,)),  # no row to carry it
    ],
)
def test_a_read_that_cannot_carry_the_check_leaves_it_to_settle(
    store: SqlStore, statement: str, params: tuple[Any, ...]
) -> None:
    received: list[dict[str, Any]] = []
    check = _check(store, received)
    try:
        assert store.select(statement, params) == SqlStore.select(store, statement, params)
        assert received == []
        store.settle(check)  # a statement of its own
        assert received == [{"counter": 7, "largest": 2}]
    finally:
        withdraw(check)


def test_nothing_is_written_before_a_waiting_check_accepted(store: SqlStore) -> None:
    received: list[dict[str, Any]] = []
    _check(store, received, accept=False)
    with pytest.raises(Refused), store.transaction() as cursor:
        cursor.execute("INSERT INTO companion_rows VALUES (?, ?)", ("d", 4))
    assert received == [{"counter": 7, "largest": 2}]
    assert store.select("SELECT name FROM companion_rows WHERE name = ?", ("d",)) == []


def test_a_check_rides_only_on_reads_of_its_own_store(
    store: SqlStore, store_settings: Settings
) -> None:
    other_app = Innoledger(store_settings)
    received: list[dict[str, Any]] = []
    check = _check(store, received)
    try:
        assert SqlStore(other_app.recorder).select(READ, (3, 1)) == [{"name": "c", "n": 3}]
        assert received == []
    finally:
        withdraw(check)
        other_app.close()


def test_a_new_request_starts_with_no_check_of_an_earlier_one(store: SqlStore) -> None:
    received: list[dict[str, Any]] = []
    _check(store, received, accept=False)
    withdraw_any()
    with store.transaction() as cursor:
        cursor.execute("INSERT INTO companion_rows VALUES (?, ?)", ("d", 4))
    assert store.select(READ, (4, 5)) == [{"name": "d", "n": 4}]
    assert received == []
