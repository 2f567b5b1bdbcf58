"""A batch's rows are looked up and deleted by key through the primary key's index, whatever
the table's statistics say: a table filled faster than they follow (a rebuild's new tables)
must not be scanned whole for every batch."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from eventstore.sql import Cursor, SqlStore
from projections.rows import delete_keys, select_keys, write_rows
from service.innoledger import Innoledger
from service.settings import Settings

SINGLE = "lookup_single"
PAIR = "lookup_pair"


class _Recording:
    """A cursor that remembers the statements it ran, to ask the planner about them after."""

    def __init__(self, cursor: Cursor):
        self._cursor = cursor
        self.statements: list[tuple[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    def execute(self, sql: str, params: Any = ()) -> Any:
        self.statements.append((sql, params))
        return self._cursor.execute(sql, params)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def _scans_whole(cursor: Cursor, sql: str, params: Any) -> list[str]:
    row = cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params).fetchone()
    document = next(iter(row.values()))
    plan = (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]
    return [node.get("Relation Name", "?") for node in _nodes(plan)
            if node["Node Type"] == "Seq Scan"]


@pytest.fixture
def cursor(postgres_settings: Settings) -> Iterator[Cursor]:
    app = Innoledger(postgres_settings)
    try:
        with SqlStore(app.recorder).transaction() as cursor:
            cursor.execute(f"CREATE TABLE {SINGLE} (id TEXT PRIMARY KEY, n BIGINT NOT NULL)"
                           " WITH (autovacuum_enabled = false)")
            cursor.execute(f"CREATE TABLE {PAIR} (municipality TEXT NOT NULL, id TEXT NOT NULL,"
                           " n BIGINT NOT NULL, PRIMARY KEY (municipality, id))"
                           " WITH (autovacuum_enabled = false)")
            # Statistics taken while the tables are small, then the tables grow past them.
            write_rows(cursor, SINGLE, ("id", "n"), [(f"s{i}", i) for i in range(50)])
            write_rows(cursor, PAIR, ("municipality", "id", "n"),
                       [(f"m{i % 7}", f"p{i}", i) for i in range(50)])
            cursor.execute(f"ANALYZE {SINGLE}")
            cursor.execute(f"ANALYZE {PAIR}")
            write_rows(cursor, SINGLE, ("id", "n"), [(f"s{i}", i) for i in range(50, 30_000)])
            write_rows(cursor, PAIR, ("municipality", "id", "n"),
                       [(f"m{i % 7}", f"p{i}", i) for i in range(50, 30_000)])
            yield cursor
    finally:
        app.close()


def test_rows_are_found_by_key_through_the_index(cursor: Cursor):
    recording = _Recording(cursor)
    wanted = [f"s{i}" for i in range(0, 30_000, 500)] + ["absent"]
    found = select_keys(recording, SINGLE, ("id",), ("id", "n"), wanted)  # type: ignore[arg-type]
    assert sorted((row["id"], row["n"]) for row in found) == sorted(
        (f"s{i}", i) for i in range(0, 30_000, 500)
    )
    pairs = [(f"m{i % 7}", f"p{i}") for i in range(3, 30_000, 700)] + [("m0", "p1")]
    found = select_keys(recording, PAIR, ("municipality", "id"), ("municipality", "id", "n"),
                        pairs)  # type: ignore[arg-type]
    assert sorted(row["n"] for row in found) == list(range(3, 30_000, 700))
    assert len(recording.statements) == 2
    for sql, params in recording.statements:
        assert _scans_whole(cursor, sql, params) == [], sql


def test_rows_are_deleted_by_key_through_the_index(cursor: Cursor):
    recording = _Recording(cursor)
    delete_keys(recording, SINGLE, ("id",), [f"s{i}" for i in range(0, 30_000, 300)])  # type: ignore[arg-type]
    delete_keys(recording, PAIR, ("municipality", "id"),  # type: ignore[arg-type]
                [(f"m{i % 7}", f"p{i}") for i in range(0, 30_000, 300)] + [("m1", "p0")])
    left = cursor.execute(f"SELECT count(*) AS n FROM {SINGLE}").fetchone()["n"]
    assert left == 30_000 - 100
    gone = cursor.execute(f"SELECT count(*) AS n FROM {PAIR} WHERE mod(n, 300) = 0").fetchone()["n"]
    assert gone == 0
    assert cursor.execute(f"SELECT count(*) AS n FROM {PAIR}").fetchone()["n"] == 30_000 - 100
    assert len(recording.statements) == 2
    for sql, params in recording.statements:
        # EXPLAIN without ANALYZE: the rows stay as the deletes above left them.
        assert _scans_whole(cursor, sql, params) == [], sql
